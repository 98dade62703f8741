"""The lecture's late policy at its boundaries: 10% per started day, refused after 10 days."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties

from autograder.grading.late import DAY, LatePolicy, accepted, parse_due_date, penalty
from autograder.grading.timestamps import read_timestamp_file

SCORE = 20.0


@pytest.mark.parametrize(("seconds_late", "expected_penalty"), [
    (0, 0.0),                      # on time
    (1, 2.0),                      # 1 s late: the first day has started
    (DAY, 2.0),                    # exactly 24 h
    (DAY + 1, 4.0),                # 24 h + 1 s: second day
    (2.5 * DAY, 6.0),              # 2.5 days: three started days
    (9 * DAY + 1, 20.0),           # 9 days + 1 s: tenth day, 100%
    (10 * DAY, 20.0),              # exactly 10 days: still accepted, tenth day
    (10 * DAY + 1, 20.0),          # 10 days + 1 s: not accepted
])
def test_penalty_boundaries(seconds_late, expected_penalty):
    assert penalty(SCORE, seconds_late) == pytest.approx(expected_penalty)


def test_acceptance_boundary():
    assert accepted(10 * DAY) and not accepted(10 * DAY + 1)


def test_grace_period_shifts_every_boundary():
    assert penalty(SCORE, 300, grace_seconds=600) == 0
    assert penalty(SCORE, 601, grace_seconds=600) == pytest.approx(2.0)
    assert accepted(10 * DAY + 600, grace_seconds=600)


def test_plugin_is_what_nbgrader_calls():
    policy = LatePolicy()
    assert policy.late_submission_penalty("s", SCORE, 0) is None
    assert policy.late_submission_penalty("s", SCORE, DAY + 1) == pytest.approx(4.0)
    assert policy.late_submission_penalty("s", SCORE, 11 * DAY) == SCORE


def test_due_dates_need_a_time_zone():
    assert parse_due_date("2026-10-09 23:59 +08:00").hour == 15  # naive UTC
    assert parse_due_date("2026-10-09 23:59 +0800").hour == 15
    for text in ("2026-10-09 23:59", "2026-10", "2026-10-09 23:59 CST"):
        with pytest.raises(ValueError, match="due date"):
            parse_due_date(text)


@pytest.mark.parametrize("text", ["yesterday-ish", "2026-10", "12345", "2026-10-09 16:00",
                                  "2026-10-09 16:00 +800", "x" * 300])
def test_missing_or_malformed_timestamp_is_an_error(tmp_path: Path, text: str):
    with pytest.raises(ValueError, match="missing"):
        read_timestamp_file(tmp_path)
    (tmp_path / "timestamp.txt").write_text(text)
    with pytest.raises(ValueError, match="malformed"):
        read_timestamp_file(tmp_path)
    (tmp_path / "timestamp.txt").write_text("2026-10-09 16:00:00.000000 UTC\n")
    assert read_timestamp_file(tmp_path).isoformat() == "2026-10-09T16:00:00+00:00"


def test_a_linked_timestamp_is_not_read(tmp_path: Path):
    (tmp_path / "elsewhere.txt").write_text("2026-10-09 16:00:00 UTC")
    (tmp_path / "timestamp.txt").symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(ValueError, match="missing"):
        read_timestamp_file(tmp_path)


def test_repository_config_uses_the_plugin(root: Path):
    from autograder.grading.late import StrictLatePenalties
    from autograder.workflow.course import Course

    course = Course.load(root)
    assert course.config.AssignLatePenalties.plugin_class is LatePolicy
    assert StrictLatePenalties in course.config.Autograde.autograde_preprocessors
    assert AssignLatePenalties not in course.config.Autograde.autograde_preprocessors
    assert set(course.late_policy().due_dates) == set(course.assignments())
    assert all(course.due_date(a) is not None for a in course.assignments())


# -- stock nbgrader and our tools compute the same penalty -------------------------------

DUE = "2026-10-09 23:59 +08:00"  # 15:59 UTC
#: submission time as written in timestamp.txt -> penalty on 10 points (None: refused)
TABLE = {
    "colon_offset": ("2026-10-09 23:30:00 +08:00", 0.0),    # nbgrader alone: read as UTC
    "compact_offset": ("2026-10-09 23:30:00 +0800", 0.0),   # nbgrader alone: 800 seconds
    "zulu": ("2026-10-09T15:30:00Z", 0.0),
    "utc": ("2026-10-09 15:30:00.000000 UTC", 0.0),
    "named_zone": ("2026-10-10 23:30:00 Asia/Shanghai", 1.0),
    "west_offset": ("2026-10-09 12:00:00 -05:00", 1.0),      # nbgrader alone: on time
    "three_days": ("2026-10-12 01:00:00 +08:00", 3.0),
    "eleven_days": ("2026-10-20 12:00 UTC", 10.0),            # not accepted
    "partial_date": ("2026-10", None),                        # nbgrader alone: today's day
    "no_zone": ("2026-10-09 23:30", None),
    "lms_id": ("12345", None),
    "abbreviation": ("2026-10-09 23:30 CST", None),
}


def _tiny_course(folder: Path, root: Path) -> Path:
    """A course with one tiny assignment (one answer, one 10-point test cell) and the
    repository's nbgrader configuration, due dates replaced."""
    from nbformat.v4 import new_code_cell, new_notebook

    shutil.copy(root / "nbgrader_config.py", folder / "nbgrader_config.py")
    shutil.copytree(root / "lib", folder / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    with open(folder / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.LatePolicy.due_dates = {{'tiny': {DUE!r}}}\n")
    meta = {"schema_version": 3, "locked": False, "solution": True, "grade": False,
            "grade_id": "answer"}
    answer = new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
                           metadata={"nbgrader": meta})
    test = new_code_cell("assert f() == 1", metadata={"nbgrader": {
        **meta, "locked": True, "solution": False, "grade": True, "points": 10,
        "grade_id": "test"}})
    (folder / "solutions" / "tiny").mkdir(parents=True)
    nb = new_notebook(cells=[answer, test], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, folder / "solutions" / "tiny" / "tiny.ipynb")
    return folder


def _penalties(course: Path) -> dict[str, float | None]:
    """Penalty stored by nbgrader per student; None where grading refused the submission."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {student: float(gb.find_submission("tiny", student).late_submission_penalty)
                if (course / "autograded" / student / "tiny" / "tiny.ipynb").is_file() else None
                for student in TABLE}


def _ours(course: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "--root", str(course),
                           *command], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_stock_nbgrader_and_our_tools_agree_on_every_penalty(tmp_path, root):
    course = _tiny_course(tmp_path, root)
    assert _ours(course, "release", "tiny").returncode == 0
    release = course / "assignments" / "tiny" / "tiny.ipynb"
    for student, (stamp, _) in TABLE.items():
        folder = course / "submitted" / student / "tiny"
        folder.mkdir(parents=True)
        nb = nbformat.read(release, 4)
        nb.cells[0].source = "def f():\n    return 1"
        nbformat.write(nb, folder / "tiny.ipynb")
        (folder / "timestamp.txt").write_text(stamp + "\n")
    expected = {student: value for student, (_, value) in TABLE.items()}

    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "tiny"], cwd=course,
                   capture_output=True, timeout=900)
    assert _penalties(course) == expected  # stock nbgrader, our plugin and preprocessor

    report = _ours(course, "report", "tiny", "--no-feedback")
    assert report.returncode == 0, report.stderr
    with open(course / "out" / "grades-tiny.csv") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert {s: None if r["status"] == "error" else float(r["penalty"])
            for s, r in rows.items()} == expected
    for student, value in expected.items():
        if value is None:
            assert "timestamp.txt is malformed" in rows[student]["message"]

    shutil.rmtree(course / "autograded")
    graded = _ours(course, "grade", "tiny", "--jobs", "2")
    assert graded.returncode == 0, graded.stderr
    assert _penalties(course) == expected  # `autograder grade`
