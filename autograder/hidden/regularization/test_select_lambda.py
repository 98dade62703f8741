"""Q2(a): select_lambda(Phi_train, y_train, Phi_val, y_val, lams) -> (val_risk, best_lam)."""

import numpy as np

from autograder.grading.checks import expect_array, expect_items, expect_scalar
from autograder.grading.probe import Call
from lib.data import sinusoid
from lib.regularization import gaussian_basis

# λ ≥ 1e-6 keeps every ridge system well conditioned enough that any stable solver, and
# even an inverse, gives the risks to ~1e-7 relative; a wrong risk is off by ≥ 1e-2.
TOL = {"rtol": 1e-5, "atol": 1e-12, "dtypes": ("float64",)}

# The main correctness check: partial credit needs it.
MAIN = ("test_lecture_example",)


def calls(rng):
    x_t, y_t = sinusoid(12, noise=0.3, seed=int(rng.integers(2**31)))
    x_v, y_v = sinusoid(30, noise=0.3, seed=int(rng.integers(2**31)))
    Phi_t, Phi_v = rng.normal(size=(25, 8)), rng.normal(size=(20, 8))
    # Training targets that are pure noise and validation targets 0: the smallest λ fits
    # the noise best and predicts worst, on every seed (measured margin ≥ 900x).
    return {
        "bumps": Call("select_lambda", gaussian_basis(x_t, 40), y_t, gaussian_basis(x_v, 40), y_v,
                      np.logspace(-6, 1, 15)),
        "noise": Call("select_lambda", Phi_t, rng.normal(size=25), Phi_v, np.zeros(20),
                      np.array([3.0, 1e-3, 0.3, 30.0, 0.03])),
    }


def test_lecture_example(student, reference):
    """12 noisy samples of sin(2πx), 40 Gaussian bumps, λ = 1e-6..10: the validation risks."""
    what = "12 training and 30 validation points, 40 Gaussian bumps, λ = 1e-6..10"
    got = expect_items(student["bumps"], 2, what=what)
    expect_array(got[0], reference["bumps"].items[0], what=f"{what}: validation risks", **TOL)


def test_selection(student, reference):
    """Pure-noise training targets, zero validation targets: the risks and the λ selected."""
    what = "pure-noise training targets, zero validation targets, λ = [3, 1e-3, 0.3, 30, 0.03]"
    got = expect_items(student["noise"], 2, what=what)
    want = reference["noise"].items
    expect_array(got[0], want[0], what=f"{what}: validation risks", **TOL)
    expect_scalar(got[1], want[1], what=f"{what}: selected λ", rtol=1e-12)
