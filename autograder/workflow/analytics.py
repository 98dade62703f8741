"""Class analytics: how the class did, question by question, and which misconceptions are common.

Read from the report's rows (status, final score, days late), nbgrader's gradebook (every grade
cell's score, one query per assignment) and the verdict records the grader leaves in each
question cell of a graded notebook (the failed checks with their messages, the misconception
matched: :func:`autograder.grading.verdict.verdict_record`), one notebook at a time. Written
by :mod:`autograder.workflow.classpage` as CSV, PNG and one HTML page.

Definitions (also stated on the page):

* question statistics use every submission that was graded (on time, late or not accepted:
  its scores before the late penalty); submissions with an error are left out, and so is a
  cell nobody has scored yet (a written answer waiting for the formgrader);
* *full marks*: the share of those students who earned all of the cell's points;
* *discrimination* (Kelley's upper-minus-lower 27%): rank the students by their raw total on
  the assignment (ties broken by student id), take the top and the bottom ⌈27%⌉, and subtract
  the lower group's mean share of the cell's points from the upper group's. From −1 to 1:
  near 0, the question does not separate strong from weak students; negative, the weak ones
  do better. Left empty for fewer than 2 students or a cell nobody could score on.
"""

from __future__ import annotations

import functools
import json
import math
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import (
    Assignment,
    Grade,
    Gradebook,
    GradeCell,
    Notebook,
    SubmittedAssignment,
    SubmittedNotebook,
)
from sqlalchemy import or_

from autograder.grading.runner import question_module
from autograder.grading.verdict import RECORD_KEY, graded_questions
from autograder.workflow.course import Course
from autograder.workflow.report import MAX_GRADED_NOTEBOOK_BYTES, Row

#: Row statuses whose submission was graded (its cell scores are in the gradebook).
GRADED = ("graded", "late", "not accepted")
#: Kelley's share of the class in each of the upper and lower groups.
GROUP_SHARE = 0.27
#: A number in a failure message ("max relative error 0.31", "1e-08"), not part of a word
#: ("30x5", "float64"): replaced to count messages that differ only in their numbers.
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
#: Bounds on what a verdict record may hold (it is read back from a graded notebook).
MAX_TEXT = 500


@dataclass
class Cell:
    """A grade cell of an assignment and the students' scores on it."""

    notebook: str
    name: str               # nbgrader's grade id
    question: str           # the hidden question (``package.name``), or "written"
    points: float
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class QuestionStats:
    assignment: str
    notebook: str
    cell: str
    question: str
    points: float
    students: int
    mean: float | None
    full_marks: float | None           # % of students
    discrimination: float | None
    misconceptions: int = 0            # students told a misconception here


@dataclass
class AssignmentStats:
    assignment: str
    max_score: float
    rows: list[Row]
    questions: list[QuestionStats]
    #: (cell, check) -> students, and the most common wording of its message
    failures: Counter = field(default_factory=Counter)
    wording: dict[tuple[str, str], Counter] = field(default_factory=dict)
    #: (cell, misconception) -> students
    misconceptions: Counter = field(default_factory=Counter)
    unreadable: int = 0                # graded notebooks whose verdicts could not be read

    @property
    def graded(self) -> list[Row]:
        return [r for r in self.rows if r.status in GRADED]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    def percents(self) -> list[float]:
        """Final scores (late penalty applied, 0 when not accepted) in % of the maximum."""
        return [100 * r.score / r.max_score if r.max_score else 0.0 for r in self.graded]

    def late_days(self) -> Counter:
        """days late -> students, over graded submissions (not accepted ones included)."""
        return Counter(r.days_late for r in self.graded)

    def message(self, cell: str, check: str) -> str:
        return self.wording[cell, check].most_common(1)[0][0]


# -- statistics ------------------------------------------------------------------------------


def discrimination(shares: Mapping[str, float], totals: Mapping[str, float]) -> float | None:
    """Kelley's upper-minus-lower index of one question (see the module's doc).

    ``shares``: student -> share of the question's points earned; ``totals``: student ->
    raw total on the assignment.
    """
    if len(shares) < 2:
        return None
    ranked = sorted(shares, key=lambda s: (-totals[s], s))
    size = math.ceil(GROUP_SHARE * len(ranked))
    upper, lower = ranked[:size], ranked[-size:]
    return sum(shares[s] for s in upper) / size - sum(shares[s] for s in lower) / size


def question_stats(assignment: str, cell: Cell, totals: Mapping[str, float]) -> QuestionStats:
    students = [s for s in totals if s in cell.scores]
    if not students or cell.points <= 0:
        return QuestionStats(assignment, cell.notebook, cell.name, cell.question, cell.points,
                             len(students), None, None, None)
    scores = [cell.scores[s] for s in students]
    shares = {s: cell.scores[s] / cell.points for s in students}
    full = sum(score >= cell.points - 1e-9 for score in scores)
    return QuestionStats(assignment, cell.notebook, cell.name, cell.question, cell.points,
                         len(students), sum(scores) / len(scores), 100 * full / len(scores),
                         discrimination(shares, totals))


def template(message: str) -> str:
    """A failure message with its numbers left out, to count messages that say the same."""
    return NUMBER.sub("…", message)


# -- reading ---------------------------------------------------------------------------------


