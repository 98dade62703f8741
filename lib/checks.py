"""Visible sanity checks that students run in their notebooks.

They print ``✔ what`` on success and raise ``AssertionError`` with what was checked and
how far off the answer was. They are a convenience for the student only: grading is
decided by the hidden tests, outside the student's kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def check_close(actual: Any, expected: Any, what: str, rtol: float = 1e-6,
                atol: float = 1e-9) -> None:
    """Check ``actual`` ≈ ``expected`` elementwise: |a − e| ≤ atol + rtol·|e|."""
    a, e = _as_array(actual), _as_array(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{what}: shape {a.shape}, expected {e.shape}")
    if not np.all(np.isfinite(a)):
        raise AssertionError(f"{what}: result contains NaN or infinity")
    err = np.abs(a - e)
    if not np.all(err <= atol + rtol * np.abs(e)):
        raise AssertionError(f"{what}: max absolute error {err.max():.3g} "
                             f"(tolerance rtol={rtol:g}, atol={atol:g}); got {a}, expected {e}")
    print(f"✔ {what}")


def check_shape(actual: Any, shape: tuple[int, ...], what: str) -> None:
    """Check that ``actual`` has exactly ``shape``."""
    got = tuple(np.shape(actual)) if not hasattr(actual, "shape") else tuple(actual.shape)
    if got != tuple(shape):
        raise AssertionError(f"{what}: shape {got}, expected {tuple(shape)}")
    print(f"✔ {what}: shape {got}")


def check_true(condition: bool, what: str) -> None:
    """Check that ``condition`` holds."""
    if not condition:
        raise AssertionError(f"{what}: not satisfied")
    print(f"✔ {what}")


def check_raises(call: Callable[[], Any], error: type[Exception], what: str) -> None:
    """Check that ``call()`` raises ``error`` (e.g. ``ValueError`` for an invalid input)."""
    try:
        call()
    except error:
        print(f"✔ {what}: raises {error.__name__}")
        return
    except Exception as exc:  # any other exception is the failure to report
        raise AssertionError(f"{what}: raised {type(exc).__name__} ({exc}), "
                             f"expected {error.__name__}") from exc
    raise AssertionError(f"{what}: returned normally, expected {error.__name__} to be raised")
