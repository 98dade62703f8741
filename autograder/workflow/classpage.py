"""The class report on disk: CSV for spreadsheets, PNG plots, one HTML page that opens offline.

``<out>/class-report/``:

* ``assignments.csv``: per assignment, submissions by status, mean and median final score;
* ``questions.csv``: per grade cell, mean score, share of full marks, discrimination index,
  students told a misconception there (definitions: :mod:`autograder.workflow.analytics`);
* ``failures.csv``: per failed hidden check, the students who failed it and its message
  (numbers left out: they differ from one student to the next);
* ``misconceptions.csv``: per cell, each misconception matched and how many students;
* ``late-days.csv``, ``problems.csv`` (not graded, not accepted, with the reason);
* ``<assignment>-scores.png``, ``<assignment>-questions.png``,
  ``<assignment>-misconceptions.png``, ``course-totals.png``, ``late-days.png``;
* ``index.html``: all of it on one page, plots embedded as data URIs, no script, no
  request to anything (its Content-Security-Policy allows nothing else). Every text that
  comes from students (ids, messages) is escaped.

The page shows exactly the strings the CSV files hold (:func:`cell_text`).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from autograder.workflow.analytics import AssignmentStats, QuestionStats
from autograder.workflow.report import TOTAL

#: Failure and misconception rows shown per assignment on the page (the CSV has all).
SHOWN = 12
QUESTION_COLUMNS = ("assignment", "notebook", "cell", "question", "points", "students", "mean",
                    "mean (%)", "full marks (%)", "discrimination", "misconceptions told")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.note { color: #555; max-width: 60em; }
"""


def cell_text(value: object, digits: int = 2) -> str:
    """How a number appears in the CSV files and on the page."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


# -- tables (one list of rows each: the CSV and the page share them) --------------------------


def assignment_table(stats: Sequence[AssignmentStats]) -> list[dict[str, str]]:
    rows = []
    for a in stats:
        percents = a.percents()
        rows.append({
            "assignment": a.assignment, "submitted": str(len(a.rows)),
            "graded on time": str(a.count("graded")), "late": str(a.count("late")),
            "not accepted": str(a.count("not accepted")), "errors": str(a.count("error")),
            "manual grading pending": str(sum(r.needs_manual_grade for r in a.graded)),
            "mean score (%)": cell_text(statistics.fmean(percents) if percents else None, 1),
            "median score (%)": cell_text(statistics.median(percents) if percents else None,
                                          1),
            "unreadable verdicts": str(a.unreadable)})
    return rows


def question_table(stats: Sequence[AssignmentStats]) -> list[dict[str, str]]:
    return [_question_row(q) for a in stats for q in a.questions]


def _question_row(q: QuestionStats) -> dict[str, str]:
    values = (q.assignment, q.notebook, q.cell, q.question, cell_text(q.points, 1),
              str(q.students), cell_text(q.mean),
              cell_text(None if q.mean is None else 100 * q.mean / q.points, 1),
              cell_text(q.full_marks, 1), cell_text(q.discrimination), str(q.misconceptions))
    return dict(zip(QUESTION_COLUMNS, values, strict=True))


def failure_table(stats: Sequence[AssignmentStats]) -> list[dict[str, str]]:
    return [{"assignment": a.assignment, "cell": cell, "check": check, "students": str(n),
             "message": a.message(cell, check)}
            for a in stats for (cell, check), n in _ranked(a.failures)]


def misconception_table(stats: Sequence[AssignmentStats]) -> list[dict[str, str]]:
    rows = []
    for a in stats:
        questions = {q.cell: q for q in a.questions}
        for (cell, name), n in _ranked(a.misconceptions):
            rows.append({"assignment": a.assignment, "cell": cell,
                         "question": questions[cell].question, "misconception": name,
                         "students": str(n)})
    return rows


def late_table(stats: Sequence[AssignmentStats]) -> list[dict[str, str]]:
    return [{"assignment": a.assignment, "days late": str(days), "students": str(n)}
            for a in stats for days, n in sorted(a.late_days().items())]


def problem_table(stats: Sequence[AssignmentStats]) -> list[dict[str, str]]:
    return [{"assignment": a.assignment, "student": r.student, "status": r.status,
             "message": r.message}
            for a in stats for r in a.rows if r.status in ("error", "not accepted")]


def _ranked(counter: Counter) -> list[tuple[tuple[str, str], int]]:
    """Most students first, then by name (a stable order for the CSV and the page)."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


