"""Class analytics on a small class computed by hand, read from a real nbgrader gradebook and
graded notebooks; the class report's files agree with each other and escape what students wrote.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
from conftest import make_course
from nbgrader.api import Gradebook

from autograder.grading.verdict import RECORD_KEY
from autograder.workflow import analytics, classpage, release
from autograder.workflow.course import Course
from autograder.workflow.report import TOTAL, Row

A, NB = "01-regression", "regression"
Q1, POLY = "q1-tests", "q2-polynomial-tests"
BIAS = "the bias column φ0 = 1 missing"
HOSTILE = "random 5x3 problem: <img src=x onerror=alert(1)> max relative error 0.31"
WRITTEN = "q4-written"
#: written answers the formgrader has scored (3 points); the others are pending
WRITTEN_SCORES = {"ana": 3.0, "ben": 1.0}
#: student -> (status, score on Q1 (3 points), score on POLY (2 points)); every other cell 0.
CLASS = {"ana": ("graded", 3.0, 2.0), "ben": ("graded", 3.0, 0.0),
         "cai": ("graded", 1.5, 2.0), "dan": ("late", 0.0, 0.0), "eve": ("error", 0.0, 0.0)}


def _record(question: str, failures: list[tuple[str, str]], misconception: str | None) -> dict:
    return {"question": question, "passed": 5 - len(failures), "total": 5,
            "failures": [{"check": c, "message": m} for c, m in failures],
            "misconception": misconception}


#: student -> grade id -> verdict record in the graded notebook
RECORDS = {
    "ana": {},
    "ben": {POLY: _record("regression.polynomial_design",
                          [("test_random", HOSTILE)], BIAS)},
    "cai": {Q1: _record("regression.simple_linear",
                        [("test_random_line", "a random noisy line: off by 0.5")], None)},
    "dan": {POLY: _record("regression.polynomial_design",
                          [("test_random", HOSTILE.replace("0.31", "0.77"))], BIAS),
            # forged: another question's record, an unknown check: both left out
            Q1: _record("regression.one_hot", [("test_random", "x")], None),
            "q2-gaussian-tests": _record("regression.gaussian_design",
                                         [("test_no_such_check", "x")], None)},
    "eve": {POLY: _record("regression.polynomial_design", [("test_random", "x")], BIAS)},
}


@pytest.fixture(scope="module")
def class_stats(tmp_path_factory: pytest.TempPathFactory) -> analytics.AssignmentStats:
    course = Course.load(make_course(tmp_path_factory.mktemp("analytics")))
    release.generate(course, [A])
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        for student, (_, q1, poly) in CLASS.items():
            gb.add_student(student)
            submission = gb.add_submission(A, student)
            for grade in submission.notebooks[0].grades:
                if grade.name == WRITTEN:  # graded by hand, or not yet (None)
                    grade.manual_score = WRITTEN_SCORES.get(student)
                else:
                    grade.auto_score = {Q1: q1, POLY: poly}.get(grade.name, 0.0)
        gb.db.commit()
    release_nb = course.path("release_directory") / A / f"{NB}.ipynb"
    for student, records in RECORDS.items():
        nb = nbformat.read(release_nb, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in records:
                cell.metadata[RECORD_KEY] = records[grade_id]
        folder = course.path("autograded_directory") / student / A
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NB}.ipynb")
    rows = [Row(s, status, q1 + poly, 25.0, int(status == "late"), 0.0, q1 + poly,
                message="boom" if status == "error" else "")
            for s, (status, q1, poly) in CLASS.items()]
    return analytics.assignment_stats(course, A, rows)


def test_question_statistics_computed_by_hand(class_stats):
    questions = {q.cell: q for q in class_stats.questions}
    q1, poly = questions[Q1], questions[POLY]
    assert (q1.points, q1.students, q1.question) == (3.0, 4, "regression.simple_linear")
    # eve's error row is left out; dan (late) is in. Ranked by raw total: ana 5, cai 3.5,
    # ben 3, dan 0; the groups are ⌈27% of 4⌉ = 2 students: {ana, cai} and {ben, dan}.
    assert q1.mean == pytest.approx((3 + 3 + 1.5 + 0) / 4)
    assert q1.full_marks == pytest.approx(50.0)                       # ana, ben
    assert q1.discrimination == pytest.approx((1 + 0.5) / 2 - (1 + 0) / 2)
    assert poly.mean == pytest.approx(1.0) and poly.full_marks == pytest.approx(50.0)
    assert poly.discrimination == pytest.approx(1.0)
    assert poly.misconceptions == 2 and q1.misconceptions == 0
    # a written answer still waiting for the formgrader is left out, not counted as 0
    written = questions[WRITTEN]
    assert (written.question, written.students) == ("written", 2)
    assert written.mean == pytest.approx(2.0) and written.full_marks == pytest.approx(50.0)
    assert written.discrimination == pytest.approx(1 - 1 / 3)


def test_failures_and_misconceptions_from_the_graded_notebooks(class_stats):
    assert class_stats.failures == {(POLY, "test_random"): 2, (Q1, "test_random_line"): 1}
    assert class_stats.message(POLY, "test_random") == \
        "random 5x3 problem: <img src=x onerror=alert(…)> max relative error …"
    assert class_stats.misconceptions == {(POLY, BIAS): 2}
    assert class_stats.unreadable == 0
    assert class_stats.late_days() == {0: 3, 1: 1}


def test_discrimination_breaks_ties_by_student_id():
    shares = {"b": 1.0, "a": 0.0, "c": 0.5}
    totals = {"a": 10.0, "b": 10.0, "c": 0.0}
    # ⌈27% of 3⌉ = 1: the upper group is a (tied with b, first by id), the lower one c.
    assert analytics.discrimination(shares, totals) == pytest.approx(0.0 - 0.5)
    assert analytics.discrimination({"a": 1.0}, {"a": 1.0}) is None


def test_messages_are_counted_without_their_numbers():
    assert analytics.template("max relative error 0.31, 5 of 5 entries off (rtol=1e-08); "
                              "a 30x5 problem in float64, x₀ = -2.5") == \
        "max relative error …, … of … entries off (rtol=…); a 30x5 problem in float64, x₀ = …"


def test_the_class_report_files_agree_and_escape_student_text(class_stats, tmp_path):
    summary = [{"student": s, TOTAL: 25.0 * (q1 + poly) / 25} for s, (_, q1, poly)
               in CLASS.items()]
    page = classpage.write([class_stats], summary, tmp_path)
    with open(tmp_path / "questions.csv") as handle:
        questions = {row["cell"]: row for row in csv.DictReader(handle)}
    assert questions[Q1]["mean"] == "1.88" and questions[Q1]["full marks (%)"] == "50.0"
    assert questions[Q1]["discrimination"] == "0.25"
    with open(tmp_path / "misconceptions.csv") as handle:
        assert [(r["cell"], r["misconception"], r["students"]) for r in csv.DictReader(handle)] \
            == [(POLY, BIAS, "2")]
    with open(tmp_path / "problems.csv") as handle:
        assert [(r["student"], r["status"]) for r in csv.DictReader(handle)] == \
            [("eve", "error")]
    text = page.read_text()
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(…)&gt;" in text
    assert "<script" not in text and "http://" not in text and "https://" not in text
    for name in ("course-totals", f"{A}-scores", f"{A}-questions", f"{A}-misconceptions"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f'alt="{name}" src="data:image/png;base64,' in text


def test_a_verdict_record_must_be_what_the_grader_writes(tmp_path: Path):
    path = tmp_path / "graded.ipynb"
    good = _record("regression.one_hot", [("test_random", "off")], "K taken from the labels")
    cells = [{"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "a"},
                                                RECORD_KEY: good}},
             {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "b"},
                                                RECORD_KEY: {**good, "misconception": 7}}},
             {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "c"}, RECORD_KEY: {
                 **good, "failures": [{"check": "test_random", "message": "x" * 501}]}}},
             {"cell_type": "code", "metadata": {"nbgrader": "not a dict"}},
             {"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": "d"},
                                                    RECORD_KEY: good}},
             *[{"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "e"},
                                                  RECORD_KEY: good}}] * 2]
    path.write_text(json.dumps({"cells": cells}))
    questions = dict.fromkeys("abcde", "regression.one_hot")
    assert analytics.verdict_records(path, questions) == {"a": good}
    path.write_text("[" * 100_000)
    with pytest.raises((ValueError, RecursionError)):
        analytics.verdict_records(path, questions)
