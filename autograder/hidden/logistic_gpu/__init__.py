"""Hidden tests of Assignment 3 (logistic and softmax classification on GPU), and their helpers.

Every tensor input is a ``TensorArg(..., device="auto")``: the kernel creates it on its best
device (CUDA, then MPS, then CPU), and ``expect_tensor`` checks that each result comes back
on that device and in the inputs' dtype. Each question has float32 and float64 cases.

Tolerances are per dtype. float64 answers are compared tightly (a different but correct
order of operations changes the last few digits only); float32 answers to about 100 ulps
(float32's unit roundoff is 6e-8), which still tells a wrong formula from rounding.
"""

from __future__ import annotations

import numpy as np

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call, TensorArg
from lib.logistic import add_bias, synthetic

DTYPES = ("float64", "float32")


def tensor(array: np.ndarray, dtype: str) -> TensorArg:
    """A tensor argument created in the kernel on its best device."""
    return TensorArg(np.asarray(array, dtype=np.float64), dtype=dtype, device="auto")


def tensors(dtype: str, *arrays: np.ndarray) -> tuple[TensorArg, ...]:
    """Several tensor arguments of one dtype, created in the kernel on its best device."""
    return tuple(tensor(array, dtype) for array in arrays)


def softmax_calls(rng: np.random.Generator, function: str) -> dict[str, Call]:
    """The calls of the softmax loss and gradient questions (same inputs for both): random and
    huge logits in float64 and float32, and a ridge term."""
    Phi, Y, W = multiclass_problem(rng, 60, 4, 5)
    huge = huge_multiclass_problem(rng, 40, 4)
    return {
        "random64": Call(function, *tensors("float64", Phi, Y, W), 0.0),
        "random32": Call(function, *tensors("float32", Phi, Y, W), 0.0),
        "ridge64": Call(function, *tensors("float64", Phi, Y, W), 0.2),
        "huge64": Call(function, *tensors("float64", *huge), 0.0),
        "huge32": Call(function, *tensors("float32", *huge), 0.0),
    }


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

def multiclass_problem(rng: np.random.Generator, n: int, d: int,
                       K: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phi = [1, X] (n, d + 1) with standard normal X, one-hot targets Y (n, K) of random
    classes (every class present when n ≥ K), and standard normal weights W (d + 1, K)."""
    classes = rng.permutation(np.arange(n) % K)
    return add_bias(rng.normal(size=(n, d))), np.eye(K)[classes], rng.normal(size=(d + 1, K))


def huge_multiclass_problem(rng: np.random.Generator, n: int,
                            K: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logits U = ΦW of order 1e3 (e^u overflows in both dtypes), a row whose logits are all
    about −1e3 while another row reaches +1e3 (a softmax shifted by the matrix's maximum
    instead of each row's underflows to 0/0 there), and random one-hot targets."""
    X = 50.0 * rng.normal(size=(n, K))
    X[0] = 0.0
    X[0, 0] = 50.0
    X[1] = -rng.uniform(50.0, 60.0, size=K)
    order = rng.permutation(n)
    W = np.vstack([np.zeros((1, K)), 20.0 * np.eye(K)])
    return add_bias(X[order]), np.eye(K)[rng.integers(0, K, size=n)], W


def designed_logits(rng: np.random.Generator, logits: np.ndarray,
                    misclassified: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phi = [1, u] with w = (0, 1), so that the logits are exactly ``logits`` (in random order),
    and labels y = (u > 0) except for ``misclassified`` points whose label is flipped.

    Used where a verdict must not depend on the seed: a random problem may or may not reach a
    logit where a naive formula overflows; these always do, by construction.
    """
    u = rng.permutation(np.asarray(logits, dtype=np.float64))
    y = (u > 0).astype(np.float64)
    y[:misclassified] = 1.0 - y[:misclassified]
    return np.column_stack([np.ones_like(u), u]), y, np.array([0.0, 1.0])


def random_signs(rng: np.random.Generator, magnitudes: np.ndarray) -> np.ndarray:
    return np.asarray(magnitudes) * rng.choice([-1.0, 1.0], size=len(magnitudes))


def expect_scaled(answer, expected, *, what: str, dtype: str,
                  tol: dict[str, tuple[float, float]]) -> np.ndarray:
    """expect_tensor with atol relative to the largest expected entry (sums that may cancel)."""
    rtol, atol_scale = tol[dtype]
    scale = float(np.max(np.abs(expected.values), initial=0.0))
    return expect_tensor(answer, expected, what=what, dtype=dtype, rtol=rtol,
                         atol=atol_scale * scale)


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
