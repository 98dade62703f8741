"""The adversarial corpus: every attempt in tests/adversarial/ graded by the real `grade`.

Each file is one submission, named by what it attempts: its code replaces one answer cell
of Assignment 1 (the other answers are the reference unless it says ``blank_others``), and
its docstring says which tests cells must score zero. All of them are graded in one batch
beside an honest submission, which must keep full marks; no attempt may stop or hang the
batch, raise its own maximum, or change anything outside its own kernel's private folder.
"""

from __future__ import annotations

import copy
import hashlib
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, make_course
from nbgrader.api import Gradebook

from autograder.sandbox import cgroups, run
from autograder.sandbox.limits import bwrap_works
from autograder.workflow import grade as batch
from autograder.workflow import release
from autograder.workflow.course import Course
from autograder.workflow.demo import answer_sources

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "01-regression", "regression"
CORPUS = Path(__file__).parent / "adversarial"
HONEST_AUTO_POINTS = 22.0
MAX_POINTS = 25.0


@dataclass
class Attempt:
    name: str
    description: str
    target: str
    code: str
    zero: list[str] = field(default_factory=list)
    keep_reference: bool = False
    blank_others: bool = False
    edit: str | None = None
    needs_isolation: bool = False


def load(path: Path) -> Attempt:
    text = path.read_text()
    doc = re.match(r'"""(.*?)"""', text, re.S).group(1)
    fields = dict(re.findall(r"^(\w+): (.+)$", doc, re.M))
    return Attempt(
        name=path.stem, description=doc.strip().splitlines()[0], target=fields["target"],
        code=text[len(doc) + 6:], keep_reference=fields.get("keep_reference") == "true",
        zero=[z.strip() for z in fields.get("zero", "").split(",") if z.strip()],
        blank_others=fields.get("blank_others") == "true", edit=fields.get("edit"),
        needs_isolation=fields.get("needs_isolation") == "true")


ATTEMPTS = [load(p) for p in sorted(CORPUS.glob("*.py"))]


def _edit(nb: nbformat.NotebookNode, edit: str) -> None:
    action, grade_id = edit.split()
    index = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell = nb.cells[index]
    if action == "delete":
        del nb.cells[index]
    elif action == "duplicate":
        nb.cells.insert(index, copy.deepcopy(cell))
    elif action == "retype":
        nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    elif action == "inflate":
        cell.metadata.nbgrader["points"] = 100
        fake = nbformat.v4.new_code_cell("print('Hidden tests: 5 of 5 checks passed.')")
        fake.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": True,
                                     "points": 50, "schema_version": 3, "solution": False,
                                     "task": False}
        nb.cells.insert(index + 1, fake)


def _submission(course: Course, attempt: Attempt | None) -> nbformat.NotebookNode:
    source = course.path("source_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(course.path("release_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    answers = answer_sources(source)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        if attempt is None or (grade_id != attempt.target and not attempt.blank_others):
            cell.source = answers[grade_id]
        elif grade_id == attempt.target:
            code = attempt.code.replace("{course}", str(course.root)).replace("{repo}",
                                                                              str(ROOT))
            cell.source = (answers[grade_id] + "\n" if attempt.keep_reference else "") + code
    if attempt is not None and attempt.edit:
        _edit(nb, attempt.edit)
    return nb


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    course_root = make_course(tmp_path_factory.mktemp("adversarial"))
    course = Course.load(course_root, HiddenTestsExecute={"timeout": 5})
    release.generate(course, [ASSIGNMENT])
    attempts = [a for a in ATTEMPTS if bwrap_works() or not a.needs_isolation]
    students = {"honest": None, **{a.name: a for a in attempts}}
    for student, attempt in students.items():
        folder = course.path("submitted_directory") / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(_submission(course, attempt), folder / f"{NOTEBOOK}.ipynb")
        (folder / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
    out = course_root / "out"
    out.mkdir()
    (out / "grades-01-regression.csv").write_text("student,score\nhonest,22\n")
    submitted_before = _digest(course.path("submitted_directory"))
    start = time.monotonic()
    outcomes = batch.grade(course, ASSIGNMENT, jobs=2, submission_timeout=90, progress=False)
    elapsed = time.monotonic() - start
    with Gradebook(course.db_url) as gb:
        scores = {s.student.id: ({g.name: g.score for nb in s.notebooks for g in nb.grades},
                                 s.max_score)
                  for s in gb.assignment_submissions(ASSIGNMENT)}
    print(f"\nadversarial corpus: {len(attempts)} attempts graded with an honest submission "
          f"in {elapsed:.0f} s")
    for student, outcome in sorted({o.student: o for o in outcomes}.items()):
        total = sum(v or 0 for v in scores.get(student, ({}, 0))[0].values())
        print(f"  {student:<32}{outcome.status:<8}{outcome.seconds:6.1f} s  "
              f"{total:5.1f} points  {outcome.message[:60]}")
    return {"course": course, "attempts": attempts, "outcomes": {o.student: o for o in outcomes},
            "scores": scores, "elapsed": elapsed, "submitted_before": submitted_before}


def test_the_corpus_covers_the_attacks_of_the_issue():
    assert len(ATTEMPTS) >= 24


def test_batch_finished_every_submission(corpus):
    assert set(corpus["outcomes"]) == {"honest", *(a.name for a in corpus["attempts"])}
    assert corpus["elapsed"] < 900


def test_honest_submission_keeps_full_marks(corpus):
    grades, max_score = corpus["scores"]["honest"]
    assert sum(v for v in grades.values() if v is not None) == HONEST_AUTO_POINTS
    assert max_score == MAX_POINTS


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_attempt_earns_nothing_it_targets(corpus, attempt):
    if attempt not in corpus["attempts"]:
        pytest.skip("needs bubblewrap isolation")
    outcome = corpus["outcomes"][attempt.name]
    if outcome.status == "error":  # stopped by the batch (time limit): scores nothing
        assert attempt.name not in corpus["scores"] or not any(
            corpus["scores"][attempt.name][0].values())
        return
    grades, max_score = corpus["scores"][attempt.name]
    assert max_score == MAX_POINTS, "the attempt changed its own maximum"
    for cell in attempt.zero:
        assert grades[cell] == 0, f"{cell} earned {grades[cell]}"
    assert sum(v for v in grades.values() if v is not None) <= HONEST_AUTO_POINTS
    if attempt.keep_reference:  # harmless side effects must cost nothing either
        assert sum(v for v in grades.values() if v is not None) == HONEST_AUTO_POINTS


def test_nothing_outside_the_sandbox_changed(corpus):
    course = corpus["course"]
    assert _digest(course.path("submitted_directory")) == corpus["submitted_before"]
    assert (course.root / "out" / "grades-01-regression.csv").read_text() == \
        "student,score\nhonest,22\n"
    assert not (course.root / "gradebook.db").read_bytes().startswith(b"owned")


def test_no_kernel_outlives_the_batch(corpus):
    """This run's kernels only: other graders may be busy on the same machine."""
    assert cgroups.groups() == []
    assert list(Path(tempfile.gettempdir()).glob(f"{run.prefix()}*")) == []
