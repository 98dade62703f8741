"""The kernel-to-grader channel: what the probe encodes and what the grader accepts.

Whatever a student's kernel prints is hostile; the grader must turn it into plain float64
arrays or into an 'invalid' answer, never into an object the student chose.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
import torch

from autograder.grading.answers import (
    MAX_LINE,
    decode_answer,
    decode_probe_line,
    find_probe_line,
)
from autograder.grading.checks import CheckFailed, expect_array, expect_scalar, expect_tensor
from autograder.grading.probe import (
    MAX_ELEMENTS,
    Call,
    TensorArg,
    kernel_code,
    new_nonce,
    probe_in_process,
)
from autograder.grading.verdict import answers_in_process


class AlwaysEqual:
    def __eq__(self, other):
        return True


class UfuncLiar(np.ndarray):
    def __array_ufunc__(self, *args, **kwargs):
        return True


class TorchLiar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True


def _answer(value, *args):
    return answers_in_process({"c": Call("f", *args)}, {"f": lambda *a: value})["c"]


def test_arrays_round_trip_exactly():
    array = np.random.default_rng(0).normal(size=(3, 4))
    answer = _answer(array)
    assert answer.kind == "array" and answer.dtype == "float64"
    assert np.array_equal(answer.values, array)


def test_arguments_arrive_with_their_dtype_and_shape():
    seen = {}

    def f(x, n, t):
        seen.update(x=x, n=n, t=t)
        return x

    ints = np.arange(6, dtype=np.int64).reshape(2, 3)
    answers_in_process({"c": Call("f", ints, 3, (1.5, None))}, {"f": f})
    assert seen["x"].dtype == np.int64 and seen["x"].shape == (2, 3)
    assert seen["n"] == 3 and seen["t"] == (1.5, None)


def test_always_equal_object_is_not_a_number():
    answer = _answer(AlwaysEqual())
    assert answer.kind == "other"
    with pytest.raises(CheckFailed, match="AlwaysEqual"):
        expect_scalar(answer, 1.0, what="q", rtol=1e-9)


def test_ndarray_subclass_is_flagged_and_compared_by_its_numbers():
    answer = _answer(np.zeros(3).view(UfuncLiar))
    assert answer.kind == "array" and not answer.exact_type
    with pytest.raises(CheckFailed, match="subclass"):
        expect_array(answer, np.zeros(3), what="q", rtol=1e-9)


def test_torch_subclass_is_not_read():
    answer = _answer(torch.zeros(3).as_subclass(TorchLiar))
    assert answer.kind == "other"
    with pytest.raises(CheckFailed, match="Tensor subclass TorchLiar"):
        expect_tensor(answer, np.zeros(3), what="q", rtol=1e-6)


def test_tensor_arguments_and_results_keep_device_and_dtype():
    answer = answers_in_process(
        {"c": Call("f", TensorArg(np.ones(3), dtype="float64"))}, {"f": lambda t: 2 * t})["c"]
    assert answer.kind == "tensor" and answer.dtype == "float64"
    assert answer.device == answer.input_device
    expect_tensor(answer, 2 * np.ones(3), what="q", rtol=0, dtype="float64")


def test_exceptions_become_error_answers():
    def f():
        raise NotImplementedError("todo")

    answer = answers_in_process({"c": Call("f")}, {"f": f})["c"]
    assert answer.kind == "error" and answer.error == "NotImplementedError"


def test_missing_function_is_a_name_error():
    assert answers_in_process({"c": Call("nope")}, {})["c"].error == "NameError"


@pytest.mark.parametrize("raw", [
    {"kind": "array", "dtype": "float64", "shape": [2], "data": [1.0]},           # short
    {"kind": "array", "dtype": "float64", "shape": [1], "data": ["1"]},           # string
    {"kind": "array", "dtype": "float64", "shape": [1], "data": [[1.0]]},         # nested
    {"kind": "array", "dtype": "object", "shape": [1], "data": [1.0]},            # dtype
    {"kind": "array", "dtype": "float64", "shape": [-1], "data": []},             # shape
    {"kind": "scalar", "type": "float", "value": {"__eq__": True}},
    {"kind": "pickle", "data": "gASVAAAA"},
    "not a dict",
])
def test_malformed_answers_are_invalid(raw):
    assert decode_answer(raw).kind == "invalid"


def test_probe_line_must_be_unique_and_json():
    nonce = new_nonce()
    line = json.dumps({"c": {"kind": "none"}})
    assert find_probe_line(f"noise\n{nonce}{line}\n", nonce) == line
    assert find_probe_line(f"{nonce}{line}\n{nonce}{line}\n", nonce) is None  # forged twice
    assert decode_probe_line("{not json", {"c": None})["c"].kind == "invalid"
    assert decode_probe_line(line, {"c": None, "d": None})["d"].kind == "missing"


def test_nan_and_infinity_survive_as_numbers():
    answer = _answer(np.array([np.nan, np.inf, -np.inf]))
    assert np.isnan(answer.values[0]) and answer.values[1] == np.inf


def test_kernel_code_leaves_no_names_behind():
    namespace = {"f": lambda: 1.0}
    exec(kernel_code({"c": Call("f")}, new_nonce()), namespace)
    assert set(namespace) - {"__builtins__"} == {"f"}


def test_the_kernel_prints_the_line_the_grader_computes_for_the_same_functions():
    """The one-line form sent to kernels runs the same probe as the grading process."""
    calls = {"a": Call("f", np.arange(6.0).reshape(2, 3)), "b": Call("g")}
    namespace = {"f": lambda x: x.T @ x, "g": lambda: (1, np.float32(2.5))}
    nonce, buffer = new_nonce(), io.StringIO()
    code = kernel_code(calls, nonce)
    assert code.count("\n") == 1  # one short line for IPython to parse
    with contextlib.redirect_stdout(buffer):
        exec(code, dict(namespace))
    assert buffer.getvalue().startswith(nonce)
    assert buffer.getvalue()[len(nonce):] == probe_in_process(calls, namespace)


def test_one_probe_sends_back_a_bounded_count_of_numbers():
    """A huge answer is "too large"; the other answers of the same probe still arrive, and
    the line stays far below the grader's message limit."""
    calls = {"huge": Call("huge"), "small": Call("small")}
    namespace = {"huge": lambda: np.zeros(MAX_ELEMENTS + 1), "small": lambda: np.ones(3)}
    line = probe_in_process(calls, namespace)
    answers = decode_probe_line(line, calls)
    assert answers["huge"].kind == "too_large" and answers["small"].kind == "array"
    assert len(line) < MAX_LINE
