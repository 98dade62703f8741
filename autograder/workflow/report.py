"""Grades CSV per assignment, a course summary with the lecture's weights, feedback HTML.

Scores come from nbgrader's gradebook (raw points, automatic and manual); the late penalty
is recomputed here from the submission time with the course's policy, so a manual grade
added later is penalized the same way. Feedback is nbgrader's ``generate_feedback`` with the
hidden-test blocks and mark schemes cleared (see ``nbgrader_config.py``): students see their
answers and the failing checks' messages, never the hidden test source or expected values.
"""

from __future__ import annotations

import csv
import html
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI

from autograder.grading.late import DAY, accepted, days_started, penalty
from autograder.workflow.course import ASSIGNMENT_WEIGHT, PROJECT_WEIGHT, Course


@dataclass
class Row:
    student: str
    status: str                # graded | late | not accepted | error
    raw_score: float = 0.0
    max_score: float = 0.0
    days_late: int = 0
    penalty: float = 0.0
    score: float = 0.0
    needs_manual_grade: bool = False
    message: str = ""


def _outcomes(out: Path, assignment: str) -> dict[str, dict]:
    path = out / "grading" / f"{assignment}.json"
    return {o["student"]: o for o in json.loads(path.read_text())} if path.is_file() else {}


def assignment_rows(course: Course, assignment: str, out: Path) -> list[Row]:
    """One row per student who submitted ``assignment``."""
    policy = course.late_policy()
    outcomes = _outcomes(out, assignment)
    students = sorted(set(course.students_submitted(assignment)) | set(outcomes))
    rows = []
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        max_score = gb.find_assignment(assignment).max_score
        for student in students:
            outcome = outcomes.get(student, {})
            if outcome.get("status") == "error":
                rows.append(Row(student, "error", max_score=max_score,
                                message=outcome.get("message", "")))
                continue
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                rows.append(Row(student, "error", max_score=max_score, message="not graded"))
                continue
            late = submission.total_seconds_late or 0.0
            raw = float(submission.score)
            lost = penalty(raw, late, per_day=policy.per_day, max_days=policy.max_days,
                           grace_seconds=policy.grace_seconds)
            ok = accepted(late, max_days=policy.max_days, grace_seconds=policy.grace_seconds)
            days = days_started(late, policy.grace_seconds)
            status = "not accepted" if not ok else "late" if days else "graded"
            message = f"{late / DAY:.2f} days late" if days else ""
            rows.append(Row(student, status, raw, float(submission.max_score), days, round(lost, 2),
                            round(raw - lost, 2), bool(submission.needs_manual_grade),
                            message))
    return rows


def write_grades_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(Row("", "")).keys()))
        writer.writeheader()
        writer.writerows(asdict(row) for row in rows)


def write_summary(course: Course, rows: dict[str, list[Row]], path: Path) -> list[dict]:
    """Course summary: each assignment as % and weighted (25% each), project column empty."""
    students = sorted({row.student for table in rows.values() for row in table})
    summary = []
    for student in students:
        entry: dict[str, object] = {"student": student}
        total = 0.0
        for assignment in course.assignments():
            row = next((r for r in rows.get(assignment, []) if r.student == student), None)
            percent = 100 * row.score / row.max_score if row and row.max_score else 0.0
            entry[f"{assignment} (%)"] = round(percent, 1)
            total += ASSIGNMENT_WEIGHT * percent
        entry[f"final project (%, weight {PROJECT_WEIGHT:.0%})"] = ""
        entry["course total so far (%)"] = round(total, 1)
        summary.append(entry)
    if summary:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(summary[0]))
            writer.writeheader()
            writer.writerows(summary)
    return summary


def write_feedback(course: Course, assignment: str, rows: list[Row], out: Path) -> None:
    """Feedback HTML per student into ``out/feedback/<student>/<assignment>/``."""
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    for row in rows:
        target = out / "feedback" / row.student / assignment
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        if row.status == "error":
            (target / "index.html").write_text(_error_page(assignment, row))
            continue
        result = api.generate_feedback(assignment, row.student, force=True)
        source = course.path("feedback_directory") / row.student / assignment
        if result.get("success") and source.is_dir():
            for page in source.glob("*.html"):
                shutil.copy(page, target / page.name)
        else:
            (target / "index.html").write_text(_error_page(assignment, Row(
                row.student, "error", message="feedback could not be generated")))


def _error_page(assignment: str, row: Row) -> str:
    return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(assignment)}</title>"
            f"<h1>{html.escape(assignment)}: not graded</h1>"
            f"<p>{html.escape(row.message)}</p><p>Score: 0. Please contact a TA.</p>")


def report(course: Course, assignments: list[str], out: Path,
           feedback: bool = True) -> dict[str, list[Row]]:
    """Write every report for ``assignments`` into ``out``; returns the rows."""
    rows = {}
    for assignment in assignments:
        rows[assignment] = assignment_rows(course, assignment, out)
        write_grades_csv(rows[assignment], out / f"grades-{assignment}.csv")
        if feedback:
            write_feedback(course, assignment, rows[assignment], out)
    write_summary(course, rows, out / "course-summary.csv")
    return rows


def format_table(rows: dict[str, list[Row]]) -> str:
    """A plain-text grade table for the terminal."""
    lines = []
    for assignment, table in rows.items():
        lines.append(f"{assignment}")
        lines.append(f"  {'student':<18}{'status':<14}{'raw':>7}{'late':>6}{'penalty':>9}"
                     f"{'score':>8}{'max':>6}  note")
        for r in table:
            note = "; ".join(filter(None, ["manual grading pending" if r.needs_manual_grade
                                           else "", r.message]))
            lines.append(f"  {r.student:<18}{r.status:<14}{r.raw_score:>7.2f}{r.days_late:>6}"
                         f"{r.penalty:>9.2f}{r.score:>8.2f}{r.max_score:>6.0f}  {note}"[:200])
    return "\n".join(lines)
