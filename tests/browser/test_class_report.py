"""The class report's page in real Chromium: it opens offline from disk with no console error and
no request beyond itself, shows its plots, runs nothing a student wrote, and every number in its
tables is the one in the CSV files next to it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from autograder.workflow.analytics import AssignmentStats, QuestionStats
from autograder.workflow.classpage import write
from autograder.workflow.report import TOTAL, Row

A = "01-regression"
PAYLOAD = "<img src=x onerror=window.__agxss=1>"


def _stats() -> AssignmentStats:
    rows = [Row(f"s{i:02d}", "late" if i % 5 == 0 else "graded", 2.5 * i, 25.0,
                int(i % 5 == 0), 0.0, 2.5 * i) for i in range(11)]
    rows += [Row("s11", "not accepted", 20.0, 25.0, 12, 20.0, 0.0, message="12.00 days late"),
             Row("s12", "error", max_score=25.0, message=f"not graded {PAYLOAD}")]
    questions = [QuestionStats(A, "regression", "q1-tests", "regression.simple_linear", 3.0,
                               12, 1.875, 50.0, 0.25, 3),
                 QuestionStats(A, "regression", "q2-polynomial-tests",
                               "regression.polynomial_design", 2.0, 12, 1.0, 41.6667, 1.0, 0),
                 QuestionStats(A, "regression", "q4-written", "written", 3.0, 12, None, None,
                               None, 0)]
    failure = ("q1-tests", "test_random_line")
    return AssignmentStats(A, 25.0, rows, questions, failures=Counter({failure: 4}),
                           wording={failure: Counter({f"off by … {PAYLOAD}": 4})},
                           misconceptions=Counter({("q1-tests", "the slope's ratio upside "
                                                                f"down {PAYLOAD}"): 3}))


def _csv(path: Path, hidden: str = "assignment") -> list[dict[str, str]]:
    with path.open() as handle:
        return [{k: v for k, v in row.items() if k != hidden} for row in csv.DictReader(handle)]


def _table(page: Any, key: str) -> list[dict[str, str]]:
    return page.evaluate("""key => Array.from(document.getElementById(key).rows).slice(1)
        .map(tr => Object.fromEntries(Array.from(tr.cells)
            .map(td => [td.dataset.column, td.textContent])))""", key)


def test_the_class_report_page(page: Any, tmp_path: Path):
    summary = [{"student": f"s{i:02d}", TOTAL: 5.0 * i} for i in range(13)]
    index = write([_stats()], summary, tmp_path)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    assert page.problems == [] and page.failed_responses == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert page.evaluate("Array.from(document.images).every("
                         "i => i.complete && i.naturalWidth > 0)")
    assert page.evaluate("document.images.length") == 5
    assert page.evaluate("window.__agxss") is None
    assert PAYLOAD in page.inner_text(f"#misconceptions-{A}")
    for table in ("questions", "misconceptions", "failures", "late-days", "problems"):
        assert _table(page, f"{table}-{A}") == _csv(tmp_path / f"{table}.csv"), table
    assert _table(page, "assignments") == _csv(tmp_path / "assignments.csv", hidden="")
    assert _table(page, f"questions-{A}")[1]["full marks (%)"] == "41.7"
