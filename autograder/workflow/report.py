"""Grades CSV per assignment, a course summary with the lecture's weights, feedback HTML.

Scores come from nbgrader's gradebook (raw points, automatic and manual). The late penalty
follows the course's policy on the current score (manual grades added after autograding
count too) and the submission time read strictly from ``timestamp.txt``; the report writes
it back into the gradebook as nbgrader's ``late_submission_penalty``, so nbgrader's
feedback and ``nbgrader export`` show the same final score as the CSV. A gradebook whose
submission time differs from ``timestamp.txt`` (re-collected, not re-graded) gives that
student an error row rather than a guess.

Outputs belong to one course: by default ``<course root>/out``; an explicit folder is
marked with the course it holds and refused to any other. The report streams: one
student at a time, each row written as soon as it is known, feedback generated per
student, a graded notebook over :data:`MAX_GRADED_NOTEBOOK_BYTES` never read, so memory stays
bounded whatever a notebook holds; a student whose feedback fails gets an error row and
the class report completes.

Feedback is nbgrader's ``generate_feedback`` with the hidden-test blocks and mark schemes
cleared (see ``nbgrader_config.py``): students see their answers and the failing checks'
messages, never the hidden test source or expected values.
"""

from __future__ import annotations

import csv
import html
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path

from nbgrader.api import Grade, Gradebook, MissingEntry, SubmittedAssignment, SubmittedNotebook
from nbgrader.apps import NbGraderAPI
from sqlalchemy import case, func, update

from autograder.grading.late import DAY, LatePolicy, accepted, days_started, penalty
from autograder.grading.timestamps import naive_utc, read_timestamp_file
from autograder.workflow.course import (
    ASSIGNMENT_WEIGHT,
    PROJECT_WEIGHT,
    Course,
    is_student_id,
    printable,
)

#: The file that ties an output folder to its course.
MARKER = ".autograder-course"
#: Largest graded notebook turned into feedback. nbconvert holds about nine times a
#: notebook's size (a 63 MiB notebook: 600 MB peak): this bounds the report's memory.
#: Graded notebooks are small (outputs are cleared and limited when grading).
MAX_GRADED_NOTEBOOK_BYTES = 32 * 1024**2


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


def default_out(course: Course) -> Path:
    return course.root / "out"


