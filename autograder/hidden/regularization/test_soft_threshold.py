"""Q5(a): soft_threshold(v, t) -> sign(v)·max(|v| − t, 0) of the shape of v."""

import numpy as np

from autograder.grading.checks import expect_array
from autograder.grading.probe import Call

TOL = {"rtol": 1e-12, "atol": 1e-15}  # one subtraction per entry: exact up to rounding

# The main correctness check: partial credit needs it.
MAIN = ("test_random",)


def calls(rng):
    t = float(rng.uniform(0.2, 1.5))
    edge = 0.7
    return {
        "random": Call("soft_threshold", 2.0 * rng.normal(size=20), t),
        "zero_threshold": Call("soft_threshold", rng.normal(size=8), 0.0),
        "at_threshold": Call("soft_threshold", np.array([edge, -edge, 2 * edge, -0.5 * edge, 0.0,
                                                         -3 * edge]), edge),
        "large_threshold": Call("soft_threshold", rng.normal(size=6), 100.0),
    }


def test_random(student, reference):
    expect_array(student["random"], reference["random"],
                 what="20 random entries, random t", **TOL)


def test_zero_threshold(student, reference):
    expect_array(student["zero_threshold"], reference["zero_threshold"],
                 what="t = 0 (the identity)", **TOL)


def test_at_threshold(student, reference):
    expect_array(student["at_threshold"], reference["at_threshold"],
                 what="entries ±t, ±2t, ±t/2, 0 and −3t", **TOL)


def test_large_threshold(student, reference):
    expect_array(student["large_threshold"], reference["large_threshold"],
                 what="t larger than every entry (all zeros)", **TOL)
