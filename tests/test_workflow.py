"""The TA workflow on a small class: parallel grading, errors, resumption, reports, bundle."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import SOLUTIONS, make_course
from nbgrader.api import Gradebook

from autograder.workflow import collect, demo, release
from autograder.workflow import grade as batch
from autograder.workflow import report as reports
from autograder.workflow.course import Course

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-regression"
CLASS = ("reference", "blank", "partly_right", "late_2_5_days", "late_11_days",
         "invalid_json", "infinite_loop", "stderr_noise", "no_timestamp")


def _course(tmp: Path) -> Course:
    make_course(tmp)
    course = Course.load(tmp, HiddenTestsExecute={"timeout": 5})
    release.generate(course, [ASSIGNMENT])
    all_students = demo.submissions(tmp / "solutions" / ASSIGNMENT / "regression.ipynb",
                                    tmp / "assignments" / ASSIGNMENT / "regression.ipynb")
    for student in CLASS:
        content, offset = all_students[student]
        folder = course.path("submitted_directory") / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if isinstance(content, str):
            (folder / "regression.ipynb").write_text(content)
        else:
            nbformat.write(content, folder / "regression.ipynb")
        if offset is not None:
            stamp = (demo.DUE + offset).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            (folder / "timestamp.txt").write_text(stamp)
    return course


def _scores(course: Course) -> dict[str, tuple[float, int]]:
    """Per student: total raw score and number of grade rows in the gradebook."""
    with Gradebook(course.db_url) as gb:
        result = {}
        for submission in gb.assignment_submissions(ASSIGNMENT):
            grades = [g for nb in submission.notebooks for g in nb.grades]
            result[submission.student.id] = (submission.score, len(grades))
        return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = _course(tmp_path_factory.mktemp("clean"))
    out = course.root / "out"
    outcomes = batch.grade(course, ASSIGNMENT, jobs=2, submission_timeout=120, progress=False)
    batch.save_outcomes(outcomes, out / "grading" / f"{ASSIGNMENT}.json")
    rows = reports.report(course, [ASSIGNMENT], out)
    return course, {o.student: o for o in outcomes}, {r.student: r for r in rows[ASSIGNMENT]}


def test_broken_submissions_get_errors_and_never_stop_the_batch(graded):
    _, outcomes, _ = graded
    assert outcomes["invalid_json"].status == "error"
    assert "not a valid notebook" in outcomes["invalid_json"].message
    assert outcomes["no_timestamp"].status == "error"
    assert "timestamp.txt is missing" in outcomes["no_timestamp"].message
    assert {s for s, o in outcomes.items() if o.status == "graded"} == \
        set(CLASS) - {"invalid_json", "no_timestamp"}


def test_scores_and_late_policy(graded):
    _, _, rows = graded
    full = rows["reference"].raw_score
    assert full == 22 and rows["reference"].score == 22
    assert rows["blank"].score == 0
    assert 0 < rows["partly_right"].score < full
    assert rows["stderr_noise"].score == full
    assert 0 < rows["infinite_loop"].score < full        # only the looping question is lost
    assert rows["late_2_5_days"].days_late == 3
    assert rows["late_2_5_days"].score == pytest.approx(full * 0.7)
    assert rows["late_11_days"].status == "not accepted" and rows["late_11_days"].score == 0
    assert rows["invalid_json"].status == "error" and rows["invalid_json"].score == 0


def test_grades_csv_and_summary(graded):
    course, _, _ = graded
    with open(course.root / "out" / f"grades-{ASSIGNMENT}.csv") as handle:
        table = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(table) == set(CLASS)
    assert float(table["late_2_5_days"]["penalty"]) == pytest.approx(6.6)
    with open(course.root / "out" / "course-summary.csv") as handle:
        summary = {row["student"]: row for row in csv.DictReader(handle)}
    assert float(summary["reference"][f"{ASSIGNMENT} (%)"]) == pytest.approx(88.0)
    assert float(summary["reference"]["course total so far (%)"]) == pytest.approx(22.0)
    assert any(key.startswith("final project") for key in summary["reference"])


def test_feedback_shows_messages_never_hidden_tests(graded):
    course, _, _ = graded
    feedback = course.root / "out" / "feedback"
    blank = (feedback / "blank" / ASSIGNMENT / "regression.html").read_text()
    assert "0 of 5 checks passed" in blank
    assert "raised NotImplementedError" in blank
    for page in feedback.rglob("*.html"):
        text = page.read_text()
        assert "# autograder:" not in text and "BEGIN HIDDEN TESTS" not in text
        assert "MARK SCHEME" not in text
    error_page = (feedback / "invalid_json" / ASSIGNMENT / "index.html").read_text()
    assert "not a valid notebook" in error_page


def test_a_killed_batch_resumes_to_the_same_gradebook(graded, tmp_path):
    clean_course, _, _ = graded
    course = _course(tmp_path)
    command = [sys.executable, "-m", "autograder", "--root", str(course.root), "grade",
               ASSIGNMENT, "--jobs", "2", "--cell-timeout", "5"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    records = course.path("autograded_directory")
    deadline = time.monotonic() + 120
    while not list(records.glob(f"*/{ASSIGNMENT}/{batch.RECORD}")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # mid-batch, workers and kernels included
    process.wait()
    done_before = len(list(records.glob(f"*/{ASSIGNMENT}/{batch.RECORD}")))
    assert 0 < done_before < len(CLASS) - 2

    outcomes = batch.grade(course, ASSIGNMENT, jobs=2, submission_timeout=120, progress=False)
    assert sum(o.status == "skipped" for o in outcomes) == done_before
    assert _scores(course) == _scores(clean_course)


def test_bundle_holds_no_answers(tmp_path, root):
    course = Course.load(root)
    path = release.bundle(course, tmp_path / "bundle.zip")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        text = "\n".join(archive.read(n).decode("utf-8", "replace") for n in names)
    assert "README.md" in names and "environment.yml" in names
    assert any(n.startswith("assignments/01-regression/") for n in names)
    assert any(n.startswith("lib/") for n in names)
    assert not any(n.startswith(("solutions/", "autograder/", "tests/")) for n in names)
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "# autograder:", "MARK SCHEME"):
        assert marker not in text
    for source in SOLUTIONS:
        for cell in nbformat.read(source, 4).cells:
            if "### BEGIN SOLUTION" in cell.source:
                body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
                for line in body.splitlines():
                    if len(line.strip()) > 25:
                        assert line.strip() not in text, line


def test_collect_from_folder_and_zip(tmp_path, root):
    course_root = tmp_path / "course"
    course_root.mkdir()
    make_course(course_root)
    course = Course.load(course_root)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    release_nb = root / "assignments" / ASSIGNMENT / "regression.ipynb"
    (inbox / "alice.ipynb").write_bytes(release_nb.read_bytes())
    (inbox / "bob").mkdir()
    (inbox / "bob" / "regression.ipynb").write_bytes(release_nb.read_bytes())
    results = dict(collect.collect(course, inbox, ASSIGNMENT))
    assert set(results) == {"alice", "bob"}
    for student in ("alice", "bob"):
        folder = course.path("submitted_directory") / student / ASSIGNMENT
        assert (folder / "regression.ipynb").is_file()
        batch.read_timestamp(folder)  # a valid time stamp was written

    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(release_nb, "carol_2026-10-09T10:00:00_regression.ipynb")
    results = dict(collect.collect(course, archive, ASSIGNMENT))
    folder = course.path("submitted_directory") / "carol" / ASSIGNMENT
    assert "carol" in results and (folder / "regression.ipynb").is_file()
    assert (folder / "timestamp.txt").read_text().startswith("2026-10-09T10:00:00")
