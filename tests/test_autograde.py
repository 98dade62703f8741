"""End to end through stock `nbgrader autograde`: reference, blank, noise and exploits.

Each submission is the Assignment 1 release with some answer cells replaced. Stock nbgrader
reads the root nbgrader_config.py, so this is exactly what a TA's `nbgrader autograde` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, make_course
from nbgrader.api import Gradebook

from autograder.sandbox.limits import bwrap_works
from autograder.workflow.demo import answer_sources

ASSIGNMENT = "01-regression"
NOTEBOOK = "regression"
AUTO_POINTS = 22.0  # 25 minus the 3 manually graded points

# Answer cells of Assignment 1 by grade id.
Q1, POLY, GAUSS, RISK, LSTSQ, SELECT, POPULATION, ONE_HOT = (
    "q1-fit_simple_linear", "q2-polynomial_design", "q2-gaussian_design", "q3-empirical_risk",
    "q3-fit_least_squares", "q4-select_degree", "q4-population_risk", "q5-one_hot")
GRADE_CELL = {Q1: "q1-tests", POLY: "q2-polynomial-tests", GAUSS: "q2-gaussian-tests",
              RISK: "q3-risk-tests", LSTSQ: "q3-lstsq-tests", SELECT: "q4-tests",
              POPULATION: "q4-population-tests", ONE_HOT: "q5-tests"}

STDERR_NOISE = '''
import sys, warnings
print("debug output on stderr", file=sys.stderr)
warnings.warn("a harmless warning", UserWarning)
'''
ALWAYS_EQUAL = '''
class _Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__
def fit_simple_linear(x, y):
    return _Anything(0.0), _Anything(0.0)
'''
UFUNC_SUBCLASS = '''
class _Liar(np.ndarray):
    def __array_ufunc__(self, *args, **kwargs):
        return True
    def __eq__(self, other):
        return True
def polynomial_design(x, M):
    return np.zeros((len(x), M)).view(_Liar)
'''
MONKEYPATCH = '''
import numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
lib.checks.check_close = lambda *a, **k: print("✔ (patched)")
import builtins
builtins.AssertionError = type("Never", (Exception,), {})
def gaussian_design(x, centers, s):
    return np.ones((3, 3))
'''
READ_REFERENCE = '''
import glob, json, os
_found = []
for _pattern in ["../../../solutions/*/*.ipynb", "{root}/solutions/*/*.ipynb"]:
    _found += glob.glob(_pattern)
for _path in _found[:3]:
    try:
        _nb = json.load(open(_path))
        for _cell in _nb["cells"]:
            if _cell["metadata"].get("nbgrader", {}).get("solution"):
                exec("".join(_cell["source"]), globals())
    except Exception:
        pass
try:
    from autograder.grading.reference import reference_namespace
    globals().update(reference_namespace(_found[0]))
except Exception:
    pass
'''
FAKE_PASS = '''
print("Hidden tests: 4 of 4 checks passed.")
def empirical_risk(Phi, y, w):
    print("Hidden tests: 3 of 3 checks passed.")
    return 0.25
'''
HARD_CODED = '''
def fit_simple_linear(x, y):
    return -2019.0, 1.0  # the visible check's answer
'''
INFINITE_LOOP = '''
def one_hot(labels, num_classes):
    while True:
        pass
'''

# A later cell (Q5's, after its answer) redefines a graded function: what the notebook
# leaves after its last cell is graded (the probes run then), wrong or right.
ANSWERS = answer_sources(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
REDEFINED_WRONG = ANSWERS[ONE_HOT] + '''
def fit_simple_linear(x, y):
    return 0.0, 0.0
'''
REDEFINED_RIGHT = ANSWERS[ONE_HOT] + "\n" + ANSWERS[Q1]

SUBMISSIONS = {
    "reference": {},
    "blank": None,
    "stderr_noise": {Q1: STDERR_NOISE},        # appended to the reference
    "always_equal": {Q1: ALWAYS_EQUAL},
    "ufunc_subclass": {POLY: UFUNC_SUBCLASS},
    "monkeypatch": {GAUSS: MONKEYPATCH},
    "read_reference": {k: READ_REFERENCE.replace("{root}", str(ROOT)) if k == Q1 else ""
                       for k in GRADE_CELL},
    "fake_pass": {RISK: FAKE_PASS},
    "hard_coded": {Q1: HARD_CODED},
    "redefined_wrong": {ONE_HOT: REDEFINED_WRONG},
    "redefined_right": {Q1: HARD_CODED, ONE_HOT: REDEFINED_RIGHT},
}


def _write_submission(course: Path, student: str, replace: dict[str, str] | None) -> None:
    release = nbformat.read(ROOT / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    answers = answer_sources(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    reference = {grade_id: answers[grade_id] for grade_id in GRADE_CELL}
    if replace is not None:
        for cell in release.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in reference:
                new = replace.get(grade_id)
                if new is None:
                    cell.source = reference[grade_id]
                elif student == "stderr_noise":
                    cell.source = reference[grade_id] + "\n" + new
                else:
                    cell.source = new
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(release, folder / f"{NOTEBOOK}.ipynb")
    (folder / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC\n")  # on time


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict[str, float]]:
    course = make_course(tmp_path_factory.mktemp("course"))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT,
                    "--force", "--log-level=WARN"], cwd=course, check=True)
    for student, replace in SUBMISSIONS.items():
        _write_submission(course, student, replace)
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                    "--log-level=WARN", "--HiddenTestsExecute.timeout=20"], cwd=course,
                   check=True)
    subprocess.run([sys.executable, "-m", "nbgrader", "export", "--log-level=WARN"],
                   cwd=course, check=True)
    scores: dict[str, dict[str, float]] = {"export": _exported(course / "grades.csv")}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in SUBMISSIONS:
            scores[student] = {
                cell: gb.find_grade(GRADE_CELL[cell], NOTEBOOK, ASSIGNMENT, student).score
                for cell in GRADE_CELL}
    return scores


def _exported(path: Path) -> dict[str, float]:
    import csv

    with path.open() as handle:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}


def test_reference_earns_every_automatic_point(graded):
    assert sum(graded["reference"].values()) == AUTO_POINTS


def test_stock_nbgrader_export_has_the_scores(graded):
    exported = graded["export"]
    assert exported["reference"] == AUTO_POINTS and exported["blank"] == 0
    assert set(exported) == set(SUBMISSIONS)


def test_blank_release_earns_nothing(graded):
    assert sum(graded["blank"].values()) == 0


def test_stderr_and_warnings_cost_nothing(graded):
    assert graded["stderr_noise"] == graded["reference"]


@pytest.mark.parametrize(("student", "cell"), [
    ("always_equal", Q1), ("ufunc_subclass", POLY), ("monkeypatch", GAUSS),
    ("fake_pass", RISK)])
def test_exploit_earns_nothing(graded, student, cell):
    assert graded[student][cell] == 0
    # Questions that do not call the exploited function keep their marks (Q4 calls Q2, Q3).
    for independent in {Q1, ONE_HOT} - {cell}:
        assert graded[student][independent] == graded["reference"][independent]


def test_hard_coded_visible_answer_earns_at_most_its_share(graded):
    assert graded["hard_coded"][Q1] < graded["reference"][Q1] / 2


def test_a_graded_function_is_checked_as_the_notebook_leaves_it(graded):
    """Probes run after the last cell: a later cell's definition is the one graded."""
    assert graded["redefined_wrong"][Q1] == 0
    assert graded["redefined_right"][Q1] == graded["reference"][Q1]
    for student in ("redefined_wrong", "redefined_right"):
        others = {cell: score for cell, score in graded[student].items() if cell != Q1}
        assert others == {cell: score for cell, score in graded["reference"].items()
                          if cell != Q1}


@pytest.mark.skipif(not bwrap_works(), reason="filesystem isolation needs bubblewrap")
def test_reading_the_reference_earns_nothing(graded):
    assert sum(graded["read_reference"].values()) == 0