def grade_cells(course: Course, assignment: str) -> list[Cell]:
    """The assignment's grade cells in notebook order, with their hidden question; points
    from the gradebook (what students were graded on)."""
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        query = (gb.db.query(Notebook.name, GradeCell.name, GradeCell.max_score)
                 .join(GradeCell, GradeCell.notebook_id == Notebook.id)
                 .join(Assignment, Notebook.assignment_id == Assignment.id)
                 .filter(Assignment.name == assignment))
        points = {(nb, cell): float(max_score) for nb, cell, max_score in query}
    cells = []
    for notebook in course.notebooks(assignment):
        source = nbformat.read(course.path("source_directory") / assignment /
                               f"{notebook}.ipynb", as_version=4)
        questions = graded_questions(source)
        for c in source.cells:
            grade_id = c.metadata.get("nbgrader", {}).get("grade_id")
            if (notebook, grade_id) in points:
                question = questions.get(grade_id, "written" if c.cell_type == "markdown"
                                         else "")
                cells.append(Cell(notebook, grade_id, question, points[notebook, grade_id]))
    return cells


def read_scores(course: Course, assignment: str, cells: list[Cell],
                students: Iterable[str]) -> None:
    """Fill each cell's scores (nbgrader's: manual if given, else automatic, plus extra
    credit) for ``students``, in one query. A cell nobody has scored yet (a written answer
    waiting for the formgrader) is left out, not counted as 0."""
    wanted = set(students)
    by_name = {(c.notebook, c.name): c for c in cells}
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        query = (gb.db.query(SubmittedAssignment.student_id, Notebook.name, GradeCell.name,
                             Grade.score)
                 .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                 .join(SubmittedAssignment,
                       SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                 .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                 .join(GradeCell, Grade.cell_id == GradeCell.id)
                 .join(Notebook, GradeCell.notebook_id == Notebook.id)
                 .filter(Assignment.name == assignment)
                 .filter(or_(Grade.manual_score.isnot(None), Grade.auto_score.isnot(None))))
        for student, notebook, name, score in query:
            cell = by_name.get((notebook, name))
            if cell is not None and student in wanted:
                cell.scores[student] = float(score or 0.0)


def verdict_records(path: Path, questions: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """grade id -> the verdict record of each question cell of a graded notebook, checked
    against what the grader writes (a record that is not exactly that is left out)."""
    if not path.is_file() or path.stat().st_size > MAX_GRADED_NOTEBOOK_BYTES:
        raise ValueError("no graded notebook within the size limit")
    with path.open("rb") as handle:
        nb = json.load(handle)
    found, seen = {}, set()
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        grade_id = (meta or {}).get("nbgrader", {}).get("grade_id") \
            if isinstance((meta or {}).get("nbgrader"), dict) else None
        if grade_id in seen:  # the grader writes one record per question cell: not ours
            found.pop(grade_id, None)
        elif grade_id in questions and cell.get("cell_type") == "code" and \
                _valid(meta.get(RECORD_KEY), questions[grade_id]):
            found[grade_id] = meta[RECORD_KEY]
        seen.add(grade_id)
    return found


def _valid(record: Any, question: str) -> bool:
    if not isinstance(record, dict) or record.get("question") != question:
        return False
    failures, name = record.get("failures"), record.get("misconception")
    checks = _checks(question)
    return isinstance(failures, list) and all(
        isinstance(f, dict) and f.get("check") in checks and _text(f.get("message"))
        for f in failures) and (name is None or _text(name))


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT


@functools.cache
def _checks(question: str) -> set[str]:
    return {name for name in vars(question_module(question)) if name.startswith("test_")}


def assignment_stats(course: Course, assignment: str, rows: list[Row]) -> AssignmentStats:
    """Everything the class report shows of one assignment."""
    cells = grade_cells(course, assignment)
    graded = [r for r in rows if r.status in GRADED]
    read_scores(course, assignment, cells, (r.student for r in graded))
    totals = {r.student: r.raw_score for r in graded}
    stats = AssignmentStats(assignment, max((r.max_score for r in rows), default=0.0), rows, [])
    _read_verdicts(course, assignment, cells, graded, stats)
    told = Counter(cell for cell, _ in stats.misconceptions.elements())
    for cell in cells:
        question = question_stats(assignment, cell, totals)
        question.misconceptions = told[cell.name]
        stats.questions.append(question)
    return stats


def _read_verdicts(course: Course, assignment: str, cells: list[Cell], graded: list[Row],
                   stats: AssignmentStats) -> None:
    """Failed checks and misconceptions from every graded notebook, one at a time per
    process, on every core (parsing the notebooks' JSON is most of the report's work)."""
    questions: dict[str, dict[str, str]] = {}
    for cell in cells:
        if "." in cell.question:
            questions.setdefault(cell.notebook, {})[cell.name] = cell.question
    folder = course.path("autograded_directory")
    tasks = [(folder / row.student / assignment / f"{notebook}.ipynb", asked)
             for row in graded for notebook, asked in questions.items()]
    for records in _parallel_map(_records_or_none, tasks):
        if records is None:
            stats.unreadable += 1
            continue
        for grade_id, record in records.items():
            for failure in record["failures"]:
                key = (grade_id, failure["check"])
                stats.failures[key] += 1
                stats.wording.setdefault(key, Counter())[template(failure["message"])] += 1
            if record["misconception"] is not None:
                stats.misconceptions[grade_id, record["misconception"]] += 1


def _records_or_none(task: tuple[Path, Mapping[str, str]]) -> dict[str, dict[str, Any]] | None:
    try:
        return verdict_records(*task)
    except (OSError, ValueError, RecursionError):
        return None


def _parallel_map(function: Callable[[Any], Any], tasks: list[Any]) -> Iterator[Any]:
    """``map`` on a pool of forked processes, one per core (in order); plain ``map`` for a
    few tasks or where fork is not available."""
    cores = os.cpu_count() or 1
    if len(tasks) < 64 or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, tasks)
        return
    with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(function, tasks, chunksize=32)
