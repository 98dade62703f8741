"""From answers to a verdict, and from a verdict to the outputs nbgrader scores.

The pieces the nbgrader preprocessor (:mod:`autograder.grading.preprocessors`) and the repository's
tests share: which grade cells name a hidden question, the reference's answers on the same
calls, and the cell outputs that carry a verdict into nbgrader's gradebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output

from autograder.grading.answers import Answer, decode_probe_line
from autograder.grading.probe import Call, probe_in_process
from autograder.grading.reference import reference_namespace
from autograder.grading.runner import QuestionResult, make_calls, question_in, run_questions


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
    calls = {q: make_calls(q, seed) for q in questions}
    student = {q: answers_in_process(c, namespace) for q, c in calls.items()}
    return run_questions(student, reference_answers(source_notebook, calls), calls)


def verdict_outputs(result: QuestionResult, points: float) -> list[NotebookNode]:
    """Cell outputs that make nbgrader award ``points * fraction passed``.

    nbgrader scores an autograder cell from its outputs: an ``error`` output gives 0, an
    ``execute_result`` holding a number gives that many points, anything else full points.
    """
    lines = [f"Hidden tests: {result.passed} of {result.total} checks passed."]
    lines += [f"  ✘ {message}" for message in result.failures()]
    report = new_output("stream", name="stdout", text="\n".join(lines) + "\n")
    if result.passed == result.total:
        return [report]
    if result.passed == 0:
        return [new_output("error", ename="HiddenTestsFailed",
                           evalue=f"0 of {result.total} checks passed", traceback=lines)]
    score = round(points * result.fraction, 2)
    return [report, new_output("execute_result", data={"text/plain": repr(score)},
                               execution_count=None)]