def claim_output(course: Course, out: Path) -> None:
    """Make ``out`` this course's output folder; ValueError if another course's reports
    are there. The course's own ``out/`` is its own by place (even if the course moved)."""
    marker, identity = out / MARKER, f"{course.root}\n"
    own = out.resolve() == default_out(course).resolve()
    if marker.is_file() and marker.read_text() != identity and not own:
        raise ValueError(f"{out} holds the reports of the course in "
                         f"{marker.read_text().strip()}: choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(identity)


def _outcomes(course: Course, assignment: str) -> dict[str, dict]:
    path = course.outcomes_path(assignment)
    return {o["student"]: o for o in json.loads(path.read_text())} if path.is_file() else {}


@dataclass
class Stored:
    """A submission as the gradebook holds it: read for the whole class in two queries."""

    timestamp: datetime | None
    seconds_late: float
    #: submitted notebook id -> [score, stored late penalty]
    notebooks: dict[str, list] = field(default_factory=dict)
    needs_manual_grade: bool = False


def stored_submissions(gb: Gradebook, assignment: str) -> dict[str, Stored]:
    """student -> what the gradebook holds of their submission (scores summed by the
    database, lateness as nbgrader computes it: past the due date plus any extension)."""
    master = gb.find_assignment(assignment)
    notebooks = (gb.db.query(SubmittedAssignment.student_id, SubmittedAssignment.timestamp,
                             SubmittedAssignment.extension, SubmittedNotebook.id,
                             SubmittedNotebook.late_submission_penalty)
                 .join(SubmittedNotebook,
                       SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                 .filter(SubmittedAssignment.assignment_id == master.id))
    found: dict[str, Stored] = {}
    for student, timestamp, extension, notebook, lost in notebooks:
        due = None if master.duedate is None else master.duedate + (extension or timedelta(0))
        late = 0.0 if timestamp is None or due is None else \
            max(0.0, (timestamp - due).total_seconds())
        found.setdefault(student, Stored(timestamp, late)).notebooks[notebook] = [0.0, lost]
    by_notebook = {nb: stored for stored in found.values() for nb in stored.notebooks}
    scores = (gb.db.query(Grade.notebook_id, func.coalesce(func.sum(Grade.score), 0.0),
                          func.max(case((Grade.needs_manual_grade, 1), else_=0)))
              .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
              .join(SubmittedAssignment,
                    SubmittedNotebook.assignment_id == SubmittedAssignment.id)
              .filter(SubmittedAssignment.assignment_id == master.id)
              .group_by(Grade.notebook_id))
    for notebook, score, needs_manual in scores:
        stored = by_notebook[notebook]
        stored.notebooks[notebook][0] = float(score)
        stored.needs_manual_grade |= bool(needs_manual)
    return found


def assignment_rows(course: Course, assignment: str) -> Iterator[Row]:
    """One row per student who submitted ``assignment``, one at a time. Brings nbgrader's
    stored late penalties up to date on the way (written once the rows are read)."""
    policy = course.late_policy()
    outcomes = _outcomes(course, assignment)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            max_score = float(gb.find_assignment(assignment).max_score)
            stored = stored_submissions(gb, assignment)
        except MissingEntry:
            max_score, stored = 0.0, {}
        changed: dict[str, float | None] = {}
        try:
            for student in course.students_submitted(assignment):
                try:
                    yield _row(course, policy, assignment, student, outcomes.get(student, {}),
                               stored.get(student), max_score, changed)
                except ValueError as exc:
                    yield Row(student, "error", max_score=max_score, message=str(exc))
        finally:
            _store_penalties(gb, changed)


def _row(course: Course, policy: LatePolicy, assignment: str, student: str, outcome: dict,
         submission: Stored | None, max_score: float, changed: dict[str, float | None]) -> Row:
    if not is_student_id(student):
        raise ValueError("the submitted folder's name is not a safe student id")
    if outcome.get("status") == "error":
        raise ValueError(outcome.get("message", "grading failed"))
    folder = course.path("submitted_directory") / student / assignment
    submitted = naive_utc(read_timestamp_file(folder))
    if submission is None:
        raise ValueError("not graded")
    if submission.timestamp != submitted:
        raise ValueError(f"graded with the submission time {submission.timestamp} UTC but "
                         f"timestamp.txt says {submitted} UTC: grade it again")
    late = submission.seconds_late
    _refresh_penalties(submission, late, policy, changed)
    raw = sum(score for score, _ in submission.notebooks.values())
    lost = sum(penalty or 0.0 for _, penalty in submission.notebooks.values())
    days = days_started(late, policy.grace_seconds)
    ok = accepted(late, max_days=policy.max_days, grace_seconds=policy.grace_seconds)
    return Row(student, "not accepted" if not ok else "late" if days else "graded", raw,
               max_score, days, round(lost, 2), round(max(0.0, raw - lost), 2),
               submission.needs_manual_grade, f"{late / DAY:.2f} days late" if days else "")


def _refresh_penalties(submission: Stored, late: float, policy: LatePolicy,
                       changed: dict[str, float | None]) -> None:
    """nbgrader's per-notebook penalty, recomputed on the current score (as nbgrader's
    AssignLatePenalties would: None when on time); ``changed`` collects what differs from
    the gradebook (submitted notebook id -> penalty)."""
    for notebook, entry in submission.notebooks.items():
        score, stored = entry
        want = penalty(score, late, per_day=policy.per_day, max_days=policy.max_days,
                       grace_seconds=policy.grace_seconds) if late > 0 else None
        if stored != want:
            entry[1] = changed[notebook] = want


def _store_penalties(gb: Gradebook, changed: dict[str, float | None]) -> None:
    """The changed penalties in one statement and one commit: a commit per late student took
    most of a 1,000-student report, and held SQLite's write lock as often."""
    if changed:
        gb.db.execute(update(SubmittedNotebook), [{"id": notebook, "late_submission_penalty": want}
                                                  for notebook, want in changed.items()])
        gb.db.commit()


def _csv_writer(path: Path) -> tuple[object, csv.DictWriter]:
    handle = path.open("w", newline="")
    writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Row)])
    writer.writeheader()
    return handle, writer


def write_assignment(course: Course, assignment: str, out: Path, feedback: bool) -> list[Row]:
    """``grades-<assignment>.csv`` and feedback, one student at a time (after every row is
    read: nbgrader's feedback shows the late penalties stored once they are)."""
    rows = list(assignment_rows(course, assignment))
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config) if feedback else None
    handle, writer = _csv_writer(out / f"grades-{assignment}.csv")
    with handle:
        for i, row in enumerate(rows):
            if api is not None:
                row = rows[i] = write_feedback(course, api, assignment, row, out)
            writer.writerow(asdict(row))
            handle.flush()
    return rows


#: The course summary's column of the weighted total.
TOTAL = "course total so far (%)"


