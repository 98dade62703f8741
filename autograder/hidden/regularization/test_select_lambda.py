"""Q2(a): select_lambda(Phi_train, y_train, Phi_val, y_val, lams) -> (val_risk, best_lam)."""

import numpy as np

from autograder.grading.checks import expect_array, expect_items, expect_scalar
from autograder.grading.probe import Call
from lib.data import sinusoid
from lib.regularization import gaussian_basis

TOL = {"rtol": 1e-7, "atol": 1e-12}  # ridge fits on small λ amplify rounding a little


def _sinusoid(rng, n):
    return sinusoid(n, noise=0.3, seed=int(rng.integers(2**31)))

# The main correctness check: partial credit needs it.
MAIN = ("test_unordered_candidates",)


def calls(rng):
    x_t, y_t = _sinusoid(rng, 12)
    x_v, y_v = _sinusoid(rng, 30)
    Phi_t = rng.normal(size=(25, 8))
    w = rng.normal(size=8)
    Phi_v = rng.normal(size=(20, 8))
    return {
        "bumps": Call("select_lambda", gaussian_basis(x_t, 40), y_t, gaussian_basis(x_v, 40), y_v,
                      np.logspace(-8, 1, 19)),
        "unordered": Call("select_lambda", Phi_t, Phi_t @ w + rng.normal(size=25), Phi_v,
                          Phi_v @ w + rng.normal(size=20), np.array([3.0, 1e-3, 0.3, 30.0, 0.03])),
    }


def _check(student, reference, name, what):
    got = expect_items(student[name], 2, what=what)
    want = reference[name].items
    expect_array(got[0], want[0], what=f"{what}: validation risks", **TOL)
    expect_scalar(got[1], want[1], what=f"{what}: selected λ", rtol=1e-12)


def testgaussian_basis(student, reference):
    _check(student, reference, "bumps",
           "12 training and 30 validation points, 40 Gaussian bumps, λ = 1e-8..10")


def test_unordered_candidates(student, reference):
    _check(student, reference, "unordered",
           "random 25x8 problem, candidates λ = [3, 1e-3, 0.3, 30, 0.03]")
