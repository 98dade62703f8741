"""Q2(b): gaussian_design(x, centers, s) -> Phi of shape (N, M), M = len(centers) + 1."""

import numpy as np

from autograder.grading.checks import expect_array
from autograder.grading.probe import Call

TOL = {"rtol": 1e-12, "atol": 1e-300, "dtypes": ("float64",)}

# The main correctness check: partial credit needs it.
MAIN = ("test_random_width",)


def calls(rng):
    return {
        "bishop": Call("gaussian_design", rng.uniform(0.0, 1.0, size=20), np.linspace(0, 1, 9),
                       0.1),
        "random_width": Call("gaussian_design", rng.normal(size=15), rng.normal(size=4),
                             float(rng.uniform(0.3, 2.0))),
        "one_center": Call("gaussian_design", rng.uniform(-1, 1, size=6), np.array([0.25]), 0.5),
        "no_data": Call("gaussian_design", np.zeros(0), np.linspace(0, 1, 3), 0.2),
    }


def test_bishop_basis(student, reference):
    expect_array(student["bishop"], reference["bishop"],
                 what="20 points, 9 centers in [0, 1], s = 0.1", **TOL)


def test_random_width(student, reference):
    expect_array(student["random_width"], reference["random_width"],
                 what="15 points, 4 random centers, random width s", **TOL)


def test_one_center(student, reference):
    expect_array(student["one_center"], reference["one_center"],
                 what="one center (M = 2)", **TOL)


def test_no_data(student, reference):
    expect_array(student["no_data"], reference["no_data"], what="N = 0 points, 3 centers", **TOL)
