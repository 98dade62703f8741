"""Grades for Canvas and Moodle: each file read back by a parser of that format's columns (as
Canvas's gradebook importer and Moodle's CSV grade import read them) gives the report's scores;
a student the roster cannot name is an error row, never in the file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from autograder.workflow.collect import Roster
from autograder.workflow.lms import export
from autograder.workflow.report import Row

ROWS = {
    "01-regression": [Row("ana", "graded", 22, 25, 0, 0.0, 22.0),
                      Row("ben", "late", 20, 25, 3, 6.0, 14.0),
                      Row("cai", "not accepted", 18, 25, 11, 18.0, 0.0),
                      Row("dan", "error", max_score=25, message="timestamp.txt is missing"),
                      Row("eve", "graded", 10, 25, 0, 0.0, 10.0),
                      Row("fay", "graded", 25, 25, 0, 0.0, 25.0),
                      Row("gus", "graded", 5, 25, 0, 0.0, 5.0)],
    "02-regularization": [Row("ana", "graded", 23.5, 25, 0, 0.0, 23.5)],
}
ROSTER = [("ana", "101"), ("ben", "102"), ("cai", "103"), ("dan", "104"), ("eve", None),
          ("fay", "106"), ("gus", "106"), ("hal", "108")]


def canvas_grades(text: str) -> tuple[dict[str, float], dict[str, dict[str, float | None]]]:
    """Points possible and user id -> assignment -> grade, read as Canvas's importer does:
    student columns up to ``Section``, assignment titles with an optional ``(id)``, a
    ``Points Possible`` row, rows matched on the ID column."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[0] == "Student" and header[1] == "ID" and "Section" in header
    first = header.index("Section") + 1
    titles = [re.fullmatch(r"(.*?)(?: \((\d+)\))?", h)[1] for h in header[first:]]
    points, grades = {}, {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points = dict(zip(titles, map(float, row[first:]), strict=True))
            continue
        assert row[0] == "" and row[1].isdigit()  # matched on ID, never on a name
        grades[row[1]] = {t: float(v) if v else None for t, v in
                          zip(titles, row[first:], strict=True)}
    return points, grades


def moodle_grades(text: str) -> dict[str, dict[str, float | None]]:
    """userid -> grade item -> grade: the identifier column mapped to Moodle's userid,
    the course's id ignored, every other column a grade item."""
    reader = csv.DictReader(io.StringIO(text))
    items = [c for c in reader.fieldnames if c not in ("User ID", "Student")]
    return {row["User ID"]: {i: float(row[i]) if row[i] else None for i in items}
            for row in reader}


@pytest.fixture
def roster() -> Roster:
    return Roster.from_rows(ROSTER)


EXPECTED = {"101": {"01-regression": 22.0, "02-regularization": 23.5},
            "102": {"01-regression": 14.0, "02-regularization": None},
            "103": {"01-regression": 0.0, "02-regularization": None},
            "104": {"01-regression": None, "02-regularization": None}}
ERRORS = [("eve", "no LMS user id on the roster"), ("fay", "LMS user id shared"),
          ("gus", "LMS user id shared"), ("dan", "01-regression: left empty, not graded")]


def _errors(result) -> list[tuple[str, str]]:
    return [(student, next(w for _, w in ERRORS if why.startswith(w))) for student, why
            in result.errors]


def test_canvas_round_trip(roster, tmp_path: Path):
    result = export(ROWS, roster, "canvas", tmp_path / "canvas.csv",
                    {"02-regularization": "5512"})
    text = (tmp_path / "canvas.csv").read_text()
    assert text.splitlines()[0].endswith(",01-regression,02-regularization (5512)")
    points, grades = canvas_grades(text)
    assert points == {"01-regression": 25.0, "02-regularization": 25.0}
    assert grades == EXPECTED and result.students == 4
    assert _errors(result) == ERRORS


def test_moodle_round_trip(roster, tmp_path: Path):
    result = export(ROWS, roster, "moodle", tmp_path / "moodle.csv")
    assert moodle_grades((tmp_path / "moodle.csv").read_text()) == EXPECTED
    assert _errors(result) == ERRORS


def test_an_lms_id_must_be_plain(tmp_path: Path):
    rows = {"01-regression": [Row("ana", "graded", 22, 25, 0, 0.0, 22.0),
                              Row("ben", "graded", 20, 25, 0, 0.0, 20.0)]}
    roster = Roster.from_rows([("ana", "=HYPERLINK(\"http://x\")"), ("ben", "u-102")])
    canvas = export(rows, roster, "canvas", tmp_path / "c.csv")
    assert [s for s, _ in canvas.errors] == ["ana", "ben"]  # Canvas user ids are numbers
    moodle = export(rows, roster, "moodle", tmp_path / "m.csv")
    assert [s for s, _ in moodle.errors] == ["ana"]
    assert moodle_grades((tmp_path / "m.csv").read_text()) == {"u-102": {"01-regression": 20}}
    with pytest.raises(ValueError, match="must be a number"):
        export(rows, roster, "canvas", tmp_path / "c.csv", {"01-regression": "12a"})
