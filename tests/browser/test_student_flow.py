"""A student in JupyterLab, in the student bundle, with the bundle's Jupyter configuration.

The bundle is built by ``release.bundle`` and unpacked into a temporary folder. Its
``jupyter-config/`` folder mirrors ``<environment>/etc/jupyter``, where the bundle's install
puts it; here it is laid over a copy of this environment's own ``etc/jupyter`` (in which
nbgrader enables all of its extensions) and handed to Jupyter as ``JUPYTER_CONFIG_PATH``,
so the two meet exactly as they do in a student's environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import zipfile
from pathlib import Path

import nbformat
import nbgrader
import pytest
from browser.lab import LabServer
from browser.labui import (
    KERNEL_TIMEOUT,
    choose,
    instructor_tools,
    open_lab,
    open_notebook,
    outputs,
    prompt,
    raised,
    type_into,
    wait_for_output,
)
from conftest import ROOT

from autograder.workflow import release
from autograder.workflow.course import Course
from autograder.workflow.demo import answer_sources

RELEASES = sorted((ROOT / "assignments").glob("*/*.ipynb"))
#: What the bundle's install does with its Jupyter configuration.
BUNDLE_CONFIG, INSTALLED_AT = "jupyter-config", Path("etc", "jupyter")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("student")
    archive = release.bundle(Course.load(ROOT), folder / "student-bundle.zip")
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder / "bundle")
    return folder / "bundle"


def installed_config(bundle: Path, folder: Path) -> Path:
    """``etc/jupyter`` of an environment where the bundle is installed."""
    shutil.copytree(Path(sys.prefix) / INSTALLED_AT, folder)
    shutil.copytree(bundle / BUNDLE_CONFIG, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def student_lab(bundle: Path, start_lab, tmp_path_factory: pytest.TempPathFactory) -> LabServer:
    config = installed_config(bundle, tmp_path_factory.mktemp("environment") / "etc-jupyter")
    return start_lab(bundle, config)


def test_installing_the_bundle_puts_its_jupyter_config_where_jupyter_reads_it(
        bundle: Path, tmp_path: Path):
    """What ``installed_config`` assumes: the bundle's wheel carries ``jupyter-config/X`` as
    the data file ``etc/jupyter/X``, which pip installs into ``<environment>/etc/jupyter``."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path), str(bundle)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        data = {Path(*Path(name).parts[2:]) for name in archive.namelist()
                if Path(name).parts[0].endswith(".data") and Path(name).parts[1] == "data"}
    config = {INSTALLED_AT / path.relative_to(bundle / BUNDLE_CONFIG)
              for path in (bundle / BUNDLE_CONFIG).rglob("*") if path.is_file()}
    assert config and config <= data, f"not installed: {sorted(config - data)}"


def graded_cells(notebook: Path) -> tuple[int, str, int, int]:
    """Index and grade id of the first answer cell, index of its tests cell and of the
    next question's tests cell."""
    cells = nbformat.read(notebook, as_version=4).cells
    meta = [cell.metadata.get("nbgrader", {}) for cell in cells]
    answer = next(i for i, m in enumerate(meta)
                  if m.get("solution") and not m.get("grade") and cells[i].cell_type == "code")
    tests = [i for i, m in enumerate(meta) if m.get("grade") and not m.get("solution")]
    first = next(i for i in tests if i > answer)
    return answer, meta[answer]["grade_id"], first, next(i for i in tests if i > first)


@pytest.mark.parametrize("notebook", RELEASES, ids=lambda path: path.parent.name)
def test_student_runs_answers_and_validates(notebook: Path, student_lab: LabServer, page, steps):
    answer, grade_id, tests, next_tests = graded_cells(notebook)
    source = nbformat.read(notebook, as_version=4).cells
    relative = notebook.relative_to(ROOT).as_posix()
    with steps("open the release notebook"):
        cells = open_notebook(page, student_lab, relative, len(source))

    with steps("Run All stops at the first question's stub"):
        choose(page, "Run", "Run All Cells")
        wait_for_output(page, cells.nth(tests), "NotImplementedError")
        assert raised(cells.nth(tests))
        for index in range(tests):
            if source[index].cell_type == "code":
                assert prompt(cells.nth(index)) not in ("[ ]:", ""), f"cell {index} did not run"
                assert not raised(cells.nth(index)), f"cell {index}: {outputs(cells.nth(index))}"
        never_run = [prompt(cells.nth(i)) == "[ ]:" for i in range(tests + 1, len(source))
                     if source[i].cell_type == "code"]
        assert all(never_run), "Run All went on after the error"

    with steps("type the reference answer, run it and its tests"):
        reference = answer_sources(ROOT / "solutions" / notebook.parent.name / notebook.name)
        type_into(page, cells.nth(answer), reference[grade_id])
        page.keyboard.press("Shift+Enter")   # runs the answer, selects the tests cell
        page.keyboard.press("Shift+Enter")   # runs the tests cell
        wait_for_output(page, cells.nth(tests), "✔")
        assert not raised(cells.nth(answer)) and not raised(cells.nth(tests))
        lines = [line for line in outputs(cells.nth(tests)).splitlines() if line.strip()]
        assert lines and all(line.startswith("✔") for line in lines), lines

    with steps("Validate"):
        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog").filter(has_text="Validation Results")
        dialog.wait_for(timeout=KERNEL_TIMEOUT)
        failed = [text.strip() for text in dialog.locator("pre").all_inner_texts()]
        assert source[next_tests].source.strip() in failed, "an unanswered question passed"
        assert source[tests].source.strip() not in failed, "the answered question failed"
        dialog.get_by_role("button", name="Ok").click()
        saved = nbformat.read(student_lab.root / relative, as_version=4)
        assert saved.cells[answer].source == reference[grade_id], "the answer was not saved"

    with steps("no instructor tools, no exchange errors"):
        assert instructor_tools(page) == []
        assert page.get_by_text("Error fetching").count() == 0
        print("PROBLEMS", page.problems)
    assert page.problems == [] and page.failed_responses == []


def test_student_jupyter_has_no_instructor_tools(student_lab: LabServer, page, steps):
    with steps("JupyterLab"):
        open_lab(page, student_lab)
        assert instructor_tools(page) == []
        assert page.problems == []
    with steps("Notebook 7"):
        # Its file page logs two errors of its own (Notebook 7.6 with JupyterLab 4.6's
        # shortcut settings), with or without this configuration: only what shows is checked.
        open_lab(page, student_lab, "tree")
        menus = page.locator(".lm-MenuBar-itemLabel").all_text_contents()
        assert "File" in menus and "Nbgrader" not in menus
        assert page.get_by_text("Error fetching").count() == 0
    with steps("the instructor and exchange services are off, Validate's is on"):
        for path in ("formgrader", "formgraders", "courses", "assignments"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                student_lab.get(path)
        version = json.loads(student_lab.get(f"nbgrader_version?version={nbgrader.__version__}"))
        assert version["success"] is True
    assert page.failed_responses == []
