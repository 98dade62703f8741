"""Q2(a): polynomial_design(x, M) -> Phi of shape (N, M)."""

import numpy as np

from autograder.grading.checks import expect_array
from autograder.grading.probe import Call

# Powers are exact up to rounding; Phi is documented float64.
TOL = {"rtol": 1e-12, "atol": 1e-300, "dtypes": ("float64",)}

# The main correctness check: partial credit needs it.
MAIN = ("test_random",)


def calls(rng):
    return {
        "random": Call("polynomial_design", rng.uniform(0.0, 1.0, size=25), 6),
        "negative": Call("polynomial_design", rng.uniform(-2.0, 2.0, size=12), 5),
        "constant_only": Call("polynomial_design", rng.normal(size=7), 1),
        "no_data": Call("polynomial_design", np.zeros(0), 4),
    }


def test_random(student, reference):
    expect_array(student["random"], reference["random"],
                 what="25 points in [0, 1], M = 6", **TOL)


def test_negative_inputs(student, reference):
    expect_array(student["negative"], reference["negative"],
                 what="12 points in [-2, 2], M = 5", **TOL)


def test_bias_only(student, reference):
    expect_array(student["constant_only"], reference["constant_only"],
                 what="M = 1 (only the bias column φ0 = 1)", **TOL)


def test_no_data(student, reference):
    expect_array(student["no_data"], reference["no_data"], what="N = 0 points, M = 4", **TOL)
