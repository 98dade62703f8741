"""From checks to points: the main check gates partial credit; echo calls see inputs a
student's function modified in place."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.checks import CheckFailed, expect_unchanged
from autograder.grading.probe import Call
from autograder.grading.runner import CheckResult, QuestionResult
from autograder.grading.verdict import answers_in_process, verdict_outputs


def _result(*outcomes: tuple[str, bool], main=("test_main",)) -> QuestionResult:
    checks = [CheckResult(name, ok, "" if ok else f"{name} off") for name, ok in outcomes]
    return QuestionResult("q.x", checks, main=main)


def test_partial_credit_needs_the_main_check():
    partial = _result(("test_main", True), ("test_edge", False))
    assert partial.fraction == 0.5
    outputs = verdict_outputs(partial, 3.0)
    assert outputs[-1].output_type == "execute_result" and outputs[-1].data["text/plain"] == "1.5"
    main_failed = _result(("test_main", False), ("test_edge", True), ("test_other", True))
    assert main_failed.fraction == 0
    outputs = verdict_outputs(main_failed, 3.0)
    assert [o.output_type for o in outputs] == ["error"]
    assert "main check failed" in "\n".join(outputs[0].traceback)
    assert "test_main off" in "\n".join(outputs[0].traceback)


def test_full_marks_and_no_main_declared():
    assert verdict_outputs(_result(("test_main", True)), 2.0)[0].output_type == "stream"
    assert _result(("test_main", True), main=()).fraction == 0  # a misconfiguration earns nothing


def test_echo_reports_an_argument_after_the_call():
    def in_place(w0):
        w0 -= 1.0
        return w0.copy()

    def copying(w0):
        return w0 - 1.0

    w0 = np.array([1.0, 2.0])
    calls = {"result": Call("f", w0), "after": Call("f", w0, echo=0)}
    modified = answers_in_process(calls, {"f": in_place})
    kept = answers_in_process(calls, {"f": copying})
    assert modified["result"].values.tolist() == kept["result"].values.tolist() == [0.0, 1.0]
    assert modified["after"].values.tolist() == [0.0, 1.0]
    assert kept["after"].values.tolist() == [1.0, 2.0]
    expect_unchanged(kept["after"], kept["after"], argument="w0", what="a call")
    with pytest.raises(CheckFailed, match="changed its argument w0 in place"):
        expect_unchanged(modified["after"], kept["after"], argument="w0", what="a call")
    with pytest.raises(ValueError):
        Call("f", w0, echo=1)
