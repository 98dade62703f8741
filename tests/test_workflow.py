"""The TA workflow on a small class: parallel grading, errors, resumption, the control,
reports (scoped to their course, streamed, in step with nbgrader), the student bundle."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from conftest import SOLUTIONS, make_course
from nbgrader.api import Gradebook

from autograder.grading.timestamps import format_timestamp, read_timestamp_file
from autograder.mistakes import catalogue
from autograder.sandbox.limits import bwrap_works
from autograder.workflow import control, demo, release
from autograder.workflow import grade as batch
from autograder.workflow import report as reports
from autograder.workflow.control import ControlFailed
from autograder.workflow.course import Course

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-regression"
#: A student whose Q1 is a named catalogue mistake: the feedback and the class report say so.
MISTAKEN = "mistaken"
CLASS = ("reference", "blank", "partly_right", "late_2_5_days", "late_11_days",
         "invalid_json", "infinite_loop", "stderr_noise", "no_timestamp", MISTAKEN)
SWAPPED = next(e for e in catalogue() if e.name == "swapped_ratio")


def _course(tmp: Path) -> Course:
    make_course(tmp)
    course = Course.load(tmp, HiddenTestsExecute={"timeout": 5})
    release.generate(course, [ASSIGNMENT])
    source = tmp / "solutions" / ASSIGNMENT / "regression.ipynb"
    release_nb = tmp / "assignments" / ASSIGNMENT / "regression.ipynb"
    all_students = {**demo.submissions(source, release_nb),
                    MISTAKEN: (demo.with_entry(source, release_nb, SWAPPED), timedelta(hours=-1))}
    for student in CLASS:
        content, offset = all_students[student]
        folder = course.path("submitted_directory") / student / ASSIGNMENT
        folder.mkdir(parents=True)
        if isinstance(content, str):
            (folder / "regression.ipynb").write_text(content)
        else:
            nbformat.write(content, folder / "regression.ipynb")
        if offset is not None:
            (folder / "timestamp.txt").write_text(format_timestamp(demo.DUE + offset))
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
    outcomes = batch.grade(course, ASSIGNMENT, jobs=2, submission_timeout=120, progress=False)
    batch.save_outcomes(outcomes, course.outcomes_path(ASSIGNMENT))
    rows = reports.report(course, [ASSIGNMENT])
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


def test_a_matched_misconception_reaches_the_feedback_and_the_class_report(graded):
    course, _, rows = graded
    assert rows[MISTAKEN].status == "graded" and rows[MISTAKEN].score == 22 - 3
    page = (course.root / "out" / "feedback" / MISTAKEN / ASSIGNMENT / "regression.html")
    assert f"Your answer matches a common mistake: {SWAPPED.feedback.name[:9]}" in \
        page.read_text()
    for student in set(CLASS) - {MISTAKEN}:
        feedback = course.root / "out" / "feedback" / student / ASSIGNMENT / "regression.html"
        assert not feedback.exists() or "common mistake" not in feedback.read_text()
    with open(course.root / "out" / "class-report" / "misconceptions.csv") as handle:
        assert [(r["cell"], r["misconception"], r["students"]) for r in csv.DictReader(handle)] \
            == [("q1-tests", SWAPPED.feedback.name, "1")]
    assert (course.root / "out" / "class-report" / "index.html").is_file()


def test_grades_for_the_lms_with_the_roster_ids(graded, tmp_path):
    course, _, rows = graded
    roster = tmp_path / "students.csv"
    roster.write_text("id,first_name,last_name,email,lms_user_id\n" + "".join(
        f"{s},,,,{'' if s == 'blank' else 900 + i}\n" for i, s in enumerate(sorted(CLASS))))
    command = [sys.executable, "-m", "autograder", "--root", str(course.root), "export",
               "moodle", "--roster", str(roster), "--out", str(tmp_path / "lms")]
    exported = subprocess.run(command, capture_output=True, text=True)
    assert exported.returncode == 1 and "blank" in exported.stdout  # no LMS id: an error row
    with open(tmp_path / "lms" / "moodle-grades.csv") as handle:
        grades = {r["Student"]: r[ASSIGNMENT] for r in csv.DictReader(handle)}
    assert "blank" not in grades and grades["invalid_json"] == ""
    assert float(grades["late_2_5_days"]) == pytest.approx(rows["late_2_5_days"].score)
    assert float(grades["reference"]) == 22


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


def test_the_bundle_installs_the_students_own_environment(tmp_path, root):
    path = release.bundle(Course.load(root), tmp_path / "bundle.zip")
    with zipfile.ZipFile(path) as archive:
        project = tomllib.loads(archive.read("pyproject.toml").decode())
        environment = archive.read("environment.yml").decode()
    assert "scripts" not in project["project"]          # no `autograder` command
    requirements = " ".join(project["project"]["dependencies"]) + environment
    for tool in ("autograder", "pytest", "ruff", "playwright", "psycopg"):
        assert tool not in requirements, tool
    assert project["tool"]["setuptools"]["packages"] == ["lib"]


# -- the control ---------------------------------------------------------------------------

def _needs_lib_in_the_kernel(course: Course) -> None:
    """Hide lib from the kernel (a misconfigured sandbox), with a reference answer that
    uses it: a correct student would lose that question."""
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write("\nimport sys\nc.SandboxedKernelManager.expose = [sys.prefix]\n")
    source = course.root / "solutions" / ASSIGNMENT / "regression.ipynb"
    nb = nbformat.read(source, 4)
    cell = next(c for c in nb.cells if "### BEGIN SOLUTION" in c.source and "def " in c.source)
    indent = cell.source.split("### BEGIN SOLUTION")[0].rsplit("\n", 1)[-1]
    cell.source = cell.source.replace("### BEGIN SOLUTION\n",
                                      f"### BEGIN SOLUTION\n{indent}lib.checks  # uses lib\n", 1)
    nbformat.write(nb, source)


@pytest.mark.skipif(not bwrap_works(), reason="the sandbox hides nothing without bubblewrap")
def test_a_misconfigured_course_stops_before_any_student(tmp_path):
    """lib hidden from the kernel: the reference lost points and the class would have too."""
    course = _course(tmp_path)
    _needs_lib_in_the_kernel(course)
    result = subprocess.run([sys.executable, "-m", "autograder", "--root", str(course.root),
                             "grade", ASSIGNMENT, "--jobs", "2"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "control failed" in result.stderr and "No student was graded" in result.stderr
    # The control's kernel names the cause: its setup cell could not import lib.
    assert "setup cell failed" in result.stderr and "No module named 'lib'" in result.stderr
    assert not course.path("autograded_directory").exists()
    with Gradebook(course.db_url) as gb:
        assert gb.assignment_submissions(ASSIGNMENT) == []
    assert not list(course.root.glob(".autograder-control-*"))  # its scratch is gone


def test_the_control_is_graded_like_a_student(graded):
    """The clean batch passed its control: the reference, from solutions/, got 22 of 22."""
    course, _, rows = graded
    with control.scratch_course(course, ASSIGNMENT) as scratch:
        handed_in = scratch.path("submitted_directory") / control.STUDENT / ASSIGNMENT
        assert (handed_in / "regression.ipynb").is_file()
        assert read_timestamp_file(handed_in) == course.due_date(ASSIGNMENT)
        assert scratch.root == course.root and scratch.db_url != course.db_url
    assert rows["reference"].raw_score == 22


# -- reports -------------------------------------------------------------------------------

def _copy(course: Course, folder: Path) -> Course:
    shutil.copytree(course.root, folder, symlinks=True)
    return Course.load(folder)


def test_reports_stay_in_their_course(graded, tmp_path):
    """`autograder --root COURSE report` wrote to ./out: it mixed in another course's
    students and overwrote that course's CSVs."""
    course, _, _ = graded
    other = tmp_path / "other"
    other.mkdir()
    make_course(other)
    (other / "out").mkdir()
    (other / "out" / f"grades-{ASSIGNMENT}.csv").write_text("student\nsomeone_else\n")
    command = [sys.executable, "-m", "autograder", "--root", str(course.root), "report",
               ASSIGNMENT, "--no-feedback"]
    subprocess.run(command, cwd=other, check=True, capture_output=True)
    assert (other / "out" / f"grades-{ASSIGNMENT}.csv").read_text() == \
        "student\nsomeone_else\n"
    with open(course.root / "out" / f"grades-{ASSIGNMENT}.csv") as handle:
        assert {row["student"] for row in csv.DictReader(handle)} == set(CLASS)

    shared = tmp_path / "shared"
    subprocess.run([*command, "--out", str(shared)], check=True, capture_output=True)
    refused = subprocess.run([sys.executable, "-m", "autograder", "--root", str(other),
                              "report", "--all", "--out", str(shared)],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "holds the reports of the course" in refused.stderr


def _big_notebook(path: Path, mib: int) -> None:
    """Grow a graded notebook by an output of ``mib`` MiB, written without holding it."""
    nb = nbformat.read(path, 4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="@@BIG@@")]
    head, tail = nbformat.writes(nb).split("@@BIG@@")
    with path.open("w") as handle:
        handle.write(head)
        for _ in range(mib):
            handle.write("x" * 1024**2)
        handle.write(tail)


