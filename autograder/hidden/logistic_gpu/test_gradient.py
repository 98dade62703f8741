"""Q2: gradient(Phi, y, w, lam) -> tensor (M,), Phi.T (μ − y) / N + lam w."""

import numpy as np

from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import classification_problem, expect_scaled, tensor

# Entries are sums of N terms that may cancel: the absolute tolerance is relative to the
# largest entry (ATOL_SCALE · max|∇E|); rtol covers the entries that do not cancel.
TOL = {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}
# At |u| up to 1e4, autograd of torch's softplus (which returns u itself for u > 20) is off by
# up to e^-20 ≈ 2e-9 relative: still right, so 1e-8 there; every mistake is off by a factor.
HUGE_TOL = {"float64": (1e-8, 1e-9), "float32": (1e-4, 1e-5)}


def _check(student, reference, name, what, dtype, tol=TOL):
    expect_scaled(student[name], reference[name], what=what, dtype=dtype, tol=tol)


def _args(Phi, y, w, lam, dtype):
    return tensor(Phi, dtype), tensor(y, dtype), tensor(w, dtype), lam


# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 60, 5)
    w = rng.normal(size=6)
    Phi_e, y_e = classification_problem(rng, 30, 2)
    Phi_e[:, 1:] *= 10 ** rng.uniform(2, 4, size=(30, 1))  # logits up to ~1e4
    w_e = np.array([0.5, 1.0, -1.0])
    return {
        "random64": Call("gradient", *_args(Phi, y, w, 0.0, "float64")),
        "random32": Call("gradient", *_args(Phi, y, w, 0.0, "float32")),
        "ridge64": Call("gradient", *_args(Phi, y, w, 0.3, "float64")),
        "extreme64": Call("gradient", *_args(Phi_e, y_e, w_e, 0.0, "float64")),
        "extreme32": Call("gradient", *_args(Phi_e, y_e, w_e, 0.0, "float32")),
    }


def test_random_float64(student, reference):
    _check(student, reference, "random64", "gradient of a random 60x6 problem, float64", "float64")


def test_random_float32(student, reference):
    _check(student, reference, "random32", "gradient of a random 60x6 problem, float32", "float32")


def test_ridge_term(student, reference):
    _check(student, reference, "ridge64", "gradient with ridge term lam = 0.3, float64", "float64")


def test_huge_logits_float64(student, reference):
    _check(student, reference, "extreme64", "gradient at |u| up to 1e4, float64", "float64",
           HUGE_TOL)


def test_huge_logits_float32(student, reference):
    _check(student, reference, "extreme32", "gradient at |u| up to 1e4, float32", "float32",
           HUGE_TOL)
