"""Q1: fit_simple_linear(x, y) -> (w0, w1)."""

import numpy as np

from autograder.grading.checks import expect_items, expect_raises, expect_scalar
from autograder.grading.probe import Call

TOL = {"rtol": 1e-9, "atol": 1e-9}  # closed form in float64: agreement to ~1e-12 expected

# The main correctness check: partial credit needs it.
MAIN = ("test_random_line",)


def calls(rng):
    x = rng.normal(0.0, 2.0, size=30)
    timestamps = 1.7e9 + 60.0 * np.arange(20)  # Unix times: the expanded sums cancel
    return {
        "housing": Call("fit_simple_linear", np.array([2021.0, 2022.0, 2023.0]),
                        np.array([2.0, 3.0, 4.0])),
        "random": Call("fit_simple_linear", x,
                       rng.normal() + rng.normal() * x + 0.3 * rng.normal(size=30)),
        "timestamps": Call("fit_simple_linear", timestamps,
                           5.0 + 1e-3 * (timestamps - 1.7e9) + 0.1 * rng.normal(size=20)),
        "two_points": Call("fit_simple_linear", np.array([1.0, 3.0]), np.array([2.0, 6.0])),
        "constant_x": Call("fit_simple_linear", np.full(5, 2.5), rng.normal(size=5)),
    }


def _check_line(student, reference, name, what, tol=TOL):
    got = expect_items(student[name], 2, what=what)
    want = reference[name].items
    expect_scalar(got[0], want[0], what=f"{what}, intercept w0", **tol)
    expect_scalar(got[1], want[1], what=f"{what}, slope w1", **tol)


def test_housing(student, reference):
    _check_line(student, reference, "housing", "the lecture's housing table")


def test_random_line(student, reference):
    _check_line(student, reference, "random", "a random noisy line of 30 points")


def test_timestamps(student, reference):
    # Centered sums keep ~8 digits here; the expanded form Σxy − N·x̄·ȳ keeps none.
    _check_line(student, reference, "timestamps", "inputs that are Unix timestamps (x ≈ 1.7e9)",
                tol={"rtol": 1e-6, "atol": 1e-9})


def test_two_points(student, reference):
    _check_line(student, reference, "two_points", "a line through exactly two points")


def test_constant_x(student):
    expect_raises(student["constant_x"], ["ValueError"], what="all x equal (slope undefined)")
