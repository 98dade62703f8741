"""Which catalogued mistake a failed answer matches, decided by the question's own checks.

A student's answers to a question they failed *match* a named mistake M of that question
(:func:`autograder.mistakes.named_mistakes`) when

1. on every call they have the same form as M's answers on the same inputs: the same kind,
   exception, dtype, shape, device (relative to the inputs') and the same NaN and infinite
   entries. The checks cannot compare what is not a finite number, so that must be equal;
2. graded by the question's hidden tests with M's answers in place of the reference's, every
   check gives the student the verdict it gives M itself, and M passes its main checks.
   Where M's answers can be compared, the student's equal them within the question's own
   tolerances: a match means what a pass would mean if M were the reference.

A match is claimed only when one misconception matches (several mistakes may share one
:class:`~autograder.mistakes.Feedback`); ``tests/test_misconceptions.py`` proves that no entry
of the catalogue, nor the reference, matches a named mistake it is not. M's answers are
computed in the grading process like the reference's: the reference namespace with M in place
of the student's function and of every reference function that calls it. Only questions the
student failed with answers that arrived are compared; M's answers are computed once per
question of a submission (one seed, one set of calls).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.grading.answers import Answer
from autograder.grading.probe import Call
from autograder.grading.reference import reference_with
from autograder.grading.runner import QuestionResult, run_subjects
from autograder.grading.verdict import answers_in_process
from autograder.mistakes import Entry, Feedback, named_mistakes

#: Answer kinds that say no answer arrived: nothing to compare.
UNANSWERED = ("missing", "invalid")


@dataclass(frozen=True)
class Comparison:
    """Answers to ``question`` to compare with a mistake's answers on the same calls."""

    question: str
    answers: Mapping[str, Answer]
    mistake: Mapping[str, Answer]


def mistake_answers(entry: Entry, calls: Mapping[str, Call],
                    source_notebook: Path) -> dict[str, Answer]:
    """``entry``'s answers on ``calls``, probed and decoded here as the reference's are."""
    namespace = reference_with(source_notebook, entry.function, entry.implementation)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # mistakes overflow on purpose
        return answers_in_process(calls, namespace)


def _non_finite(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), 0.0, values)


def _on_input_device(answer: Answer) -> bool | None:
    if answer.device is None or answer.input_device is None:
        return None
    return answer.device.split(":")[0] == answer.input_device.split(":")[0]


def same_form(a: Answer, b: Answer) -> bool:
    """Equal in everything but the finite numbers (which the checks compare)."""
    if (a.kind, a.dtype, a.shape, a.error, a.exact_type, len(a.items)) != \
            (b.kind, b.dtype, b.shape, b.error, b.exact_type, len(b.items)):
        return False
    if a.kind == "other" and a.type_name != b.type_name:
        return False
    if _on_input_device(a) != _on_input_device(b):
        return False
    if a.values is not None and b.values is not None and \
            not np.array_equal(_non_finite(a.values), _non_finite(b.values), equal_nan=True):
        return False
    return all(same_form(x, y) for x, y in zip(a.items, b.items, strict=True))


def agree(comparisons: Sequence[Comparison],
          calls: Mapping[str, Mapping[str, Call]]) -> list[bool]:
    """For each comparison, whether its answers match the mistake's (see the module's doc).

    Two pytest sessions in all: the main checks of every comparison of the right form, then
    every check of those whose main checks agree.
    """
    formed = [i for i, c in enumerate(comparisons)
              if all(same_form(c.answers[name], c.mistake[name]) for name in c.mistake)]
    main = _verdicts(comparisons, formed, calls, main_only=True)
    close = [i for i in formed if main[i][0].main_passed and main[i][1].main_passed]
    full = _verdicts(comparisons, close, calls, main_only=False)
    return [i in full and full[i][0].verdicts() == full[i][1].verdicts()
            for i in range(len(comparisons))]


def _verdicts(comparisons: Sequence[Comparison], chosen: list[int],
              calls: Mapping[str, Mapping[str, Call]], *,
              main_only: bool) -> dict[int, tuple[QuestionResult, QuestionResult]]:
    """index -> (the answers' result, the mistake's own result), both graded against the
    mistake's answers; each distinct mistake is graded once."""
    if not chosen:
        return {}
    subjects, references, own = {}, {}, {}
    for i in chosen:
        c = comparisons[i]
        key = own.setdefault(id(c.mistake), f"mistake {len(own)}")
        subjects[f"answers {i}"] = {c.question: c.answers}
        subjects[key] = {c.question: c.mistake}
        references[f"answers {i}"] = references[key] = {c.question: c.mistake}
    inputs = {comparisons[i].question: calls[comparisons[i].question] for i in chosen}
    results = run_subjects(subjects, {}, inputs, references=references,
                           main_only=frozenset(subjects) if main_only else frozenset())
    return {i: (results[f"answers {i}"][comparisons[i].question],
                results[own[id(comparisons[i].mistake)]][comparisons[i].question])
            for i in chosen}


def find_matches(student: Mapping[str, Mapping[str, Answer]],
                 results: Mapping[str, QuestionResult],
                 calls: Mapping[str, Mapping[str, Call]],
                 source_notebook: Path) -> dict[str, Feedback]:
    """question -> the misconception a failed answer matches, for the questions that have
    exactly one."""
    comparisons, entries = [], []
    for question, result in results.items():
        answers = student[question]
        if result.passed == result.total or \
                any(a.kind in UNANSWERED for a in answers.values()):
            continue
        for entry in named_mistakes(question):
            comparisons.append(Comparison(question, answers, mistake_answers(
                entry, calls[question], source_notebook)))
            entries.append(entry)
    found: dict[str, set[Feedback]] = {}
    for entry, matched in zip(entries, agree(comparisons, calls), strict=True):
        if matched:
            found.setdefault(entry.question, set()).add(entry.feedback)
    return {q: next(iter(named)) for q, named in found.items() if len(named) == 1}