# -- plots -------------------------------------------------------------------------------------


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def scores_plot(a: AssignmentStats) -> Figure:
    figure = Figure(figsize=(6, 3))
    ax = figure.subplots()
    percents = a.percents()
    ax.hist(percents, bins=range(0, 105, 5), color="#4c72b0", edgecolor="white")
    if percents:
        mean = statistics.fmean(percents)
        ax.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {mean:.1f}%")
        ax.legend(loc="upper left")
    ax.set(xlabel="final score (% of the maximum, late penalty applied)", ylabel="students",
           title=f"{a.assignment}: {len(percents)} graded submissions", xlim=(0, 100))
    return figure


def questions_plot(a: AssignmentStats) -> Figure:
    questions = [q for q in a.questions if q.mean is not None]
    figure = Figure(figsize=(7, 0.35 * len(questions) + 1.6))
    ax = figure.subplots()
    labels = [q.cell for q in questions]
    ax.barh(labels, [100 * q.mean / q.points for q in questions], color="#4c72b0",
            label="mean score (% of the points)")
    ax.scatter([q.full_marks for q in questions], labels, color="#dd8452", zorder=3,
               label="full marks (% of students)")
    for y, q in enumerate(questions):
        if q.discrimination is not None:
            ax.text(101, y, f"D = {q.discrimination:.2f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(0, 115), xlabel="%", title=f"{a.assignment}: how the class did per question")
    # below the axes: inside, it would hide a bar's D
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8)
    return figure


def misconceptions_plot(a: AssignmentStats) -> Figure:
    shown = _ranked(a.misconceptions)[:SHOWN]
    figure = Figure(figsize=(7, 0.35 * len(shown) + 1.2))
    ax = figure.subplots()
    ax.barh([f"{cell}: {name}" for (cell, name), _ in shown], [n for _, n in shown],
            color="#55a868")
    ax.invert_yaxis()
    ax.set(xlabel="students whose failed answer matched it",
           title=f"{a.assignment}: the most common misconceptions")
    return figure


def totals_plot(totals: Sequence[float]) -> Figure:
    figure = Figure(figsize=(6, 3))
    ax = figure.subplots()
    ax.hist(totals, bins=range(0, 80, 5), color="#8172b3", edgecolor="white")
    ax.set(xlabel="course total so far (% of the course; the assignments weigh 75%)",
           ylabel="students", title=f"Course: {len(totals)} students")
    return figure


def late_plot(stats: Sequence[AssignmentStats]) -> Figure:
    figure = Figure(figsize=(6, 3))
    ax = figure.subplots()
    width = 0.8 / max(1, len(stats))
    for i, a in enumerate(stats):
        late = {d: n for d, n in a.late_days().items() if d > 0}
        ax.bar([d + i * width for d in late], list(late.values()), width=width,
               label=a.assignment)
    ax.set(xlabel="days late (started days; more than 10: not accepted)", ylabel="students",
           title="Late submissions")
    ax.legend(fontsize=8)
    return figure


# -- writing -----------------------------------------------------------------------------------


