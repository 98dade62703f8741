"""Warm kernels grade like cold ones: the demo class of every assignment, graded by kernels
forked from a factory in grading processes that each grade many submissions, and by kernels
that start cold in a grading process per submission, gets the same scores and the same
graded notebooks. (The adversarial corpus is compared in tests/test_adversarial.py.)"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, first_difference, graded_notebooks
from nbgrader.api import Gradebook

from autograder.sandbox import warm
from autograder.workflow import demo, release
from autograder.workflow import grade as batch
from autograder.workflow.course import Course

pytestmark = pytest.mark.slow

#: Students drawn from the catalogue besides the demo's special cases: enough for mistakes,
#: alternatives and non-answers in every assignment, few enough for CI (each is graded twice).
GENERATED = 4


def _graded_class(folder, assignment: str, *, warm_kernels: bool,
                  monkeypatch) -> tuple[Course, dict[str, tuple[str, str]]]:
    course = demo.make_course(ROOT, folder)
    course.config.HiddenTestsExecute.seed = 1  # the same hidden-test inputs in both runs
    course.config.SandboxedKernelManager.warm = warm_kernels
    if not warm_kernels:  # the path before both: cold kernels, a process per submission
        monkeypatch.setattr(batch, "SUBMISSIONS_PER_PROCESS", 1)
    release.generate(course, [assignment])
    demo.write_class(course, assignment, GENERATED)
    factories = []  # what the batch's workers inherit
    ready = warm.ready
    monkeypatch.setattr(warm, "ready", lambda: factories.append(ready()) or factories[-1])
    outcomes = batch.grade(course, assignment, jobs=2, submission_timeout=300, progress=False)
    assert (factories != [] and all(factories)) == warm_kernels
    return course, {o.student: (o.status, o.message) for o in outcomes}


#: Code whose numbers differ in every run, warm or cold (a Monte Carlo estimate in the
#: catalogue): its plots and printed figures cannot be compared; its scores still are.
UNSEEDED = re.compile(r"default_rng\(\)")


def _unseeded(course: Course, assignment: str, student: str) -> bool:
    folder = course.path("submitted_directory") / student / assignment
    return any(UNSEEDED.search(path.read_text(errors="replace"))
               for path in folder.glob("*.ipynb"))


def _scores(course: Course, assignment: str) -> dict[str, tuple[float, float]]:
    with Gradebook(course.db_url) as gb:
        return {s.student.id: (s.score, s.late_submission_penalty)
                for s in gb.assignment_submissions(assignment)}


@pytest.mark.skipif(warm.unavailable() is not None, reason=str(warm.unavailable()))
@pytest.mark.parametrize("assignment", sorted(p.name for p in (ROOT / "solutions").iterdir()
                                              if p.is_dir()))
def test_warm_and_cold_kernels_grade_the_demo_class_alike(assignment, tmp_path, monkeypatch):
    warm_course, warm_outcomes = _graded_class(tmp_path / "warm", assignment,
                                               warm_kernels=True, monkeypatch=monkeypatch)
    cold_course, cold_outcomes = _graded_class(tmp_path / "cold", assignment,
                                               warm_kernels=False, monkeypatch=monkeypatch)
    assert warm_outcomes == cold_outcomes
    assert _scores(warm_course, assignment) == _scores(cold_course, assignment)
    assert any(score > 0 for score, _ in _scores(warm_course, assignment).values())
    warm_notebooks = graded_notebooks(warm_course, assignment)
    cold_notebooks = graded_notebooks(cold_course, assignment)
    assert set(warm_notebooks) == set(cold_notebooks) and warm_notebooks
    differ = [s for s in warm_notebooks if warm_notebooks[s] != cold_notebooks[s]
              and not _unseeded(warm_course, assignment, s)]
    assert not differ, f"graded notebooks differ for {differ}; the first, warm then cold: " \
        + first_difference(warm_notebooks[differ[0]], cold_notebooks[differ[0]])
