"""The lecture's late policy at its boundaries: 10% per started day, refused after 10 days."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbgrader.preprocessors import AssignLatePenalties

from autograder.grading.late import (
    DAY,
    LatePolicy,
    StrictLatePenalties,
    accepted,
    parse_due_date,
    penalty,
)
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
    from autograder.workflow.course import Course

    course = Course.load(root)
    assert course.config.AssignLatePenalties.plugin_class is LatePolicy
    assert StrictLatePenalties in course.config.Autograde.autograde_preprocessors
    assert AssignLatePenalties not in course.config.Autograde.autograde_preprocessors
    assert set(course.late_policy().due_dates) == set(course.assignments())
    assert all(course.due_date(a) is not None for a in course.assignments())
