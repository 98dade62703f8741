"""Q4(a): select_degree(x_train, y_train, x_val, y_val, Ms) -> (train_risk, val_risk, best_M)."""

import numpy as np

from autograder.grading.checks import expect_array, expect_items, expect_scalar
from autograder.grading.probe import Call
from lib.data import sinusoid, true_function

# Polynomials up to M = 7 keep cond(ΦᵀΦ) below ~1e9: every fit, stable or not (SVD, lstsq,
# np.polyfit, even the normal equations), gives the risks to ≤ 1e-5 relative, so a Q3(b)
# mistake costs points in Q3(b) only; a wrong risk or selection is off by ≥ 1e-1.
TOL = {"rtol": 1e-3, "atol": 1e-10, "dtypes": ("float64",)}

# The main correctness check: partial credit needs it.
MAIN = ("test_small_sets",)


def _validation(rng, n):
    """Validation points reaching 0.5 beyond [0, 1] on both sides: there an over-fitted
    polynomial is at its wildest, so the largest M never has the smallest validation risk
    (and choosing M by training risk fails on every seed; measured margin ≥ 1.5x)."""
    x = rng.uniform(-0.5, 1.5, size=n)
    return x, true_function(x) + 0.3 * rng.normal(size=n)


def calls(rng):
    x_train, y_train = sinusoid(15, noise=0.3, seed=int(rng.integers(2**31)))
    x_val, y_val = _validation(rng, 30)
    x_other, y_other = sinusoid(16, noise=0.3, seed=int(rng.integers(2**31)))
    x_vother, y_vother = _validation(rng, 30)
    return {
        "small": Call("select_degree", x_train, y_train, x_val, y_val, np.arange(1, 8)),
        "unordered": Call("select_degree", x_other, y_other, x_vother, y_vother,
                          np.array([7, 2, 5, 3, 1])),
    }


def _check(student, reference, name, what):
    got = expect_items(student[name], 3, what=what)
    want = reference[name].items
    expect_array(got[0], want[0], what=f"{what}: training risks", **TOL)
    expect_array(got[1], want[1], what=f"{what}: validation risks", **TOL)
    expect_scalar(got[2], want[2], what=f"{what}: selected M", rtol=0, atol=0)


def test_small_sets(student, reference):
    _check(student, reference, "small",
           "15 training points, 30 validation points in [-0.5, 1.5], M = 1..7")


def test_unordered_candidates(student, reference):
    _check(student, reference, "unordered",
           "16 training points, 30 validation points in [-0.5, 1.5], M = [7, 2, 5, 3, 1]")
