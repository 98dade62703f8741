"""Misconception-aware feedback: a failed answer is told which catalogued mistake it matches,
never one it is not.

The proof runs on everyone tests/subjects.py grades (the reference, the release stub, zeros and
the whole catalogue, on every question each is graded on) and on 20 seeds: each named mistake
matches itself and nobody else, except the mistakes that share its feedback (one misconception
written two ways). Mistakes that cannot be told apart stay unnamed in autograder/mistakes.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import SOLUTIONS
from subjects import SEEDS, answers, calls_of, entry_id, grid, questions_of

from autograder.grading.answers import Answer
from autograder.grading.misconceptions import Comparison, agree, find_matches, same_form
from autograder.grading.runner import CheckResult, QuestionResult
from autograder.grading.verdict import verdict_outputs, verdict_record
from autograder.mistakes import Feedback, catalogue, named_mistakes

NAMED = [e for e in catalogue() if e.feedback is not None]


def _comparisons(notebook: Path, seed: int) -> tuple[list[Comparison], list[tuple[str, ...]]]:
    """Every subject graded on a question against each named mistake of that question, with
    (subject, mistake id, whether the subject is allowed to match)."""
    everyone = answers(notebook, seed)
    comparisons, labels = [], []
    for question in questions_of(notebook):
        for mistake in named_mistakes(question):
            own = everyone[entry_id(mistake)][question]
            for subject, answered in everyone.items():
                if question in answered:
                    comparisons.append(Comparison(question, answered[question], own))
                    labels.append((subject, entry_id(mistake)))
    return comparisons, labels


def _sharing(feedback: Feedback) -> set[str]:
    return {entry_id(e) for e in NAMED if e.feedback == feedback}


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.parent.name)
def test_named_mistakes_match_themselves_and_nobody_else(notebook: Path):
    groups = {entry_id(e): _sharing(e.feedback) for e in NAMED}
    missed, false = set(), set()
    for seed in SEEDS:
        comparisons, labels = _comparisons(notebook, seed)
        for (subject, mistake), matched in zip(labels, agree(comparisons, calls_of(notebook, seed)),
                                               strict=True):
            if subject == mistake and not matched:
                missed.add(mistake)
            elif matched and subject not in groups[mistake]:
                false.add(f"{subject} matches {mistake}")
    assert missed == set(), "named mistakes that do not match their own answers"
    assert false == set()


def test_every_question_with_mistakes_names_some():
    named = {e.question for e in NAMED}
    assert named == {e.question for e in catalogue() if e.kind == "mistake"}
    assert all(e.kind == "mistake" for e in NAMED)


def test_a_failed_answer_is_told_its_misconception():
    notebook = next(nb for nb in SOLUTIONS if nb.parent.name == "02-regularization")
    seed = SEEDS[0]
    everyone = answers(notebook, seed)
    lam = "mistake:regularization.ridge:lambda_for_2n_lambda"
    inverse = "mistake:regularization.ridge:explicit_inverse"
    for subject in (lam, inverse, "reference", "stub"):
        student = {"regularization.ridge": everyone[subject]["regularization.ridge"]}
        results = {"regularization.ridge": grid(notebook)[seed][subject]["regularization.ridge"]}
        found = find_matches(student, results, calls_of(notebook, seed), notebook)
        expected = {s: e.feedback for e in NAMED for s in [entry_id(e)]}.get(subject)
        assert found.get("regularization.ridge") == expected, subject
    feedback = {entry_id(e): e.feedback for e in NAMED}[lam]
    assert feedback.name == "λ in place of 2Nλ"


def test_unanswered_questions_are_not_compared():
    notebook = SOLUTIONS[0]
    question = questions_of(notebook)[0]
    calls = calls_of(notebook, SEEDS[0])
    missing = {name: Answer("missing") for name in calls[question]}
    failed = QuestionResult(question, [CheckResult("test_x", False, "no answer")], ("test_x",))
    assert find_matches({question: missing}, {question: failed}, calls, notebook) == {}


def test_same_form_needs_equal_non_finite_entries_dtype_and_error():
    def array(values, dtype="float64"):
        return Answer("array", values=np.array(values, dtype=float), dtype=dtype)

    assert same_form(array([1.0, np.nan]), array([2.0, np.nan]))
    assert not same_form(array([1.0, np.nan]), array([np.nan, 2.0]))
    assert not same_form(array([np.inf]), array([-np.inf]))
    assert not same_form(array([np.inf]), array([np.nan]))
    assert not same_form(array([1.0]), array([1.0], "float32"))
    assert not same_form(Answer("error", error="ValueError"), Answer("error", error="TypeError"))
    on_input = Answer("tensor", values=np.zeros(1), dtype="float64", device="cuda:0",
                      input_device="cuda:1")
    moved = Answer("tensor", values=np.zeros(1), dtype="float64", device="cpu",
                   input_device="cuda:0")
    assert not same_form(on_input, moved)
    assert same_form(on_input, Answer("tensor", values=np.ones(1), dtype="float64",
                                      device="cpu", input_device="cpu"))


def test_the_verdict_names_the_misconception_and_records_it():
    feedback = Feedback("λ in place of 2Nλ", "Look at the diagonal.", "ridge")
    failed = QuestionResult("regularization.ridge",
                            [CheckResult("test_tall", False, "random 30x5 problem: off"),
                             CheckResult("test_wide", True)], ("test_tall",))
    (error,) = verdict_outputs(failed, 3.0, feedback)
    text = "\n".join(error.traceback)
    assert "Your answer matches a common mistake: λ in place of 2Nλ. Look at the diagonal." in text
    assert "Lecture 1, slide “Linear Regression” (ridge regression" in text
    record = verdict_record("regularization.ridge", failed, feedback)
    assert record["misconception"] == "λ in place of 2Nλ"
    assert record["failures"] == [{"check": "test_tall", "message": "random 30x5 problem: off"}]
    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        metadata={"autograder": record}, outputs=[error])]))
    passed = QuestionResult("q.x", [CheckResult("test_tall", True)], ("test_tall",))
    assert "common mistake" not in verdict_outputs(passed, 3.0, feedback)[0].text


def test_feedback_points_to_a_slide_of_the_lecture():
    with pytest.raises(ValueError, match="unknown slide"):
        Feedback("x", "y", "no such slide")
    for entry in NAMED:
        assert len(entry.feedback.name) <= 60 and len(entry.feedback.hint) <= 220, entry.name