def write(stats: Sequence[AssignmentStats], summary: Sequence[dict], folder: Path) -> Path:
    """Every file of the class report into ``folder``; returns the page."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"assignments": assignment_table(stats), "questions": question_table(stats),
              "failures": failure_table(stats), "misconceptions": misconception_table(stats),
              "late-days": late_table(stats), "problems": problem_table(stats)}
    for name, rows in tables.items():
        _write_csv(folder / f"{name}.csv", rows)
    plots = {"course-totals": totals_plot([float(e[TOTAL]) for e in summary]),
             "late-days": late_plot(stats)}
    for a in stats:
        plots[f"{a.assignment}-scores"] = scores_plot(a)
        plots[f"{a.assignment}-questions"] = questions_plot(a)
        if a.misconceptions:
            plots[f"{a.assignment}-misconceptions"] = misconceptions_plot(a)
    images = {name: png(figure) for name, figure in plots.items()}
    for name, data in images.items():
        (folder / f"{name}.png").write_bytes(data)
    page = folder / "index.html"
    page.write_text(_page(stats, tables, images))
    return page


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


def _page(stats: Sequence[AssignmentStats], tables: dict[str, list[dict[str, str]]],
          images: dict[str, bytes]) -> str:
    parts = [
        "<!doctype html>", '<html lang="en">', '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'img-src data:; style-src \'unsafe-inline\'">',
        "<title>Class report</title>", f"<style>{STYLE}</style>", "<h1>Class report</h1>",
        '<p class="note">Scores from nbgrader\'s gradebook (late penalty applied to the final '
        "scores; question statistics use the scores before it, of every graded submission, "
        "late and not accepted ones included; a written answer not yet scored is left out). "
        "<em>Full marks</em>: the share of students "
        "who earned all of a cell's points. <em>Discrimination</em> (Kelley's upper-minus-"
        "lower 27%): the mean share of a cell's points in the top 27% of the class by raw "
        "total, minus the same in the bottom 27%; near 0 the question does not separate "
        "strong from weak students. <em>Misconceptions</em>: failed answers that matched a "
        "catalogued mistake on the question's own hidden checks (the students were told).</p>",
        '<section id="course"><h2>Course</h2>',
        _table("assignments", tables["assignments"]),
        _image(images, "course-totals"), _image(images, "late-days"), "</section>"]
    for a in stats:
        parts += _assignment_section(a, tables, images)
    parts.append("</html>")
    return "\n".join(parts) + "\n"


def _assignment_section(a: AssignmentStats, tables: dict[str, list[dict[str, str]]],
                        images: dict[str, bytes]) -> list[str]:
    def mine(name: str, shown: int | None = None) -> str:
        rows = [row for row in tables[name] if row["assignment"] == a.assignment][:shown]
        return _table(f"{name}-{a.assignment}", rows, hidden=("assignment",))

    key = html.escape(a.assignment)
    return [
        f'<section id="{key}"><h2>{key}</h2>', _image(images, f"{a.assignment}-scores"),
        "<h3>Questions</h3>", mine("questions"), _image(images, f"{a.assignment}-questions"),
        "<h3>Misconceptions matched</h3>", mine("misconceptions", SHOWN),
        _image(images, f"{a.assignment}-misconceptions"),
        "<h3>Most frequent failed checks</h3>", mine("failures", SHOWN),
        "<h3>Late days</h3>", mine("late-days"),
        "<h3>Not graded or not accepted</h3>", mine("problems"), "</section>"]


def _table(key: str, rows: Iterable[dict[str, str]], hidden: tuple[str, ...] = ()) -> str:
    """A table of ``rows`` (columns ``hidden`` left out: the section already says them)."""
    rows = list(rows)
    if not rows:
        return '<p class="note">None.</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0] if c not in hidden)
    body = "".join("<tr>" + "".join(_td(c, v) for c, v in row.items() if c not in hidden) +
                   "</tr>" for row in rows)
    return f'<table id="{html.escape(key)}"><tr>{head}</tr>{body}</table>'


def _td(column: str, text: str) -> str:
    numeric = text.replace(".", "", 1).lstrip("-").isdigit()
    kind = ' class="number"' if numeric else ""
    return f'<td data-column="{html.escape(column)}"{kind}>{html.escape(text)}</td>'


def _image(images: dict[str, bytes], name: str) -> str:
    if name not in images:
        return ""
    data = base64.b64encode(images[name]).decode()
    return f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
