"""Q1(b): cross_entropy(Phi, y, w, lam) -> 0-d tensor, mean cross-entropy + (lam/2)||w||²."""

import numpy as np

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import (
    classification_problem,
    designed_logits,
    random_signs,
    tensor,
)

# The softplus form is accurate to a few ulps of the loss; float32 sums of 50 terms lose
# a little more, hence rtol 1e-5 there.
TOL = {"float64": {"rtol": 1e-11, "atol": 1e-14}, "float32": {"rtol": 1e-5, "atol": 1e-6}}


def _args(Phi, y, w, lam, dtype):
    return tensor(Phi, dtype), tensor(y, dtype), tensor(w, dtype), lam


def _extreme(rng):
    """Logits of magnitude 1e2..1e4, a third of the points misclassified."""
    Phi, y = classification_problem(rng, 30, 2)
    w = np.array([0.0, 1.0, 0.0])
    Phi[:, 1] = rng.choice([-1.0, 1.0], size=30) * 10 ** rng.uniform(2, 4, size=30)
    y = (Phi[:, 1] > 0).astype(np.float64)
    y[:10] = 1 - y[:10]
    return Phi, y, w


# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 50, 4)
    w = rng.normal(size=5)
    Phi_e, y_e, w_e = _extreme(rng)
    # |u| from 20 to 100, some above 88.7 (e^u overflows in float32) and a third misclassified:
    # 1 − σ(u) rounds to 0 in float32 for every u > 17, so log(1 − μ) is −inf on every seed.
    logits = np.concatenate([random_signs(rng, rng.uniform(20, 80, 12)),
                             rng.uniform(90, 100, 2), -rng.uniform(90, 100, 2)])
    Phi_m, y_m, w_m = designed_logits(rng, logits, 5)
    return {
        "random64": Call("cross_entropy", *_args(Phi, y, w, 0.0, "float64")),
        "random32": Call("cross_entropy", *_args(Phi, y, w, 0.0, "float32")),
        "ridge64": Call("cross_entropy", *_args(Phi, y, w, 0.3, "float64")),
        "extreme64": Call("cross_entropy", *_args(Phi_e, y_e, w_e, 0.0, "float64")),
        "extreme32": Call("cross_entropy", *_args(Phi_e, y_e, w_e, 0.0, "float32")),
        "large32": Call("cross_entropy", *_args(Phi_m, y_m, w_m, 0.0, "float32")),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"],
                  what="loss of a random 50x5 problem, float64", dtype="float64", **TOL["float64"])


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"],
                  what="loss of a random 50x5 problem, float32", dtype="float32", **TOL["float32"])


def test_ridge_term(student, reference):
    expect_tensor(student["ridge64"], reference["ridge64"],
                  what="loss with ridge term lam = 0.3, float64", dtype="float64", **TOL["float64"])


def test_huge_logits_float64(student, reference):
    expect_tensor(student["extreme64"], reference["extreme64"],
                  what="|u| from 1e2 to 1e4 with misclassified points, float64", dtype="float64",
                  **TOL["float64"])


def test_huge_logits_float32(student, reference):
    expect_tensor(student["extreme32"], reference["extreme32"],
                  what="|u| from 1e2 to 1e4 with misclassified points, float32", dtype="float32",
                  **TOL["float32"])


def test_large_logits_float32(student, reference):
    expect_tensor(student["large32"], reference["large32"],
                  what="|u| of order 20-100, float32", dtype="float32", **TOL["float32"])