def summary_entries(course: Course, rows: dict[str, list[Row]]) -> list[dict]:
    """Course summary: each assignment as % and weighted (25% each), project column empty.
    An assignment nobody has been graded on yet is left empty, not counted as 0."""
    students = sorted({row.student for table in rows.values() for row in table})
    tables = {a: {r.student: r for r in rows.get(a, [])} for a in course.assignments()}
    summary = []
    for student in students:
        entry: dict[str, object] = {"student": student}
        total = 0.0
        for assignment, table in tables.items():
            row = table.get(student)
            percent = 100 * row.score / row.max_score if row and row.max_score else 0.0
            entry[f"{assignment} (%)"] = round(percent, 1) if table else ""
            total += ASSIGNMENT_WEIGHT * percent
        entry[f"final project (%, weight {PROJECT_WEIGHT:.0%})"] = ""
        entry[TOTAL] = round(total, 1)
        summary.append(entry)
    return summary


def write_summary(course: Course, rows: dict[str, list[Row]], path: Path) -> list[dict]:
    """The course summary (:func:`summary_entries`) as CSV."""
    summary = summary_entries(course, rows)
    if summary:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(summary[0]))
            writer.writeheader()
            writer.writerows(summary)
    return summary


def write_feedback(course: Course, api: NbGraderAPI, assignment: str, row: Row,
                   out: Path) -> Row:
    """Feedback HTML for one student into ``out/feedback/<student>/<assignment>/``; returns
    the row, turned into an error row if the feedback cannot be made."""
    if not is_student_id(row.student):
        return row
    target = out / "feedback" / row.student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if row.status == "error":
        (target / "index.html").write_text(_error_page(assignment, row))
        return row
    problem = _feedback_problem(course, api, assignment, row.student)
    if problem:
        row = Row(**{**asdict(row), "status": "error",
                     "message": f"feedback not generated: {problem}"})
        (target / "index.html").write_text(_error_page(assignment, row))
        return row
    source = course.path("feedback_directory") / row.student / assignment
    for page in source.glob("*.html"):
        shutil.copy(page, target / page.name)
    return row


def _feedback_problem(course: Course, api: NbGraderAPI, assignment: str,
                      student: str) -> str:
    """Generate one student's feedback with nbgrader; what went wrong, or ''."""
    graded = course.path("autograded_directory") / student / assignment
    for notebook in graded.glob("*.ipynb"):
        size = notebook.stat().st_size
        if size > MAX_GRADED_NOTEBOOK_BYTES:
            return (f"{notebook.name} is {size / 1024**2:.0f} MiB, over the "
                    f"{MAX_GRADED_NOTEBOOK_BYTES // 1024**2} MiB limit")
    result = api.generate_feedback(assignment, student, force=True)
    source = course.path("feedback_directory") / student / assignment
    if not result.get("success") or not source.is_dir():
        lines = (result.get("error") or result.get("log") or "unknown error").strip()
        return lines.splitlines()[-1][:300] if lines else "unknown error"
    return ""


def _error_page(assignment: str, row: Row) -> str:
    return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(assignment)}</title>"
            f"<h1>{html.escape(assignment)}: not graded</h1>"
            f"<p>{html.escape(row.message)}</p><p>Score: 0. Please contact a TA.</p>")


def report(course: Course, assignments: list[str], out: Path | None = None,
           feedback: bool = True, class_report: bool = True) -> dict[str, list[Row]]:
    """Every report for ``assignments`` into ``out`` (default ``<course root>/out``); the
    course summary and the class report (``out/class-report``) always cover every
    assignment of the course. Returns the rows."""
    unknown = set(assignments) - set(course.assignments())
    if unknown:
        raise ValueError(f"no assignment {', '.join(sorted(unknown))} in "
                         f"{course.path('source_directory')}")
    out = out or default_out(course)
    claim_output(course, out)
    course.sync_due_dates()
    rows = {}
    for assignment in course.assignments():
        if assignment in assignments:
            rows[assignment] = write_assignment(course, assignment, out, feedback)
        else:
            rows[assignment] = list(assignment_rows(course, assignment))
    summary = write_summary(course, rows, out / "course-summary.csv")
    if class_report:
        write_class_report(course, rows, summary, out / "class-report")
    return {assignment: rows[assignment] for assignment in assignments}


def write_class_report(course: Course, rows: dict[str, list[Row]], summary: list[dict],
                       folder: Path) -> Path:
    """The class analytics of every assignment someone submitted (CSV, PNG, one page)."""
    # analytics reads this module's rows: imported here, where both are loaded
    from autograder.workflow import analytics, classpage

    stats = [analytics.assignment_stats(course, assignment, table)
             for assignment, table in rows.items() if table]
    return classpage.write(stats, summary, folder)


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
            lines.append(f"  {printable(r.student, 18):<18}{r.status:<14}{r.raw_score:>7.2f}"
                         f"{r.days_late:>6}{r.penalty:>9.2f}{r.score:>8.2f}{r.max_score:>6.0f}"
                         f"  {printable(note, 120)}")
    return "\n".join(lines)
