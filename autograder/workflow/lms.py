"""Grades back to the LMS: each assignment's final score in Canvas's and Moodle's import formats.

**Canvas** (Grades → Import), a gradebook CSV laid out as Canvas exports it:

* ``Student``: left empty. Canvas matches a row on ``ID``; only for an unknown ID does it try
  the name, which must then not match anyone;
* ``ID``: the Canvas user id (a number), the roster's ``lms_user_id``;
* ``SIS User ID``, ``SIS Login ID``, ``Section``: empty;
* one column per assignment, ``<assignment> (<Canvas assignment id>)`` when the id is given
  (``--canvas-assignment A=ID``), else ``<assignment>``, which Canvas creates on import;
* a second row, ``Points Possible``, with each assignment's maximum (Canvas reads it as the
  assignment's points, as in its own exports).

**Moodle** (Grades → Import → CSV file):

* ``User ID``: the roster's ``lms_user_id``, the Moodle user id (the number in Moodle's
  submission folders): *Map from* "User ID", *Map to* "userid";
* ``Student``: the course's student id (map it to "ignore");
* one column per assignment, named after it: map each to its grade item (whose maximum grade
  should be the assignment's).

Values are the final score in points, as in ``grades-<assignment>.csv`` (late penalty applied,
0 when not accepted); a cell is empty where the student has no graded submission (not
submitted, or an error row): the LMS keeps what it has. Nothing is guessed: a student without
an LMS id, with one shared by another student or not plainly written (Canvas: not a number),
or not on the roster, is an error row and not in the file; a cell left empty by a grading
error is an error row too.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autograder.workflow.analytics import GRADED
from autograder.workflow.collect import Roster
from autograder.workflow.course import Course, is_student_id, printable
from autograder.workflow.report import Row, assignment_rows, claim_output

FORMATS = ("canvas", "moodle")
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"
MOODLE_FIXED = ("User ID", "Student")


@dataclass
class Export:
    path: Path
    students: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)   # (student, why)


def lms_ids(roster: Roster, students: list[str],
            lms: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """student -> LMS id for each of ``students`` that has exactly one, its own and plainly
    written; (student, why) for the others."""
    owners: dict[str, list[tuple[str, list[str]]]] = {}
    for lms_id, holders in roster.by_lms_id.items():
        for student in holders:
            owners.setdefault(student, []).append((lms_id, holders))
    found, errors = {}, []
    for student in students:
        ids = owners.get(student, [])
        if student not in roster.ids:
            errors.append((student, "not on the roster"))
        elif not ids:
            errors.append((student, "no LMS user id on the roster"))
        elif len(ids) > 1 or len(ids[0][1]) > 1:
            errors.append((student, "LMS user id shared on the roster (" + "; ".join(
                f"{lms_id}: {', '.join(holders)}" for lms_id, holders in ids) + ")"))
        elif not is_student_id(ids[0][0]) or (lms == "canvas" and not ids[0][0].isdigit()):
            errors.append((student, "the LMS user id is not a plain id (" +
                           ("a number" if lms == "canvas" else "letters, digits, . _ @ + -") +
                           ")"))
        else:
            found[student] = ids[0][0]
    return found, errors


def export(rows: Mapping[str, list[Row]], roster: Roster, lms: str, path: Path,
           canvas_ids: Mapping[str, str] | None = None) -> Export:
    """Write ``rows`` (assignment -> report rows) for ``lms`` into ``path``."""
    if lms not in FORMATS:
        raise ValueError(f"unknown LMS {lms!r}: one of {', '.join(FORMATS)}")
    students = sorted({row.student for table in rows.values() for row in table})
    ids, errors = lms_ids(roster, students, lms)
    tables = {a: {r.student: r for r in table} for a, table in rows.items()}
    result = Export(path, errors=errors)
    columns = _columns(lms, rows, canvas_ids or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(CANVAS_FIXED if lms == "canvas" else MOODLE_FIXED), *columns])
        if lms == "canvas":
            writer.writerow([POINTS_POSSIBLE, "", "", "", "",
                             *(_points(_maximum(table)) for table in rows.values())])
        for student in students:
            if student not in ids:
                continue
            cells = []
            for assignment, table in tables.items():
                cells.append(_cell(table.get(student), assignment, result))
            fixed = ["", ids[student], "", "", ""] if lms == "canvas" else \
                [ids[student], student]
            writer.writerow([*fixed, *cells])
            result.students += 1
    return result


def export_course(course: Course, lms: str, out: Path, roster: Path | None = None,
                  canvas_ids: Mapping[str, str] | None = None) -> Export:
    """``<out>/<lms>-grades.csv`` from the gradebook (every assignment, as the report reads
    it), with the LMS ids of ``roster`` (nbgrader's format; default: nbgrader's student
    table)."""
    claim_output(course, out)
    known = Roster.from_csv(roster) if roster else Roster.from_gradebook(course)
    rows = {a: list(assignment_rows(course, a)) for a in course.assignments()}
    return export(rows, known, lms, out / f"{lms}-grades.csv", canvas_ids)


def format_errors(result: Export) -> str:
    lines = [f"{result.path}: {result.students} students"]
    lines += [f"  error  {printable(student, 20):<20} {printable(why, 200)}"
              for student, why in result.errors]
    return "\n".join(lines)


def _columns(lms: str, rows: Mapping[str, list[Row]], canvas_ids: Mapping[str, str]) -> list[str]:
    unknown = set(canvas_ids) - set(rows)
    if unknown:
        raise ValueError(f"no assignment {', '.join(sorted(unknown))} in this course")
    if lms == "canvas":
        for assignment, number in canvas_ids.items():
            if not number.isdigit():
                raise ValueError(f"the Canvas id of {assignment} must be a number, not "
                                 f"{number!r}")
        return [f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in rows]
    return list(rows)


def _cell(row: Row | None, assignment: str, result: Export) -> str:
    if row is None:
        return ""
    if row.status not in GRADED:
        result.errors.append((row.student, f"{assignment}: left empty, not graded "
                                           f"({row.message})"))
        return ""
    return _points(row.score)


def _maximum(table: list[Row]) -> float:
    return max((r.max_score for r in table), default=0.0)


def _points(value: float) -> str:
    return f"{value:.2f}"
