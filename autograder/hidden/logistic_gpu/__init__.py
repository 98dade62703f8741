"""Hidden tests of Assignment 3 (logistic classification on GPU), and their shared helpers.

Every tensor input is a ``TensorArg(..., device="auto")``: the kernel creates it on its best
device (CUDA, then MPS, then CPU), and ``expect_tensor`` checks that each result comes back
on that device and in the inputs' dtype. Each question has float32 and float64 cases.

Tolerances are per dtype. float64 answers are compared tightly (a different but correct
order of operations changes the last few digits only); float32 answers to about 100 ulps
(float32's unit roundoff is 6e-8), which still tells a wrong formula from rounding.
"""

from __future__ import annotations

import numpy as np

from autograder.grading.probe import TensorArg
from lib.logistic import add_bias, synthetic

DTYPES = ("float64", "float32")


def tensor(array: np.ndarray, dtype: str) -> TensorArg:
    """A tensor argument created in the kernel on its best device."""
    return TensorArg(np.asarray(array, dtype=np.float64), dtype=dtype, device="auto")


def values_of(arg: TensorArg) -> np.ndarray:
    """The numbers a TensorArg carries, rounded to its dtype, as float64 (for oracles)."""
    return np.asarray(arg.array, dtype=arg.dtype).astype(np.float64)


def classification_problem(rng: np.random.Generator, n: int, d: int, *, separable: bool = False,
                           scale: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix Phi = [1, X] of shape (n, d + 1) and labels y in {0, 1} of shape (n,).

    The course's own generator (lib.logistic.synthetic), seeded from ``rng``.
    """
    X, y = synthetic(n, d, separable=separable, seed=int(rng.integers(2**31)), scale=scale)
    return add_bias(X), y

def np_sigmoid(u: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -u))


def np_loss(Phi: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    u = Phi @ w
    return float(np.mean(np.logaddexp(0.0, u) - y * u) + 0.5 * lam * (w @ w))


def np_gradient(Phi: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    return Phi.T @ (np_sigmoid(Phi @ w) - y) / len(y) + lam * w


def np_hessian(Phi: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    mu = np_sigmoid(Phi @ w)
    return (Phi * (mu * (1 - mu))[:, None]).T @ Phi / Phi.shape[0] + lam * np.eye(Phi.shape[1])
