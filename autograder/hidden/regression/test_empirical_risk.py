"""Q3(a): empirical_risk(Phi, y, w) -> float, ||Phi w - y||² / (2N)."""

import numpy as np

from autograder.grading.checks import expect_scalar
from autograder.grading.probe import Call

TOL = {"rtol": 1e-10, "atol": 1e-12}

# The main correctness check: partial credit needs it.
MAIN = ("test_random",)


def calls(rng):
    Phi = rng.normal(size=(40, 5))
    w = rng.normal(size=5)
    exact = rng.normal(size=(8, 3))
    w_exact = rng.normal(size=3)
    return {
        "random": Call("empirical_risk", Phi, rng.normal(size=40), w),
        "exact_fit": Call("empirical_risk", exact, exact @ w_exact, w_exact),
        "single_point": Call("empirical_risk", np.array([[1.0, 2.0]]), np.array([4.0]),
                             np.array([0.5, 0.5])),
    }


def test_random(student, reference):
    expect_scalar(student["random"], reference["random"],
                  what="risk of a random 40x5 problem", **TOL)


def test_exact_fit(student, reference):
    expect_scalar(student["exact_fit"], reference["exact_fit"],
                  what="risk of an exact fit (should be 0)", **TOL)


def test_single_point(student, reference):
    expect_scalar(student["single_point"], reference["single_point"],
                  what="risk on a single point (N = 1)", **TOL)
