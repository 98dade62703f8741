"""No script from a student's notebook runs in the pages a person opens, in real Chromium.

One submission carries active content everywhere a student can put it (a written answer,
a markdown cell of their own, HTML, JavaScript, SVG and markdown outputs, a forged prompt,
stream name and image metadata). It is graded by the real batch; then its feedback page and
its formgrader page (nbgrader's server extension in a Jupyter server on 127.0.0.1, opened
with the TA's token) are loaded in headless Chromium. Every payload would set
``window.__agxss``; it must stay unset while the student's own text is on the page.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import nbformat
import pytest
from conftest import make_course
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from autograder.workflow import grade as batch
from autograder.workflow import release
from autograder.workflow.course import Course
from autograder.workflow.demo import answer_sources

ASSIGNMENT, NOTEBOOK, STUDENT = "01-regression", "regression", "mallory"
RAN = "window.__agxss=(window.__agxss||[]).concat"
WRITTEN = (f"My written answer, mallory-was-here. <img src=x onerror={RAN}(['md-img'])>"
           f"<script>{RAN}(['md-script'])</script><svg onload={RAN}(['md-svg'])></svg>"
           f"<details open ontoggle={RAN}(['md-details'])>d</details>"
           f"[click](javascript:{RAN}(['md-link']))")
_SEND = "_k.session.send(_k.iopub_socket, {!r}, {!r}, parent=_k.get_parent())"
OUTPUTS = "\n".join([
    "from IPython.display import HTML, Javascript, display",
    f"display(HTML(\"mallory-output <img src=x onerror={RAN}(['html-img'])>"
    f"<script>{RAN}(['html-script'])</script>\"))",
    f"display(Javascript(\"{RAN}(['js'])\"))",
    f"display({{'image/svg+xml': \"<svg onload={RAN}(['svg'])></svg>\", 'text/plain': 'svg'}},"
    " raw=True)",
    f"display({{'text/markdown': \"<img src=x onerror={RAN}(['mdout'])>\"}}, raw=True)",
    "display({'image/png': 'iVBORw0KGgo='}, raw=True, metadata={'image/png': "
    f"{{'width': \"1 onerror={RAN}(['meta'])\"}}}})",
    "_k = get_ipython().kernel",
    _SEND.format("stream", {"name": f"stdout'><img src=x onerror={RAN}(['stream'])>",
                            "text": "hi"}),
    _SEND.format("execute_input", {"code": "",
                                   "execution_count": f"<img src=x onerror={RAN}(['prompt'])>"}),
])


def _submission(course: Course) -> nbformat.NotebookNode:
    nb = nbformat.read(course.path("release_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    answers = answer_sources(course.path("source_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = WRITTEN if cell.cell_type == "markdown" else answers[grade_id]
        if grade_id == "q1-fit_simple_linear":
            cell.source += "\n" + OUTPUTS
    nb.cells.insert(3, nbformat.v4.new_markdown_cell(
        f"An extra cell of mine <img src=x onerror={RAN}(['own-cell'])>"))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Course:
    course = Course.load(make_course(tmp_path_factory.mktemp("xss")))
    release.generate(course, [ASSIGNMENT])
    folder = course.path("submitted_directory") / STUDENT / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(_submission(course), folder / f"{NOTEBOOK}.ipynb")
    (folder / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
    outcome, = batch.grade(course, ASSIGNMENT, jobs=1, progress=False)
    assert outcome.status == "graded", outcome.message
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    assert api.generate_feedback(ASSIGNMENT, STUDENT)["success"]
    return course


def _ran(page) -> list[str]:
    page.wait_for_timeout(500)  # handlers of images that failed to load run meanwhile
    return page.evaluate("window.__agxss || []")


def test_no_payload_runs_in_the_feedback_page(graded, page):
    feedback = graded.path("feedback_directory") / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.html"
    page.goto(feedback.as_uri())
    assert "mallory-was-here" in page.content() and "mallory-output" in page.content()
    assert _ran(page) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(graded) -> Iterator[str]:
    """The formgrader of the graded course: its base URL with the TA's token."""
    port, token = _free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
         "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
         f"--ServerApp.root_dir={graded.root}",
         "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True"],
        cwd=graded.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(graded.root / ".runtime")})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the Jupyter server did not start") from None
                time.sleep(0.3)
        yield f"{base}/formgrader/submissions/{{id}}/?token={token}"
    finally:
        server.terminate()
        server.wait(10)


def test_no_payload_runs_in_the_formgraders_page_of_the_submission(graded, formgrader, page):
    with Gradebook(graded.db_url) as gb:
        submission = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, STUDENT).id
    response = page.goto(formgrader.format(id=submission))
    assert response.ok
    page.wait_for_selector("text=mallory-was-here")
    assert "mallory-output" in page.content()
    assert _ran(page) == []