PEAK_RSS = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
"""


def test_report_streams_with_bounded_memory_and_completes(graded, tmp_path):
    """A notebook with a huge output or broken JSON gives its student an error row; the
    report never holds the notebook and the class report completes."""
    course = _copy(graded[0], tmp_path / "course")
    graded_nb = course.path("autograded_directory") / "{}" / ASSIGNMENT / "regression.ipynb"
    size = 512  # MiB: 16 times the limit; holding it would double the peak allowed below
    _big_notebook(Path(str(graded_nb).format("reference")), size)
    Path(str(graded_nb).format("blank")).write_text('{"cells": [ not JSON')
    measured = subprocess.run([sys.executable, "-c", PEAK_RSS, sys.executable, "-m",
                               "autograder", "--root", str(course.root), "report", "--all"],
                              capture_output=True, text=True, check=True)
    code, peak = map(int, measured.stdout.split())
    assert code == 0
    assert peak < size * 1024**2 / 2, f"peak RSS {peak / 1024**2:.0f} MiB"
    with open(course.root / "out" / f"grades-{ASSIGNMENT}.csv") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(CLASS)
    assert rows["reference"]["status"] == "error" and "MiB limit" in rows["reference"]["message"]
    assert rows["blank"]["status"] == "error"
    assert "feedback not generated" in rows["blank"]["message"]
    assert rows["partly_right"]["status"] == "graded"
    assert (course.root / "out" / "feedback" / "partly_right" / ASSIGNMENT /
            "regression.html").is_file()


def test_report_and_nbgrader_agree_on_the_final_score(graded, tmp_path):
    """A manual grade added after autograding: the report's penalty and nbgrader's (its
    export and feedback) were computed on different scores."""
    course = _copy(graded[0], tmp_path / "course")
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        submission = gb.find_submission(ASSIGNMENT, "late_2_5_days")
        written = next(g for nb in submission.notebooks for g in nb.grades
                       if g.cell.cell_type == "markdown")
        written.manual_score = written.max_score
        gb.db.commit()
    rows = {r.student: r for r in reports.report(course, [ASSIGNMENT])[ASSIGNMENT]}
    late = rows["late_2_5_days"]
    assert late.raw_score == 25 and late.penalty == pytest.approx(7.5)
    assert late.score == pytest.approx(17.5)
    subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "grades.csv"],
                   cwd=course.root, check=True, capture_output=True)
    with open(course.root / "grades.csv") as handle:
        exported = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}
    for student, row in rows.items():
        if row.status != "error":
            assert float(exported[student, ASSIGNMENT]["score"]) == pytest.approx(row.score)
    page = (course.root / "out" / "feedback" / "late_2_5_days" / ASSIGNMENT /
            "regression.html").read_text()
    assert "Score: 17.5" in page or "17.5 / 25" in page


def test_a_recollected_but_ungraded_submission_is_an_error_row(graded, tmp_path):
    course = _copy(graded[0], tmp_path / "course")
    folder = course.path("submitted_directory") / "reference" / ASSIGNMENT
    (folder / "timestamp.txt").write_text("2026-10-20 12:00 UTC\n")
    rows = {r.student: r for r in reports.report(course, [ASSIGNMENT],
                                                 feedback=False)[ASSIGNMENT]}
    assert rows["reference"].status == "error" and "grade it again" in rows["reference"].message
    assert rows["blank"].status == "graded"


def test_two_courses_at_once_stay_separate(tmp_path):
    """Two courses graded and reported on one machine at the same time, from one folder."""
    courses = {}
    for name, students in (("a", ["reference", "blank"]), ("b", ["reference", "late_2_5_days"])):
        folder = tmp_path / name
        folder.mkdir()
        courses[name] = _course(folder)
        for student in set(CLASS) - set(students):
            shutil.rmtree(courses[name].path("submitted_directory") / student)
    for command in (["grade", ASSIGNMENT, "--jobs", "1"], ["report", "--all"]):
        runs = [subprocess.Popen([sys.executable, "-m", "autograder", "--root",
                                  str(course.root), *command], cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for course in courses.values()]
        for run in runs:
            _, errors = run.communicate(timeout=600)
            assert run.returncode == 0, errors[-2000:]
    assert not (tmp_path / "out").exists()
    for name, expected in (("a", {"reference": 22, "blank": 0}),
                           ("b", {"reference": 22, "late_2_5_days": 22 * 0.7})):
        with open(courses[name].root / "out" / f"grades-{ASSIGNMENT}.csv") as handle:
            scores = {r["student"]: float(r["score"]) for r in csv.DictReader(handle)}
        assert scores == pytest.approx(expected)
        with open(courses[name].root / "out" / "course-summary.csv") as handle:
            assert {r["student"] for r in csv.DictReader(handle)} == set(expected)


def test_a_bundle_is_complete_or_not_written(tmp_path):
    course_root = tmp_path / "course"
    course_root.mkdir()
    make_course(course_root)
    shutil.rmtree(course_root / "lib")
    course = Course.load(course_root)
    target = tmp_path / "out" / "student-bundle.zip"
    with pytest.raises(ValueError, match="lib/"):
        release.bundle(course, target)
    assert not target.exists() and not list(target.parent.glob("*"))


def test_a_gradebook_older_than_the_solutions_stops_the_batch(tmp_path):
    """Points changed in solutions/ without a new release: students would be graded on the
    old cells against the new reference."""
    course = _course(tmp_path)
    source = course.root / "solutions" / ASSIGNMENT / "regression.ipynb"
    nb = nbformat.read(source, 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") ==
                "q1-tests")
    points = float(cell.metadata.nbgrader.points)
    cell.metadata.nbgrader.points = points + 1
    nbformat.write(nb, source)
    changed = f"q1-tests: gradebook {points}, solutions/ {points + 1}"
    with pytest.raises(ControlFailed, match=re.escape(changed)):
        batch.grade(course, ASSIGNMENT, jobs=2, progress=False)
    assert not course.path("autograded_directory").exists()
