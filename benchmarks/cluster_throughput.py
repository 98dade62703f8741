"""`autograder grade --jobs 2` against `autograder grade --scheduler` on a local Dask cluster.

The same 16 submissions of Assignment 1, on fresh copies of the course with the same
configuration and a fixed hidden-test seed: once on this machine with two forked workers,
once through a Dask scheduler with two single-threaded worker processes (LocalCluster, on
127.0.0.1; their course is a third copy, nothing shared but the installed package). Both
times include the control and the warm-up, and the cluster time does not include starting
the cluster. The gradebooks and autograded notebooks must be identical. Last line:
``cluster_overhead=<cluster seconds / local seconds>``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograde_throughput import build  # the throughput benchmark's class
from distributed import LocalCluster
from nbgrader.api import Gradebook

from autograder.workflow import demo
from autograder.workflow.course import Course

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01-regression"
SUBMISSIONS = 16
SEED = "\nc.HiddenTestsExecute.seed = 20261009  # the same inputs in both runs\n"


def seeded(course: Course) -> Course:
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write(SEED)
    return course


def graded(course: Course) -> tuple[dict, dict]:
    """Scores per student and cell, and the autograded notebooks' bytes."""
    with Gradebook(course.db_url) as gb:
        scores = {(s.student.id, g.name): (g.auto_score, g.max_score)
                  for s in gb.assignment_submissions(ASSIGNMENT)
                  for nb in s.notebooks for g in nb.grades}
    folder = course.path("autograded_directory")
    notebooks = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.ipynb")}
    return scores, notebooks


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (not idle or waiting), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def timed(arguments: list[str], course: Course) -> tuple[float, float]:
    """(wall seconds, machine-wide busy CPU seconds) of one `autograder grade` run."""
    cpu, start = busy_cpu_seconds(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "--root", str(course.root), "grade",
                    ASSIGNMENT, "--cell-timeout", "60", *arguments], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, busy_cpu_seconds() - cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        local_course = seeded(build(Path(scratch, "local"), ASSIGNMENT, SUBMISSIONS))
        cluster_course = seeded(build(Path(scratch, "ours"), ASSIGNMENT, SUBMISSIONS))
        worker_course = seeded(demo.make_course(ROOT, Path(scratch, "worker")))
        local, local_cpu = timed(["--jobs", "2"], local_course)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None,
                          preload=["autograder.workflow.cluster_worker"],
                          preload_argv=["--course", str(worker_course.root)]) as cluster:
            ours, ours_cpu = timed(["--scheduler", cluster.scheduler_address], cluster_course)
        same = graded(local_course) == graded(cluster_course)
    n = SUBMISSIONS
    print(f"submissions: {n}; identical gradebook and autograded notebooks: {same}")
    print(f"autograder grade --jobs 2:                    {local:.1f} s, busy CPU "
          f"{local_cpu / n:.2f} s per submission")
    print(f"autograder grade --scheduler (2 workers x 1): {ours:.1f} s, busy CPU "
          f"{ours_cpu / n:.2f} s per submission (client, scheduler, workers, kernels)")
    print(f"load average when done: {os.getloadavg()[0]:.2f}")
    if not same:
        sys.exit("the cluster's grades differ from the local batch's")
    print(f"cluster_overhead={ours / local:.2f}")


if __name__ == "__main__":
    main()
