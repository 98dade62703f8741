"""Q4: select_degree(x_train, y_train, x_val, y_val, Ms) -> (train_risk, val_risk, best_M)."""

import numpy as np

from autograder.grading.checks import expect_array, expect_items, expect_scalar
from autograder.grading.probe import Call
from lib.data import sinusoid

TOL = {"rtol": 1e-6, "atol": 1e-10}  # high-degree fits amplify rounding differences


def _sinusoid(rng, n):
    return sinusoid(n, noise=0.3, seed=int(rng.integers(2**31)))

# The main correctness check: partial credit needs it.
MAIN = ("test_small_sets",)


def calls(rng):
    x_train, y_train = _sinusoid(rng, 15)
    x_val, y_val = _sinusoid(rng, 15)
    x_big, y_big = _sinusoid(rng, 40)
    x_vbig, y_vbig = _sinusoid(rng, 20)
    return {
        "small": Call("select_degree", x_train, y_train, x_val, y_val, np.arange(1, 11)),
        "unordered": Call("select_degree", x_big, y_big, x_vbig, y_vbig,
                          np.array([9, 2, 6, 4, 1])),
    }


def _check(student, reference, name, what):
    got = expect_items(student[name], 3, what=what)
    want = reference[name].items
    expect_array(got[0], want[0], what=f"{what}: training risks", **TOL)
    expect_array(got[1], want[1], what=f"{what}: validation risks", **TOL)
    expect_scalar(got[2], want[2], what=f"{what}: selected M", rtol=0, atol=0)


def test_small_sets(student, reference):
    _check(student, reference, "small", "15 training and 15 validation points, M = 1..10")


def test_unordered_candidates(student, reference):
    _check(student, reference, "unordered",
           "40 training and 20 validation points, candidates M = [9, 2, 6, 4, 1]")
