"""A TA in the demo course: nbgrader's formgrader in JupyterLab, a manual grade, the report.

The course is built with ``autograder.workflow.demo`` on a small class: one assignment, one
student ("reference") who ran the notebook before submitting it, as students do, so the
submission carries its outputs and plots. It is graded with ``autograder``'s batch, then
JupyterLab is started in the course root, where the formgrader reads ``nbgrader_config.py``.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser.lab import LabServer
from browser.labui import KERNEL_TIMEOUT, UI_TIMEOUT, choose, instructor_tools, open_lab
from conftest import ROOT
from nbclient import NotebookClient
from nbgrader.api import Gradebook
from playwright.sync_api import expect

from autograder.workflow import control, demo, grade, release
from autograder.workflow.course import Course

ASSIGNMENT = "01-regression"
STUDENT = "reference"
COMMENT = "Bias and variance are named; say which M the validation curve picks, and why."


def run_as_student(notebook: nbformat.NotebookNode, folder: Path) -> None:
    """Executes ``notebook`` in ``folder`` as a student's JupyterLab does: inline plots."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # grading sets Agg
    NotebookClient(notebook, timeout=KERNEL_TIMEOUT // 1000, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute(env=env)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = demo.make_course(ROOT, tmp_path_factory.mktemp("ta") / "course")
    release.generate(course, [ASSIGNMENT])
    (notebook,) = course.notebooks(ASSIGNMENT)
    release_nb = course.path("release_directory") / ASSIGNMENT / f"{notebook}.ipynb"
    submission, offset = demo.submissions(
        course.path("source_directory") / ASSIGNMENT / f"{notebook}.ipynb", release_nb)[STUDENT]
    run_as_student(submission, release_nb.parent)
    assert images(submission) > 0, "the student's run of the notebook made no plots"
    folder = course.path("submitted_directory") / STUDENT / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(submission, folder / f"{notebook}.ipynb")
    (folder / "timestamp.txt").write_text(
        (demo.DUE + offset).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    outcomes = grade.grade(course, ASSIGNMENT, jobs=1, submission_timeout=600, progress=False)
    assert [(o.student, o.status) for o in outcomes] == [(STUDENT, "graded")], outcomes
    return course


@pytest.fixture(scope="module")
def ta_lab(course: Course, start_lab) -> LabServer:
    return start_lab(course.root)


def written_answer(course: Course) -> tuple[str, float]:
    """Grade id and points of the notebook's first manually graded written answer."""
    (notebook,) = course.notebooks(ASSIGNMENT)
    source = course.path("source_directory") / ASSIGNMENT / f"{notebook}.ipynb"
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            return meta["grade_id"], float(meta["points"])
    raise AssertionError(f"{source} has no written answer to grade")


def open_submission(page: Any, server: LabServer, course: Course) -> Any:
    """JupyterLab, Nbgrader -> Formgrader, Manual Grading, down to the student's notebook;
    returns the formgrader's frame."""
    open_lab(page, server)
    choose(page, "Nbgrader", "Formgrader")
    formgrader = page.frame_locator("iframe[src*='formgrader']")
    formgrader.get_by_role("link", name="Manual Grading").click()
    formgrader.get_by_role("link", name=ASSIGNMENT, exact=True).click()
    (notebook,) = course.notebooks(ASSIGNMENT)
    formgrader.get_by_role("link", name=notebook, exact=True).click()
    formgrader.get_by_role("link", name="Submission #1").click()
    formgrader.locator(".nbgrader_cell").first.wait_for()
    return formgrader


def autograder_report(course: Course, out: Path) -> dict[str, str]:
    """``autograder report`` as a TA runs it; returns the student's row of the grades CSV."""
    subprocess.run([sys.executable, "-m", "autograder", "--root", str(course.root), "report",
                    ASSIGNMENT, "--out", str(out)], check=True, capture_output=True, text=True)
    with (out / f"grades-{ASSIGNMENT}.csv").open() as handle:
        return next(row for row in csv.DictReader(handle) if row["student"] == STUDENT)


def test_ta_grades_a_written_answer_in_the_formgrader(course: Course, ta_lab: LabServer, page,
                                                      steps, tmp_path: Path):
    grade_id, points = written_answer(course)
    with Gradebook(course.db_url, course.coursedir.course_id) as gradebook:
        autograded = gradebook.find_submission(ASSIGNMENT, STUDENT).score
    with steps("JupyterLab in the course root has nbgrader's instructor tools"):
        open_lab(page, ta_lab)
        assert "Nbgrader menu" in instructor_tools(page)
    with steps("open the submission in the formgrader"):
        formgrader = open_submission(page, ta_lab, course)
        score = formgrader.locator(f"input.score#{grade_id}")
        comment = formgrader.locator(f"textarea#{grade_id}-comment")
        expect(formgrader.get_by_text(control.WRITTEN)).to_be_visible(timeout=UI_TIMEOUT)
        expect(score).to_have_value("", timeout=UI_TIMEOUT)
    with steps("give a manual score and a comment"):
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url
                                  and r.request.method == "PUT" and r.ok):
            score.fill(f"{points - 1:g}")
            comment.click()  # the score's change event saves it
        with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url
                                  and r.request.method == "PUT" and r.ok):
            comment.fill(COMMENT)
            score.click()
    with steps("reload: the score and the comment survived"):
        formgrader = open_submission(page, ta_lab, course)
        expect(formgrader.locator(f"input.score#{grade_id}")).to_have_value(
            f"{points - 1:g}", timeout=UI_TIMEOUT)
        expect(formgrader.locator(f"textarea#{grade_id}-comment")).to_have_value(
            COMMENT, timeout=UI_TIMEOUT)
    with steps("autograder report includes the manual score and the comment"):
        row = autograder_report(course, tmp_path / "out")
        assert float(row["raw_score"]) == pytest.approx(autograded + points - 1)
        assert row["needs_manual_grade"] == "False"
        feedback = tmp_path / "out" / "feedback" / STUDENT / ASSIGNMENT
        assert any(COMMENT in html.read_text() for html in feedback.glob("*.html"))
    assert page.failed_responses == []


def images(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in output.get("data", {})
               for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)


def test_the_submission_page_shows_the_students_plots(course: Course, ta_lab: LabServer, page,
                                                      steps):
    (notebook,) = course.notebooks(ASSIGNMENT)
    plots = images(nbformat.read(course.path("submitted_directory") / STUDENT / ASSIGNMENT
                                 / f"{notebook}.ipynb", as_version=4))
    with steps("open the submission in the formgrader"):
        formgrader = open_submission(page, ta_lab, course)
    with steps("the student's plots are shown"):
        shown = formgrader.locator(".output_area img")
        assert shown.count() == plots
        for index in range(plots):
            assert shown.nth(index).evaluate("image => image.naturalWidth") > 0
