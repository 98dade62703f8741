"""Stock serial `nbgrader autograde` against `autograder grade --jobs 2`, same 16 submissions.

Both run on fresh copies of the course with the same configuration (the same sandboxed
kernel and hidden tests), so the only difference is the scheduling. The scores must be
identical. Last line: ``speedup=<stock seconds / ours>``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader.api import Gradebook

from autograder.workflow import demo, release
from autograder.workflow.course import Course

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "01-regression", "regression"
KINDS = ["reference"] * 8 + ["blank"] * 4 + ["partly_right"] * 4


def build(folder: Path) -> Course:
    course = demo.make_course(ROOT, folder)
    release.generate(course, [ASSIGNMENT])
    students = demo.submissions(folder / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                                folder / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    for i, kind in enumerate(KINDS):
        target = course.path("submitted_directory") / f"s{i:02d}-{kind}" / ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(students[kind][0], target / f"{NOTEBOOK}.ipynb")
        (target / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
    return course


def scores(course: Course) -> dict[str, float]:
    with Gradebook(course.db_url) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy (from /proc/stat; sandboxed kernels live in
    their own PID namespaces, where per-process accounting does not reach them)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, machine-wide busy CPU seconds while the command ran)."""
    cpu = busy_cpu_seconds()
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, busy_cpu_seconds() - cpu


def plain_execution_seconds() -> float:
    """Executing the reference notebook alone, unsandboxed, without hidden tests."""
    nb = nbformat.read(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "solutions" / ASSIGNMENT)}}
                   ).execute()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        stock_course, ours_course = build(Path(scratch) / "stock"), build(Path(scratch) / "ours")
        stock, stock_cpu = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT],
                                 stock_course.root)
        ours, ours_cpu = timed([sys.executable, "-m", "autograder", "grade", ASSIGNMENT,
                                "--jobs", "2"], ours_course.root)
        same = scores(stock_course) == scores(ours_course)
        plain = plain_execution_seconds()
        shutil.rmtree(scratch, ignore_errors=True)
    n = len(KINDS)
    print(f"submissions: {n}; identical scores: {same}")
    print(f"stock nbgrader autograde (serial): {stock:.1f} s ({stock / n:.2f} s per submission)")
    print(f"autograder grade --jobs 2:        {ours:.1f} s ({2 * ours / n:.2f} s per submission "
          "per worker)")
    cores = os.cpu_count() or 1
    print(f"busy CPU per submission (grader, workers, kernels; whole machine): stock "
          f"{stock_cpu / n:.2f} s, ours {ours_cpu / n:.2f} s; with {cores} cores that bounds "
          f"ours at {ours_cpu / cores:.1f} s of wall time")
    print(f"plain notebook execution: {plain:.2f} s; overhead per submission in the stock "
          f"run: {stock / n - plain:.2f} s (kernel start in the sandbox, nbgrader's "
          "sanitize/overwrite/gradebook steps, probes and hidden tests)")
    if not same:
        sys.exit("scores differ between stock nbgrader and autograder grade")
    print(f"speedup={stock / ours:.2f}")


if __name__ == "__main__":
    main()
