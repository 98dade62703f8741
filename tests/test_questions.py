"""The structure of the graded questions: every grade cell names a hidden module, every hidden
module is used and declares its main correctness check. What each question's checks decide
(for the reference, the stub and the whole catalogue, on 20 seeds) is tests/test_catalogue.py.
"""

from __future__ import annotations

import inspect
import sys
from collections import Counter

import nbformat
import pytest
from conftest import QUESTIONS, SOLUTIONS

from autograder.grading.runner import (
    HIDDEN_DIR,
    main_checks,
    question_in,
    question_module,
    question_path,
)

QUESTION_IDS = [f"{nb.parent.name}:{q}" for nb, q in QUESTIONS]


def test_there_are_questions():
    assert len(SOLUTIONS) >= 1
    assert len(QUESTIONS) >= 5


def test_every_hidden_module_is_used_by_a_notebook():
    used = {question_path(q).resolve() for _, q in QUESTIONS}
    modules = {p.resolve() for p in HIDDEN_DIR.glob("*/test_*.py")}
    assert modules - used == set()


def test_every_autograder_cell_names_one_question():
    """A grade cell with a hidden block must name an existing question, or it grades nothing."""
    for notebook in SOLUTIONS:
        for cell in nbformat.read(notebook, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                assert "### BEGIN HIDDEN TESTS" in cell.source, meta["grade_id"]
                assert Counter(cell.source.split("\n"))["### END HIDDEN TESTS"] == 1
                assert question_in(cell.source), f"{notebook.name}:{meta['grade_id']}"


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS, ids=QUESTION_IDS)
def test_hidden_module_declares_its_main_check(notebook, question):
    """MAIN names the module's main correctness check(s): partial credit needs them."""
    assert main_checks(question)
    tests = [f for name, f in vars(question_module(question)).items() if name.startswith("test_")]
    for test in tests:
        assert "student" in inspect.signature(test).parameters, test.__name__


def test_a_module_without_main_stops_grading(monkeypatch):
    module = question_module(QUESTIONS[0][1])
    monkeypatch.delattr(module, "MAIN")
    with pytest.raises(TypeError, match="MAIN must be"):
        main_checks(QUESTIONS[0][1])
    monkeypatch.setattr(module, "MAIN", ("test_no_such_check",), raising=False)
    with pytest.raises(TypeError, match="MAIN must be"):
        main_checks(QUESTIONS[0][1])


def test_hidden_tests_load_no_pytest_plugin_from_the_environment(tmp_path, monkeypatch):
    """An installed pytest plugin (here one that drops every test it sees) must not reach the
    hidden tests' session: grading runs only the plugins it names."""
    from subjects import calls_of, reference_namespace

    from autograder.grading.runner import run_questions
    from autograder.grading.verdict import subjects_answers

    (tmp_path / "dropping_plugin.py").write_text(
        "def pytest_collection_modifyitems(items):\n    items.clear()\n")
    info = tmp_path / "dropping_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dropping-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\ndropping = dropping_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib.metadata
    assert any(e.value == "dropping_plugin"
               for e in importlib.metadata.entry_points(group="pytest11"))

    notebook, question = QUESTIONS[0]
    calls = {question: calls_of(notebook, 0)[question]}
    reference = subjects_answers({"reference": (reference_namespace(notebook), (question,))},
                                 calls)
    results = run_questions(reference["reference"], reference["reference"], calls)
    assert results[question].checks and all(c.passed for c in results[question].checks)
    assert "dropping_plugin" not in sys.modules
