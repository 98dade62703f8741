"""The course's late policy, as an nbgrader late-submission plugin.

Lecture 1: "10% off per day late; not accepted after 10 days". Precisely: 10% of the earned
score is taken off for each *started* 24 hours past the due date (after an optional grace
period); a submission more than 10 days late is not accepted and scores 0. Configured in
the root ``nbgrader_config.py``, so stock ``nbgrader autograde`` applies it too::

    c.AssignLatePenalties.plugin_class = LatePolicy
    c.LatePolicy.due_dates = {"01-regression": "2026-10-09 23:59 +08:00", ...}
    c.LatePolicy.grace_seconds = 0

nbgrader reads ``timestamp.txt`` with its own lenient parser (``+08:00`` read as UTC,
``+0800`` as 800 seconds, ``2026-10`` completed with today's day). :class:`StrictLatePenalties`,
which replaces nbgrader's ``AssignLatePenalties`` in ``c.Autograde.autograde_preprocessors``,
reads it again with the strict parser of :mod:`autograder.grading.timestamps`, corrects the
gradebook's submission time where nbgrader misread it, and refuses to grade a submission
whose time it cannot read, before the plugin computes the penalty.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import AssignLatePenalties
from traitlets import Dict, Float, Integer

from autograder.grading.timestamps import naive_utc, parse_timestamp, read_timestamp_file

DAY = 24 * 3600


def days_started(seconds_late: float, grace_seconds: float = 0) -> int:
    """Started 24-hour periods past the due date (0 when on time or within the grace)."""
    if seconds_late <= grace_seconds:
        return 0
    return math.ceil(seconds_late / DAY)


def penalty(score: float, seconds_late: float, *, per_day: float = 0.10, max_days: int = 10,
            grace_seconds: float = 0) -> float:
    """Points taken off ``score`` for a submission ``seconds_late`` past the due date."""
    if seconds_late > max_days * DAY + grace_seconds:
        return score  # not accepted
    return min(score, score * per_day * days_started(seconds_late, grace_seconds))


def accepted(seconds_late: float, *, max_days: int = 10, grace_seconds: float = 0) -> bool:
    return seconds_late <= max_days * DAY + grace_seconds


def parse_due_date(text: str) -> datetime:
    """A due date with an explicit time zone, as naive UTC (nbgrader's convention)."""
    try:
        return naive_utc(parse_timestamp(text))
    except ValueError as exc:
        raise ValueError(f"due date: {exc}") from None


class LatePolicy(LateSubmissionPlugin):
    """10% of the earned score per started day late; not accepted after 10 days."""

    due_dates = Dict(help="Due date per assignment, with a time zone.").tag(config=True)
    grace_seconds = Integer(0, help="Seconds after the due date still counted on time.").tag(
        config=True)
    per_day = Float(0.10, help="Fraction of the earned score off per started day.").tag(
        config=True)
    max_days = Integer(10, help="Days late after which a submission is not accepted.").tag(
        config=True)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0:
            return None
        lost = penalty(score, total_seconds_late, per_day=self.per_day,
                       max_days=self.max_days, grace_seconds=self.grace_seconds)
        self.log.warning("%s is %.0f s late: %.2f of %.2f points off", student_id,
                         total_seconds_late, lost, score)
        return lost


class StrictLatePenalties(AssignLatePenalties):
    """nbgrader's ``AssignLatePenalties`` on the submission time read strictly."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        folder = Path(coursedir.format_path(coursedir.submitted_directory, info["student"],
                                            info["assignment"]))
        submitted = naive_utc(read_timestamp_file(folder))  # ValueError: not graded
        with Gradebook(info["db_url"], coursedir.course_id) as gb:
            submission = gb.find_submission(info["assignment"], info["student"])
            if submission.timestamp != submitted:
                self.log.warning("nbgrader read the submission time as %s; it is %s UTC",
                                 submission.timestamp, submitted)
                submission.timestamp = submitted
                gb.db.commit()
        return super().preprocess(nb, resources)
