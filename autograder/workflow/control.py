"""The control graded before every batch: the reference solution, handed in as a student.

A misconfigured course (the sandbox hides ``lib``, a hidden test is broken, a time limit is
too short) would otherwise give a whole class 0 without a word. So before any student is
graded, ``grade`` releases the assignment from ``solutions/`` into a scratch course inside
the course root, fills the release notebooks with the reference answers, and grades that
submission through the same nbgrader pipeline, configuration, sandbox and worker process
as the students (:func:`autograder.workflow.grade.grade`). Unless it earns every automatic
point, the batch stops with the control's own messages.
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbconvert.filters import strip_ansi
from nbgrader.api import Gradebook, MissingEntry

from autograder.grading.reference import SOLUTION_MARKERS
from autograder.grading.timestamps import format_timestamp
from autograder.workflow import release
from autograder.workflow.course import Course

#: The control's student id, in its scratch course only.
STUDENT = "reference-control"
WRITTEN = "A demo answer, for a TA to grade by hand: regularization trades bias for variance."


class ControlFailed(RuntimeError):
    """The reference solution did not earn full automatic marks: no student is graded."""


def answer_sources(source: Path) -> dict[str, str]:
    """Each answer cell's reference (grade id -> code without solution markers, or text)."""
    answers = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            answers[meta["grade_id"]] = "\n".join(
                line for line in cell.source.splitlines() if line.strip() not in SOLUTION_MARKERS)
        elif cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            answers[meta["grade_id"]] = WRITTEN
    return answers


def filled(release_nb: Path, answers: dict[str, str],
           edit: Callable[[int, str], str] = lambda i, code: code) -> nbformat.NotebookNode:
    """The release notebook with code answers replaced by ``edit(index, reference code)``
    and written answers by a demo text."""
    nb = nbformat.read(release_nb, as_version=4)
    index = 0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.cell_type == "markdown":
            cell.source = answers[grade_id]
        elif grade_id in answers:
            cell.source = edit(index, answers[grade_id])
            index += 1
    return nb


def relocated(course: Course, folder: Path) -> Course:
    """``course`` (its configuration, solutions and lib) with its own release, submitted,
    autograded and feedback folders and SQLite gradebook in ``folder``, a folder under the
    course root (hidden from graded kernels like the real ones)."""
    config = copy.deepcopy(course.config)
    relative = folder.relative_to(course.root)
    for trait in ("release_directory", "submitted_directory", "autograded_directory",
                  "feedback_directory"):
        config.CourseDirectory[trait] = f"{relative}/{trait.split('_')[0]}"
    config.CourseDirectory.db_url = f"sqlite:///{folder / 'gradebook.db'}"
    return Course(course.root, config)


@contextlib.contextmanager
def scratch_course(course: Course, assignment: str) -> Iterator[Course]:
    """The course with its own release, submitted, autograded folders and gradebook in a
    scratch folder under the course root (where the sandbox treats it like the real ones),
    holding the control's submission. Removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=".autograder-control-", dir=course.root))
    try:
        control = relocated(course, scratch)
        release.generate(control, [assignment])
        _hand_in(control, assignment)
        yield control
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _hand_in(control: Course, assignment: str) -> None:
    folder = control.path("submitted_directory") / STUDENT / assignment
    folder.mkdir(parents=True)
    for notebook in control.notebooks(assignment):
        name = f"{notebook}.ipynb"
        answers = answer_sources(control.path("source_directory") / assignment / name)
        nbformat.write(filled(control.path("release_directory") / assignment / name, answers),
                       folder / name)
    on_time = control.due_date(assignment) or datetime.now(UTC)
    (folder / "timestamp.txt").write_text(format_timestamp(on_time) + "\n")


def check_release(control: Course, course: Course, assignment: str) -> None:
    """The course's gradebook must know the grade cells and points of a fresh release from
    solutions/ (students are graded against the gradebook's, the reference comes from
    solutions/); ControlFailed naming the differences otherwise."""
    expected = _grade_cells(control, assignment)
    registered = _grade_cells(course, assignment)
    if registered != expected:
        differ = sorted(set(expected) | set(registered), key=str)
        lines = [f"  {cell}: gradebook {registered.get(cell, 'none')}, solutions/ "
                 f"{expected.get(cell, 'none')}" for cell in differ
                 if registered.get(cell) != expected.get(cell)]
        raise ControlFailed(
            f"the gradebook's copy of {assignment} differs from solutions/ (points per grade "
            f"cell); release it again with `autograder release {assignment}` before grading. "
            "No student was graded.\n" + "\n".join(lines))


def verdict(control: Course, assignment: str) -> str:
    """A one-line summary if the graded control earned every automatic point;
    ControlFailed with its messages otherwise."""
    with Gradebook(control.db_url, control.coursedir.course_id) as gb:
        submission = gb.find_submission(assignment, STUDENT)
        score, top = float(submission.code_score), float(submission.max_code_score)
        lost = [(nb.name, g.name) for nb in submission.notebooks for g in nb.grades
                if g.cell.cell_type == "code" and (g.auto_score or 0) < g.max_score]
    if lost or score < top:
        messages = [f"  {cell}: {_outputs(control, assignment, notebook, cell)}"
                    for notebook, cell in lost]
        raise ControlFailed(
            f"control failed: the reference solution of {assignment} (solutions/) earned "
            f"{score:g} of {top:g} automatic points in this course's grading pipeline and "
            "sandbox, so a correct student would lose points too. No student was graded. "
            "The control's messages:\n" + "\n".join(messages))
    return f"control: the reference solution earned {score:g} of {top:g} automatic points"


def _grade_cells(course: Course, assignment: str) -> dict[str, float]:
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            notebooks = gb.find_assignment(assignment).notebooks
        except MissingEntry:
            return {}
        return {f"{nb.name}/{cell.name}": float(cell.max_score)
                for nb in notebooks for cell in nb.grade_cells}


def _outputs(control: Course, assignment: str, notebook: str, cell_id: str) -> str:
    """What the graded control's cell says (its verdict), on one line."""
    path = control.path("autograded_directory") / STUDENT / assignment / f"{notebook}.ipynb"
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        return f"(its graded notebook cannot be read: {exc})"
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == cell_id:
            texts = [o.get("text", "") if o.get("output_type") == "stream"
                     else "\n".join([o.get("evalue", ""), *o.get("traceback", [])])
                     for o in cell.get("outputs", [])]
            lines = [line.strip() for text in map(strip_ansi, texts) for line in text.splitlines()]
            return " | ".join(filter(None, lines))[:1000] or "(no output)"
    return "(cell not found)"
