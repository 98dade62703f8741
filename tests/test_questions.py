"""Every graded question: the reference earns full marks, the release stub earns nothing,
and every catalogued mistake fails at least one hidden test (on several seeds)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import nbformat
import pytest
from conftest import QUESTIONS, SOLUTIONS, release_of

from autograder.grading.reference import reference_namespace, reference_source
from autograder.grading.runner import HIDDEN_DIR, question_path
from autograder.grading.verdict import grade_namespace
from autograder.mistakes import all_mistakes

SEEDS = (0, 1, 2)
MISTAKES = all_mistakes()
QUESTION_IDS = [f"{nb.parent.name}:{q}" for nb, q in QUESTIONS]


def test_there_are_questions():
    assert len(SOLUTIONS) >= 1
    assert len(QUESTIONS) >= 5


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS, ids=QUESTION_IDS)
def test_reference_earns_full_marks(notebook: Path, question: str):
    for seed in SEEDS:
        result = grade_namespace(reference_namespace(notebook), [question], notebook, seed)
        assert result[question].failures() == [], f"seed {seed}"
        assert result[question].total >= 2, "a question needs at least two hidden checks"


def _stub_namespace(release: Path) -> dict:
    """The functions exactly as the release hands them to students (stubs that raise)."""
    namespace: dict = {}
    source = reference_source(release)
    assert "NotImplementedError" in source
    exec(compile(source, str(release), "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS, ids=QUESTION_IDS)
def test_release_stub_earns_nothing(notebook: Path, question: str):
    result = grade_namespace(_stub_namespace(release_of(notebook)), [question], notebook, 0)
    assert result[question].passed == 0, result[question].checks


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS, ids=QUESTION_IDS)
def test_at_least_three_mistakes_per_question(notebook: Path, question: str):
    count = sum(m.question == question for m in MISTAKES)
    assert count >= 3, f"{question} has {count} catalogued mistakes"


def _notebook_of(question: str) -> Path:
    return next(nb for nb, q in QUESTIONS if q == question)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.question}:{m.name}" for m in MISTAKES])
def test_mistake_is_caught(mistake):
    notebook = _notebook_of(mistake.question)
    for seed in SEEDS:
        namespace = reference_namespace(notebook)
        namespace[mistake.function] = mistake.implementation
        result = grade_namespace(namespace, [mistake.question], notebook, seed)[mistake.question]
        assert result.passed < result.total, f"'{mistake.description}' passes on seed {seed}"


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
                from autograder.grading.runner import question_in

                assert question_in(cell.source), f"{notebook.name}:{meta['grade_id']}"
