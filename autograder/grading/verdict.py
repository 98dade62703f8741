"""From answers to a verdict, and from a verdict to the outputs nbgrader scores.

The pieces the nbgrader preprocessor (:mod:`autograder.grading.preprocessors`) and the repository's
tests share: which grade cells name a hidden question, the reference's answers on the same
calls, and the cell outputs that carry a verdict into nbgrader's gradebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output

from autograder.grading.answers import Answer, decode_probe_line
from autograder.grading.probe import Call, probe_in_process
from autograder.grading.reference import reference_namespace
from autograder.grading.runner import (
    STUDENT,
    QuestionResult,
    make_calls,
    question_in,
    run_subjects,
)
from autograder.mistakes import Feedback

#: The cell metadata key of a graded question's record (:func:`verdict_record`).
RECORD_KEY = "autograder"


def is_grade_code_cell(cell: Any) -> bool:
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(nbgrader.get("grade")) and \
        not nbgrader.get("solution", False)


def graded_questions(nb: NotebookNode) -> dict[str, str]:
    """``{grade_id: question}`` for the autograder-test cells that name a hidden question."""
    found = {}
    for cell in nb.cells:
        if is_grade_code_cell(cell):
            question = question_in(cell.source)
            if question is not None:
                found[cell.metadata.nbgrader["grade_id"]] = question
    return found


def answers_in_process(calls: Mapping[str, Call],
                       namespace: Mapping[str, Any]) -> dict[str, Answer]:
    """Probe ``namespace`` here and decode, exactly as a kernel's answers are decoded."""
    return decode_probe_line(probe_in_process(calls, namespace), calls)


def reference_answers(source_notebook: Path,
                      calls: Mapping[str, Mapping[str, Call]]) -> dict[str, dict[str, Answer]]:
    namespace = reference_namespace(source_notebook)
    return {q: answers_in_process(c, namespace) for q, c in calls.items()}


def grade_namespace(namespace: Mapping[str, Any], questions: list[str], source_notebook: Path,
                    seed: int) -> dict[str, QuestionResult]:
    """Grade functions defined in this process (reference, mistakes) on ``questions``."""
    return grade_namespaces({STUDENT: (namespace, questions)}, source_notebook, seed)[STUDENT]


def grade_namespaces(subjects: Mapping[str, tuple[Mapping[str, Any], Iterable[str]]],
                     source_notebook: Path, seed: int) -> dict[str, dict[str, QuestionResult]]:
    """Grade several namespaces, each on its questions, in one pytest session.

    ``subjects`` maps a name to (namespace, questions); every subject gets the same inputs
    (one seed), as every student of one submission would.
    """
    wanted = sorted({q for _, questions in subjects.values() for q in questions})
    calls = {q: make_calls(q, seed) for q in wanted}
    reference = reference_answers(source_notebook, calls)
    return run_subjects(subjects_answers(subjects, calls), reference, calls)


def subjects_answers(subjects: Mapping[str, tuple[Mapping[str, Any], Iterable[str]]],
                     calls: Mapping[str, Mapping[str, Call]]
                     ) -> dict[str, dict[str, dict[str, Answer]]]:
    """subject -> question -> call -> Answer, each namespace probed here on its questions."""
    return {name: {q: answers_in_process(calls[q], namespace) for q in questions}
            for name, (namespace, questions) in subjects.items()}


def verdict_outputs(result: QuestionResult, points: float,
                    misconception: Feedback | None = None) -> list[NotebookNode]:
    """Cell outputs that make nbgrader award ``points * result.fraction``.

    nbgrader scores an autograder cell from its outputs: an ``error`` output gives 0, an
    ``execute_result`` holding a number gives that many points, anything else full points.
    Partial credit needs the question's main checks: failing one of them earns 0. A failed
    answer that matches a catalogued ``misconception`` is told which, and where to read.
    """
    lines = [f"Hidden tests: {result.passed} of {result.total} checks passed."]
    lines += [f"  ✘ {message}" for message in result.failures()]
    if result.passed < result.total and not result.main_passed:
        lines.append("No partial credit: the question's main check failed (the answer is not "
                     "yet right on a typical input).")
    if misconception is not None and result.passed < result.total:
        lines.append(misconception.text())
    report = new_output("stream", name="stdout", text="\n".join(lines) + "\n")
    if result.passed == result.total:
        return [report]
    if result.fraction == 0:
        return [new_output("error", ename="HiddenTestsFailed",
                           evalue=f"{result.passed} of {result.total} checks passed",
                           traceback=lines)]
    score = round(points * result.fraction, 2)
    return [report, new_output("execute_result", data={"text/plain": repr(score)},
                               execution_count=None)]


def verdict_record(question: str, result: QuestionResult,
                   misconception: Feedback | None = None) -> dict[str, Any]:
    """What the class analytics read back from a graded cell (its metadata): the checks that
    failed with their messages, and the misconception matched. The messages are the ones the
    verdict shows the student: no input or expected value."""
    return {"question": question, "passed": result.passed, "total": result.total,
            "failures": [{"check": c.name, "message": c.message}
                         for c in result.checks if not c.passed],
            "misconception": None if misconception is None else misconception.name}
