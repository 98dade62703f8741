"""Several graders at once on one PostgreSQL gradebook (`CourseDirectory.db_url`).

Two TAs, each on their own machine (here: their own course folder) with their own share of
the class, grade the same assignment at the same time, in parallel, into one PostgreSQL
gradebook. Runs where a server is reachable: set AUTOGRADER_TEST_DB_URL to a URL whose user
may create databases (.ci/run starts the machine's PostgreSQL and sets it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from conftest import make_course
from nbgrader.api import Gradebook

from autograder.grading.timestamps import format_timestamp
from autograder.workflow import demo

URL = os.environ.get("AUTOGRADER_TEST_DB_URL")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not URL, reason="AUTOGRADER_TEST_DB_URL is not set")]
ASSIGNMENT, NOTEBOOK = "01-regression", "regression"
SHARES = {"ta1": ["reference", "blank"], "ta2": ["partly_right", "late_2_5_days"]}


@pytest.fixture
def database():
    import sqlalchemy

    name = f"autograder_test_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    yield URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def _ta_course(folder: Path, db_url: str, students: list[str]) -> Path:
    folder.mkdir()
    make_course(folder)
    with open(folder / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    source = folder / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    release = folder / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    class_ = demo.submissions(source, release)
    for student in students:
        content, offset = class_[student]
        target = folder / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(content, target / f"{NOTEBOOK}.ipynb")
        (target / "timestamp.txt").write_text(format_timestamp(demo.DUE + offset))
    return folder


def test_two_graders_at_once_share_one_gradebook(database, tmp_path):
    courses = {ta: _ta_course(tmp_path / ta, database, students)
               for ta, students in SHARES.items()}
    # The assignment is registered once, by the instructor's release.
    subprocess.run([sys.executable, "-m", "autograder", "--root", str(courses["ta1"]),
                    "release", ASSIGNMENT, "--out", str(tmp_path / "out")], check=True,
                   stdout=subprocess.DEVNULL)
    graders = [subprocess.Popen([sys.executable, "-m", "autograder", "--root", str(course),
                                 "grade", ASSIGNMENT, "--jobs", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for course in courses.values()]
    for grader in graders:
        _, errors = grader.communicate(timeout=600)
        assert grader.returncode == 0, errors[-2000:]
    with Gradebook(database) as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
        late = gb.find_submission(ASSIGNMENT, "late_2_5_days").total_seconds_late
    assert scores["reference"] == 22 and scores["blank"] == 0
    assert 0 < scores["partly_right"] < 22 and scores["late_2_5_days"] == 22
    assert late == pytest.approx(2.5 * 86400)
