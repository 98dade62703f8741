"""Assertions for hidden tests, with messages written for students.

A failed check raises :class:`CheckFailed`; its message is the only thing of a hidden test
a student ever sees: what was checked and how far off the answer was, e.g.
``fit on a random 40x6 problem: max relative error 0.31 (tolerance 1e-08)``. It never
contains the expected values or the test source.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograder.grading.answers import Answer


class CheckFailed(AssertionError):
    """A hidden check failed; ``str(exc)`` is safe to show the student."""


def fail(message: str) -> None:
    raise CheckFailed(message)


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        fail(message)


def _values(expected: Answer | np.ndarray | float) -> np.ndarray:
    if isinstance(expected, Answer):
        if expected.values is None:
            raise RuntimeError(f"reference answer is {expected.describe()}")
        return expected.values
    return np.asarray(expected, dtype=np.float64)


def _returned(answer: Answer, kinds: Iterable[str], what: str, wanted: str) -> None:
    if answer.kind in ("error", "missing", "invalid", "other", "none", "too_large"):
        fail(f"{what}: returned {answer.describe()}, expected {wanted}")
    if answer.kind not in kinds:
        fail(f"{what}: returned {answer.describe()}, expected {wanted}")
    if not answer.exact_type:
        fail(f"{what}: returned a subclass of {answer.kind}; return a plain {wanted}")


def expect_close_values(actual: np.ndarray, expected: np.ndarray, *, what: str,
                        rtol: float, atol: float = 0.0) -> None:
    """Elementwise |actual − expected| ≤ atol + rtol·|expected|, with NaN/inf reported."""
    if actual.shape != expected.shape:
        fail(f"{what}: shape {actual.shape} expected {expected.shape}")
    finite = np.isfinite(expected)
    if not np.array_equal(np.isfinite(actual), finite):
        bad = int(np.sum(np.isfinite(actual) != finite))
        fail(f"{what}: {bad} entries are NaN or infinite where finite values were expected"
             if np.all(finite) else f"{what}: NaN/infinite entries do not match")
    if not np.array_equal(actual[~finite], expected[~finite]):
        fail(f"{what}: infinite entries have the wrong sign")
    a, e = actual[finite], expected[finite]
    if a.size == 0:
        return
    err = np.abs(a - e)
    if np.all(err <= atol + rtol * np.abs(e)):
        return
    scale = max(float(np.max(np.abs(e))), np.finfo(float).tiny)
    fail(f"{what}: max relative error {float(np.max(err)) / scale:.3g}, "
         f"max absolute error {float(np.max(err)):.3g} "
         f"(tolerance rtol={rtol:g}, atol={atol:g}); "
         f"{int(np.sum(err > atol + rtol * np.abs(e)))} of {e.size} entries off")


def array_values(answer: Answer, shape: tuple[int, ...], *, what: str) -> np.ndarray:
    """The answer is a NumPy array of ``shape`` with finite entries; returns its values."""
    _returned(answer, ("array",), what, "a NumPy array")
    assert answer.values is not None
    expect(answer.values.shape == tuple(shape),
           f"{what}: shape {answer.values.shape} expected {tuple(shape)}")
    expect(bool(np.all(np.isfinite(answer.values))), f"{what}: result contains NaN or infinity")
    return answer.values


def expect_array(answer: Answer, expected: Answer | np.ndarray, *, what: str, rtol: float,
                 atol: float = 0.0, dtypes: Iterable[str] | None = None) -> np.ndarray:
    """The answer is a NumPy array of the expected shape, close to ``expected``.

    ``dtypes`` restricts the accepted dtypes (e.g. ``("float64",)``); by default any
    numeric dtype passes. Returns the answer's values (float64).
    """
    _returned(answer, ("array",), what, "a NumPy array")
    assert answer.values is not None
    if dtypes is not None and answer.dtype not in set(dtypes):
        fail(f"{what}: dtype {answer.dtype} expected one of {', '.join(dtypes)}")
    expect_close_values(answer.values, _values(expected), what=what, rtol=rtol, atol=atol)
    return answer.values


def expect_tensor(answer: Answer, expected: Answer | np.ndarray, *, what: str, rtol: float,
                  atol: float = 0.0, dtype: str | None = None) -> np.ndarray:
    """The answer is a ``torch.Tensor`` on its inputs' device, of ``dtype``, close to expected."""
    _returned(answer, ("tensor",), what, "a torch.Tensor")
    assert answer.values is not None
    if answer.input_device is not None and answer.device is not None and \
            answer.device.split(":")[0] != answer.input_device.split(":")[0]:
        fail(f"{what}: the result is on {answer.device} but the inputs were on "
             f"{answer.input_device}; create tensors on the inputs' device")
    if dtype is not None and answer.dtype != dtype:
        fail(f"{what}: dtype {answer.dtype} expected {dtype} (the inputs' dtype)")
    expect_close_values(answer.values, _values(expected), what=what, rtol=rtol, atol=atol)
    return answer.values


def expect_scalar(answer: Answer, expected: Answer | float, *, what: str, rtol: float,
                  atol: float = 0.0) -> float:
    """The answer is one number (Python, NumPy or 0-d array/tensor) close to ``expected``."""
    if answer.kind in ("array", "tensor") and answer.values is not None and \
            answer.values.shape == ():
        value = answer.values
    else:
        _returned(answer, ("scalar",), what, "a number")
        assert answer.values is not None
        value = answer.values
    if not answer.exact_type:
        fail(f"{what}: returned a subclass of {answer.kind}; return a plain number")
    expect_close_values(np.asarray(value), _values(expected).reshape(()), what=what,
                        rtol=rtol, atol=atol)
    return float(value)


def expect_items(answer: Answer, count: int, *, what: str) -> tuple[Answer, ...]:
    """The answer is a tuple (or list) of ``count`` items; returns them."""
    _returned(answer, ("tuple", "list"), what, f"a tuple of {count} values")
    expect(len(answer.items) == count,
           f"{what}: returned {len(answer.items)} values, expected {count}")
    return answer.items


def expect_raises(answer: Answer, errors: Iterable[str], *, what: str) -> None:
    """The call raised one of ``errors`` (exception class names)."""
    names = tuple(errors)
    if answer.kind == "error" and answer.error in names:
        return
    fail(f"{what}: expected {' or '.join(names)} to be raised, but the function "
         f"{'returned ' + answer.describe() if answer.kind != 'error' else answer.describe()}")


def expect_unchanged(answer: Answer, original: Answer, *, argument: str, what: str) -> None:
    """``answer`` (a ``Call(..., echo=i)``) shows the argument unchanged by the call."""
    _returned(answer, ("array", "tensor"), f"{what}: {argument} after the call",
              "the argument itself")
    assert answer.values is not None
    before = _values(original)
    changed = answer.values.shape != before.shape or not np.array_equal(answer.values, before)
    if changed:
        size = float(np.max(np.abs(answer.values - before))) \
            if answer.values.shape == before.shape else float("nan")
        fail(f"{what}: the function changed its argument {argument} in place (largest change "
             f"{size:.3g}); the caller's {argument} must not be modified, work on a copy")
