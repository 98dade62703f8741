"""Stock serial `nbgrader autograde` against `autograder grade --jobs 2`, same class.

    python benchmarks/autograde_throughput.py [--assignment 01-regression] [--submissions 16]

Both grade fresh copies of one course with the same configuration (the same sandbox, hidden
tests and probes) and must give identical scores. Stock nbgrader grades one submission after
another, each in a kernel that starts cold (a new interpreter imports ipykernel, numpy,
matplotlib, torch and ``lib``); ours grades in parallel workers whose kernels are forked
warm from one factory per batch. The class is half reference solutions, a quarter blank
release notebooks and a quarter partly right (the second half of the answers missing).

CPU is counted per process tree in a cpuacct control group (cgroup v1, as root): other work
on a shared machine does not count, and the sandboxed kernels, which live in their own PID
namespaces, do. The notebook's own cells are measured alone: each submission executed in a
plain kernel that has already imported what the assignment imports, the CPU of its cells
only. ``overhead_cpu`` is what grading costs per submission beyond them (kernel start,
nbgrader's steps, probes, hidden tests, gradebook). Last line:
``speedup=<stock seconds / ours> overhead_cpu=<seconds per submission>``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel
from nbgrader.api import Gradebook

from autograder.workflow import demo, release
from autograder.workflow import grade as batch
from autograder.workflow.course import Course

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("reference", "reference", "blank", "partly_right")
CGROUP = Path("/sys/fs/cgroup/cpuacct")


def build(folder: Path, assignment: str, submissions: int) -> Course:
    course = demo.make_course(ROOT, folder)
    release.generate(course, [assignment])
    for notebook in course.notebooks(assignment):
        students = demo.submissions(
            course.path("source_directory") / assignment / f"{notebook}.ipynb",
            course.path("release_directory") / assignment / f"{notebook}.ipynb")
        for i in range(submissions):
            kind = KINDS[i % len(KINDS)]
            target = course.path("submitted_directory") / f"s{i:03d}-{kind}" / assignment
            target.mkdir(parents=True, exist_ok=True)
            nbformat.write(students[kind][0], target / f"{notebook}.ipynb")
            (target / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
    return course


def scores(course: Course, assignment: str) -> dict[str, float]:
    with Gradebook(course.db_url) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}


@contextlib.contextmanager
def cpu_group(name: str) -> Iterator[Path | None]:
    """A cpuacct control group for one command's process tree (None where none can be made)."""
    folder = CGROUP / f"benchmark-{os.getpid()}-{name}"
    try:
        folder.mkdir()
    except OSError:
        yield None
        return
    try:
        yield folder
    finally:
        with contextlib.suppress(OSError):
            folder.rmdir()


def run_counted(command: list[str], cwd: Path, name: str) -> tuple[float, float | None]:
    """(wall seconds, CPU seconds of the command's whole process tree or None)."""
    with cpu_group(name) as group:
        joined = ["sh", "-c", f'echo $$ > {group}/cgroup.procs && exec "$@"', "sh"] \
            if group is not None else []
        start = time.perf_counter()
        subprocess.run([*joined, *command], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        cpu = int((group / "cpuacct.usage").read_text()) / 1e9 if group is not None else None
    return wall, cpu


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def cells_cpu(notebook: Path, imports: list[str], threads: int) -> float:
    """CPU of the notebook's code cells in a plain kernel that has imported ``imports``."""
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           **{v: str(threads) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                        "OPENBLAS_NUM_THREADS")}}
    with tempfile.TemporaryDirectory() as folder:
        km, kc = start_new_kernel(kernel_name="python3", cwd=folder, env=env)
        try:
            kc.execute_interactive("\n".join(f"import {name}" for name in imports), timeout=120,
                                   output_hook=lambda m: None)
            before = _process_cpu(km.provisioner.pid)
            for cell in nbformat.read(notebook, as_version=4).cells:
                if cell.cell_type == "code":
                    kc.execute_interactive(cell.source, timeout=120, output_hook=lambda m: None)
            return _process_cpu(km.provisioner.pid) - before
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="01-regression")
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    n, assignment = args.submissions, args.assignment
    print(f"{assignment}, {n} submissions, {os.cpu_count()} cores; load before: {load()}")
    with tempfile.TemporaryDirectory() as scratch:
        stock_course = build(Path(scratch) / "stock", assignment, n)
        ours_course = build(Path(scratch) / "ours", assignment, n)
        stock, stock_cpu = run_counted([sys.executable, "-m", "nbgrader", "autograde",
                                        assignment], stock_course.root, "stock")
        ours, ours_cpu = run_counted([sys.executable, "-m", "autograder", "grade", assignment,
                                      "--jobs", str(args.jobs)], ours_course.root, "ours")
        same = scores(stock_course, assignment) == scores(ours_course, assignment)
        graded = sorted(scores(ours_course, assignment).items())
        imports = batch._imports(ours_course, assignment)
        threads = batch._threads(args.jobs)
        per_kind = {}
        for student, _ in graded[:len(KINDS)]:
            folder = ours_course.path("submitted_directory") / student / assignment
            per_kind[student.split("-", 1)[1]] = sum(
                cells_cpu(nb, imports, threads) for nb in folder.glob("*.ipynb"))
        cells = sum(per_kind[KINDS[i % len(KINDS)]] for i in range(n)) / n
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"identical scores: {same} ({sorted({score for _, score in graded})})")
    print(f"stock nbgrader autograde (serial, cold kernels): {stock:6.1f} s "
          f"({stock / n:.2f} s per submission)")
    print(f"autograder grade --jobs {args.jobs} (warm kernels):     {ours:6.1f} s "
          f"({ours / n:.2f} s per submission)")
    print("the notebook's own cells, CPU per submission: " +
          ", ".join(f"{kind} {seconds:.2f} s" for kind, seconds in per_kind.items()) +
          f"; class mean {cells:.2f} s")
    if stock_cpu is None or ours_cpu is None:
        sys.exit("no cpuacct control group could be made (run as root on cgroup v1)")
    print(f"CPU per submission, whole process trees: stock {stock_cpu / n:.2f} s, "
          f"ours {ours_cpu / n:.2f} s")
    print(f"load after: {load()}")
    if not same:
        sys.exit("scores differ between stock nbgrader and autograder grade")
    print(f"speedup={stock / ours:.2f} overhead_cpu={ours_cpu / n - cells:.2f}")


if __name__ == "__main__":
    main()
