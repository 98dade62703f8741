"""What the output bounds cost an honest class, and what a flood costs a grading worker.

One run, side by side, on fresh copies of the same course and the same 8 reference
submissions of Assignment 1, graded by `autograder grade`'s batch with 2 workers:

* ``unbounded``: no message limit, no output limits, no memory guard (the grading of
  before issue 10);
* ``default``: the limits of nbgrader_config.py (probes in the notebook's kernel after its
  last cell, nbgrader_config.py as it is);
* ``second``: the limits and every probe in a second kernel (``separate_probe_kernel``).

Each is graded three times, alternating, and the fastest time kept (the machine is shared). Then
each flood of the adversarial corpus is graded alone with the default configuration while
the worker's peak resident memory is sampled. Scores must be identical. Last line:
``slowdown=<default seconds / unbounded seconds>``.
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_adversarial import ATTEMPTS, _submission  # noqa: E402

from autograder.workflow import demo, release  # noqa: E402
from autograder.workflow import grade as batch  # noqa: E402
from autograder.workflow.course import Course  # noqa: E402

ASSIGNMENT, NOTEBOOK = "01-regression", "regression"
HONEST = 8
ROUNDS = 3
FLOODS = ["print_huge_line", "print_many_lines", "display_huge_image", "huge_traceback",
          "multipart_flood", "comm_flood"]
UNBOUNDED = {"HiddenTestsExecute": {"max_output_bytes": 10**12, "max_cell_output_bytes": 10**12,
                                    "max_notebook_output_bytes": 10**12, "max_memory_growth": 0,
                                    "separate_probe_kernel": False},
             "BoundedKernelClient": {"max_message_bytes": 0, "queued_messages": 1000}}
CONFIGS = {"unbounded": UNBOUNDED, "default": {},
           "second": {"HiddenTestsExecute": {"separate_probe_kernel": True}}}


def course_with(folder: Path, students: dict[str, nbformat.NotebookNode],
                overrides: dict) -> Course:
    demo.make_course(ROOT, folder)
    course = Course.load(folder, **overrides)
    release.generate(course, [ASSIGNMENT])
    for student, nb in students.items():
        target = course.path("submitted_directory") / student / ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{NOTEBOOK}.ipynb")
        (target / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
    return course


def scores(course: Course) -> dict[str, float]:
    with Gradebook(course.db_url) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


class PeakWorker(threading.Thread):
    """Peak resident memory (VmHWM) of this process's children, the grading workers."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.peak = threading.Event(), 0

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for task in Path("/proc/self/task").glob("*/children"):
                for pid in task.read_text().split():
                    try:
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:
                        continue
                    found = re.search(r"VmHWM:\s+(\d+) kB", status)
                    if found:
                        self.peak = max(self.peak, int(found[1]) * 1024)


def main() -> None:
    scratch = Path(tempfile.mkdtemp())
    template = course_with(scratch / "template", {}, {})
    honest = {f"s{i}": _submission(template, None, scratch) for i in range(HONEST)}
    best: dict[str, float] = {}
    graded: dict[str, dict[str, float]] = {}
    for round_ in range(ROUNDS):
        for name, overrides in CONFIGS.items():
            course = course_with(scratch / f"{name}-{round_}", honest, overrides)
            start = time.perf_counter()
            batch.grade(course, ASSIGNMENT, jobs=2, progress=False)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
            graded[name] = scores(course)
    for name, seconds in best.items():
        print(f"{name:<10} {seconds:6.1f} s for {HONEST} honest submissions "
              f"({seconds / HONEST:.2f} s each, 2 workers)")
    same = len({tuple(sorted(s.items())) for s in graded.values()}) == 1
    print(f"identical scores: {same} ({sorted(set(graded['default'].values()))})")
    print(f"second kernel for probes: second / default = {best['second'] / best['default']:.2f}")
    for flood in FLOODS:
        attempt = next(a for a in ATTEMPTS if a.name == flood)
        course = course_with(scratch / flood, {flood: _submission(template, attempt, scratch)},
                             {"HiddenTestsExecute": {"timeout": 5}})
        sampler = PeakWorker()
        sampler.start()
        outcome, = batch.grade(course, ASSIGNMENT, jobs=1, progress=False)
        sampler.stop.set()
        sampler.join()
        print(f"flood {flood:<20} {outcome.status:<7} {outcome.seconds:5.1f} s, "
              f"{scores(course).get(flood, 0):4.1f} points, peak worker memory "
              f"{sampler.peak / 1024**2:5.0f} MiB")
    if not same:
        sys.exit("scores differ between the configurations")
    print(f"slowdown={best['default'] / best['unbounded']:.3f}")


if __name__ == "__main__":
    main()
