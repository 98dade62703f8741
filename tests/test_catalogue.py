"""Fair and deterministic scores: everyone in tests/subjects.py graded on 20 seeds.

* the reference earns full marks, and every subject gets the same verdict from every check
  on every seed (no score depends on the random inputs);
* every catalogued mistake fails its question, every valid alternative earns full marks on
  every question that uses it, every non-answer, the release stub and an all-zeros answer
  earn 0;
* the visible checks catch at least 60% of each assignment's mistakes with a message, and
  every alternative passes them.

One pytest session grades every subject of a notebook on one seed (tests/subjects.grid).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import QUESTIONS, SOLUTIONS
from subjects import (
    SEEDS,
    entries_of,
    entry_id,
    grid,
    notebook_of,
    questions_using,
    visible_outcome,
)

from autograder.mistakes import KINDS, catalogue

ENTRIES = catalogue()
#: Share of each assignment's mistakes its visible checks must catch, with a message.
VISIBLE_SHARE = 0.6


def _results(notebook: Path, subject: str) -> dict[int, dict]:
    return {seed: grid(notebook)[seed][subject] for seed in SEEDS}


def _verdicts_by_seed(notebook: Path, subject: str) -> dict[str, set]:
    """question -> the distinct verdict tuples over all seeds (one when deterministic)."""
    by_seed = _results(notebook, subject)
    return {q: {by_seed[s][q].verdicts() for s in SEEDS} for q in by_seed[SEEDS[0]]}


def _describe(result) -> str:
    return f"{result.passed}/{result.total}, failing: {result.failures()}"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.parent.name)
def test_reference_earns_full_marks_on_every_seed(notebook: Path):
    for seed, results in _results(notebook, "reference").items():
        for question, result in results.items():
            assert result.failures() == [], f"{question}, seed {seed}"
            assert result.total >= 2, f"{question}: a question needs at least two checks"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.parent.name)
def test_release_stub_and_zeros_earn_nothing(notebook: Path):
    for seed in SEEDS:
        subjects = grid(notebook)[seed]
        for question, result in subjects["stub"].items():
            assert result.passed == 0, f"stub, {question}, seed {seed}: {_describe(result)}"
        for name in (s for s in subjects if s.startswith("zeros:")):
            for result in subjects[name].values():
                assert result.fraction == 0, f"{name}, seed {seed}: {_describe(result)}"


def _own_questions(notebook: Path, subject: str) -> set[str]:
    """The questions a subject answers itself (a catalogue entry: its own question; the
    reference, the stub and the zeros: all they are graded on)."""
    kind, _, rest = subject.partition(":")
    return {rest.split(":")[0]} if kind in ("mistake", "alternative", "non_answer") else \
        set(grid(notebook)[SEEDS[0]][subject])


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.parent.name)
def test_every_subject_gets_the_same_grade_on_every_seed(notebook: Path):
    """On its own question every check gives a subject the same verdict on every seed; on a
    question that merely calls the replaced function (select_lambda calls fit_ridge), the
    score is the same on every seed."""
    flaky = {}
    for subject in grid(notebook)[SEEDS[0]]:
        own = _own_questions(notebook, subject)
        by_seed = _results(notebook, subject)
        for question in by_seed[SEEDS[0]]:
            if question in own:
                verdicts = {by_seed[s][question].verdicts() for s in SEEDS}
                failing = sorted({name for v in verdicts for name, ok in v if not ok})
            else:
                verdicts = {by_seed[s][question].fraction for s in SEEDS}
                failing = sorted(verdicts)
            if len(verdicts) > 1:
                flaky[f"{subject} on {question}"] = failing
    assert flaky == {}


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_catalogue_entry_gets_its_grade(entry):
    notebook = notebook_of(entry.question)
    for seed, results in _results(notebook, entry_id(entry)).items():
        own = results[entry.question]
        if entry.kind == "mistake":
            assert own.passed < own.total, f"'{entry.description}' passes on seed {seed}"
        elif entry.kind == "non_answer":
            assert own.fraction == 0, f"'{entry.description}', seed {seed}: {_describe(own)}"
        else:
            for question, result in results.items():
                assert result.failures() == [], f"{question}, seed {seed}"


def test_catalogue_kinds_and_names():
    assert {entry.kind for entry in ENTRIES} <= set(KINDS)
    ids = [entry_id(entry) for entry in ENTRIES]
    assert len(ids) == len(set(ids))
    for entry in ENTRIES:
        assert entry.question in questions_using(notebook_of(entry.question), entry.function)


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS,
                         ids=[f"{nb.parent.name}:{q}" for nb, q in QUESTIONS])
def test_each_question_has_mistakes_and_non_answers(notebook: Path, question: str):
    kinds = [e.kind for e in entries_of(notebook) if e.question == question]
    assert kinds.count("mistake") >= 3, f"{question} has {kinds.count('mistake')} mistakes"


# -- visible checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "alternative"], ids=entry_id)
def test_alternative_passes_the_visible_checks(entry):
    outcome = visible_outcome(notebook_of(entry.question), entry.question, entry.function,
                              entry.implementation)
    assert outcome.outcome == "pass", outcome.message


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.parent.name)
def test_visible_checks_catch_most_mistakes(notebook: Path):
    outcomes = {entry_id(e): visible_outcome(notebook, e.question, e.function, e.implementation)
                for e in entries_of(notebook, "mistake")}
    caught = [name for name, o in outcomes.items() if o.outcome == "caught"]
    share = len(caught) / len(outcomes)
    print(f"\n{notebook.parent.name}: the visible checks catch {len(caught)} of {len(outcomes)} "
          f"mistakes ({share:.0%}); not caught:")
    for name, outcome in outcomes.items():
        if outcome.outcome != "caught":
            print(f"  {name}: {outcome.outcome} {outcome.message[:100]}")
    assert share >= VISIBLE_SHARE
