"""What naming misconceptions adds to grading a submission.

For each assignment, demo students (answers drawn from the reference, the mistake catalogue,
alternatives and non-answers, as in ``make demo``) are graded through the real pipeline
(``autograder grade --jobs 1``: sandboxed kernels, nbgrader, the gradebook), which gives the
seconds a submission takes. The matching itself runs in the grading process after the hidden
tests, on answers already decoded: it is timed here, in process, on the same students' answers
and seed (the same work as in the grader: the mistakes' answers on the failed questions, two
pytest sessions).

Last line: ``matching_share=<mean matching seconds / mean seconds of a submission without it>``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat

from autograder.grading.misconceptions import find_matches
from autograder.grading.reference import reference_source
from autograder.grading.runner import make_calls, run_questions
from autograder.grading.timestamps import format_timestamp
from autograder.grading.verdict import answers_in_process, graded_questions, reference_answers
from autograder.workflow import demo, grade, release
from autograder.workflow.course import Course

ROOT = Path(__file__).resolve().parents[1]
#: Students graded through the pipeline, and timed in process, per assignment.
GRADED, TIMED = 4, 12


def matching_seconds(source: Path, notebook: nbformat.NotebookNode, seed: int,
                     scratch: Path) -> tuple[float, int, int]:
    """(seconds of find_matches, failed questions, misconceptions named) for one student."""
    path = scratch / "student.ipynb"
    nbformat.write(notebook, path)
    namespace: dict = {"__name__": "student"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(reference_source(path), "<student>", "exec"), namespace)
        questions = sorted(set(graded_questions(nbformat.read(source, as_version=4)).values()))
        calls = {q: make_calls(q, seed) for q in questions}
        student = {q: answers_in_process(calls[q], namespace) for q in questions}
        results = run_questions(student, reference_answers(source, calls), calls)
        start = time.perf_counter()
        named = find_matches(student, results, calls, source)
        seconds = time.perf_counter() - start
    failed = sum(r.passed < r.total for r in results.values())
    return seconds, failed, len(named)


def main() -> None:
    import torch

    torch.set_num_threads(1)  # as in a grading worker on a busy machine: tiny tensors
    matching, graded = [], []
    with tempfile.TemporaryDirectory() as scratch:
        course = demo.make_course(ROOT, Path(scratch) / "course")
        release.generate(course)
        for assignment in course.assignments():
            (name,) = course.notebooks(assignment)
            source = course.path("source_directory") / assignment / f"{name}.ipynb"
            release_nb = course.path("release_directory") / assignment / f"{name}.ipynb"
            students = demo.generated_class(source, release_nb, count=TIMED, seed=7)
            timed = [matching_seconds(source, nb, seed, Path(scratch))
                     for seed, (nb, _) in enumerate(students.values())]
            matching += [t for t, _, _ in timed]
            graded += _pipeline_seconds(course, assignment, name, list(students.items())[:GRADED])
            print(f"{assignment}: matching {statistics.fmean(t for t, _, _ in timed):.3f} s per "
                  f"student (max {max(t for t, _, _ in timed):.3f} s); failed questions "
                  f"{sum(f for _, f, _ in timed)}, misconceptions named "
                  f"{sum(n for _, _, n in timed)} over {TIMED} students")
    per_submission = statistics.fmean(graded)
    share = statistics.fmean(matching) / (per_submission - statistics.fmean(matching))
    print(f"a submission through the pipeline: {per_submission:.2f} s (mean of {len(graded)}, "
          f"--jobs 1); matching: {statistics.fmean(matching):.3f} s")
    print(f"matching_share={share:.3f}")


def _pipeline_seconds(course: Course, assignment: str, name: str,
                      students: list[tuple[str, tuple[nbformat.NotebookNode, object]]]
                      ) -> list[float]:
    for student, (nb, _) in students:
        folder = course.path("submitted_directory") / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
        (folder / "timestamp.txt").write_text(format_timestamp(demo.DUE) + "\n")
    outcomes = grade.grade(course, assignment, jobs=1, submission_timeout=300, progress=False)
    if any(o.status != "graded" for o in outcomes):
        sys.exit(f"grading failed: {outcomes}")
    return [o.seconds for o in outcomes]


if __name__ == "__main__":
    main()
