"""Clean installs in fresh virtual environments (no system site packages), as a TA and as
a student would make them.

* `pip install .` without extras: `autograder release`, `autograder grade` and stock
  `nbgrader autograde` work end to end (they failed without pytest, and release found no
  student README outside an editable install).
* The demo's student bundle installs by the commands of its own README, runs the
  assignments' imports and a notebook, and carries no grading tools.

Each installs PyTorch and the notebook stack from this machine's wheels: minutes, not
seconds (marked slow; CI runs them).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, make_course
from nbgrader.api import Gradebook

from autograder.grading.timestamps import format_timestamp
from autograder.workflow import demo

pytestmark = pytest.mark.slow
A, NB = "01-regression", "regression.ipynb"


def _run(command: list[str] | str, cwd: Path, bin_dir: Path | None = None,
         timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    if bin_dir is not None:  # nbgrader calls `alembic`: the venv's commands come first
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout, shell=isinstance(command, str))
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _source_tree(target: Path) -> Path:
    """The repository's files as a clean clone would have them (no .venv, no build)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _fresh_venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    config = (folder / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in config
    return folder / "bin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv holding `pip install .` of the repository, no extras."""
    tmp = tmp_path_factory.mktemp("install")
    bin_dir = _fresh_venv(tmp / "venv")
    _run([str(bin_dir / "pip"), "install", "--quiet", str(_source_tree(tmp / "src"))], tmp,
         bin_dir)
    return bin_dir


def test_a_plain_install_releases_and_grades(installed, tmp_path):
    where = _run([str(installed / "python"), "-c", "import autograder, lib; "
                  "print(autograder.__file__, lib.__file__)"], tmp_path).stdout
    assert str(ROOT) not in where and "site-packages" in where  # not this checkout
    (tmp_path / "course").mkdir()
    course = make_course(tmp_path / "course")
    _run([str(installed / "autograder"), "release", A], course, installed)
    with zipfile.ZipFile(course / "out" / "student-bundle.zip") as bundle:
        assert {"README.md", "pyproject.toml", "environment.yml"} <= set(bundle.namelist())

    answers = demo.submissions(course / "solutions" / A / NB, course / "assignments" / A / NB)
    answers["snooper"] = (_snooping(answers["reference"][0]), answers["reference"][1])
    for student in ("reference", "blank", "snooper"):
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(answers[student][0], folder / NB)
        (folder / "timestamp.txt").write_text(format_timestamp(demo.DUE + answers[student][1]))
    graded = _run([str(installed / "autograder"), "grade", A, "--jobs", "2"], course,
                  installed).stdout
    assert "control: the reference solution earned 22 of 22" in graded
    ours = _scores(course)
    # The installed package (hidden tests) lies inside the environment the kernel may read:
    # the snooper's first answer fails if the kernel can see it.
    assert ours == {"reference": 22, "blank": 0, "snooper": 22}

    shutil.rmtree(course / "autograded")
    _run([str(installed / "nbgrader"), "autograde", A, "--force"], course, installed)
    assert _scores(course) == ours


def _snooping(reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The reference, whose first answer cell first fails if the hidden tests are readable."""
    nb = copy.deepcopy(reference)
    cell = next(c for c in nb.cells if c.cell_type == "code" and
                c.metadata.get("nbgrader", {}).get("solution"))
    cell.source = ("import glob, sys\nassert not glob.glob(sys.prefix + "
                   "'/lib/python*/site-packages/autograder/hidden/*/*.py'), 'hidden tests'\n"
                   + cell.source)
    return nb


def _scores(course: Path) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(A)}


def _readme_commands(readme: str) -> list[str]:
    """The indented command lines of the README's "Set up once" section."""
    section = readme.split("## Set up once", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^    (\S.*?)\s*(?:#.*)?$", section, re.M)
    assert commands, "the README shows no set-up commands"
    return commands


def test_the_demo_bundle_installs_by_its_readme(tmp_path):
    out = tmp_path / "demo"
    demo.prepare(ROOT, out)
    bundle = tmp_path / "student"
    with zipfile.ZipFile(out / "student-bundle.zip") as archive:
        archive.extractall(bundle)
    commands = _readme_commands((bundle / "README.md").read_text())
    assert commands[-1].endswith("jupyter lab")  # starts the server: checked below instead
    for command in commands[:-1]:
        _run(command, bundle)
    bin_dir = bundle / ".venv" / "bin"
    assert "include-system-site-packages = false" in (bundle / ".venv" / "pyvenv.cfg").read_text()
    _run([str(bin_dir / "jupyter"), "lab", "--version"], bundle, bin_dir)
    assert not (bin_dir / "autograder").exists()
    etc = bundle / ".venv" / "etc" / "jupyter"
    for config in (bundle / "jupyter-config").rglob("*.json"):  # the course's Jupyter settings
        installed = etc / config.relative_to(bundle / "jupyter-config")
        assert installed.read_text() == config.read_text(), installed
    for tool in ("pytest", "autograder"):
        found = _run([str(bin_dir / "python"), "-c",
                      f"import importlib.util as u; print(u.find_spec('{tool}') is None)"], bundle)
        assert found.stdout.strip() == "True", tool
    for notebook in sorted((bundle / "assignments").glob("*/*.ipynb")):
        setup = "\n".join(c.source for c in nbformat.read(notebook, 4).cells
                          if "setup" in c.metadata.get("tags", []))
        assert setup, notebook
        _run([str(bin_dir / "python"), "-c", setup], notebook.parent)
    executed = tmp_path / "executed.ipynb"
    _run([str(bin_dir / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
          "--allow-errors", "--output", str(executed), str(bundle / "assignments" / A / NB)],
         bundle, bin_dir)
    cells = nbformat.read(executed, 4).cells
    first = next(c for c in cells if "setup" in c.metadata.get("tags", []))
    assert not [o for o in first.outputs if o.output_type == "error"]
    errors = {o.ename for c in cells for o in c.get("outputs", []) if o.output_type == "error"}
    assert "NotImplementedError" in errors  # the kernel ran the stubs
    assert not errors & {"ModuleNotFoundError", "ImportError"}
