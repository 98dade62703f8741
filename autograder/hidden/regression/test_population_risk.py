"""Q4(b): population_risk(w, noise) -> ½∫₀¹(f_w(x) − sin 2πx)² dx + noise²/2."""

import numpy as np

from autograder.grading.checks import expect_scalar
from autograder.grading.probe import Call
from lib.data import true_function

# Gauss-Legendre with 64 nodes and scipy's quad agree to ~1e-15 relative; the question asks
# for 7 significant digits (a Riemann sum on 1e6 points reaches ~1e-9 on these fits), and
# a missing term or factor is off by ≥ 1e-2 relative, a Monte Carlo average by ~1e-2.
TOL = {"rtol": 1e-7, "atol": 0.0}

# The main correctness check: partial credit needs it.
MAIN = ("test_cubic_fit",)


def _fit(rng, n, M):
    """Least-squares weights of a degree M - 1 polynomial on n noisy sinusoid samples.

    One x in each of n equal cells of [0, 1]: no wide gap, so even the over-fitted model's
    population risk stays moderate (≤ 1e3), and a missing σ²/2 always shows.
    """
    x = (np.arange(n) + rng.uniform(size=n)) / n
    y = true_function(x) + 0.3 * rng.normal(size=n)
    return np.linalg.lstsq(x[:, None] ** np.arange(M), y, rcond=None)[0]


def calls(rng):
    return {
        "cubic": Call("population_risk", _fit(rng, 15, 4), 0.3),
        "line": Call("population_risk", _fit(rng, 15, 2), float(rng.uniform(0.05, 1.0))),
        "overfit": Call("population_risk", _fit(rng, 12, 10), 0.3),
        "constant": Call("population_risk", np.array([rng.normal()]), 0.0),
    }


def test_cubic_fit(student, reference):
    expect_scalar(student["cubic"], reference["cubic"],
                  what="a cubic (M = 4) fitted to 15 points, noise 0.3", **TOL)


def test_line_and_other_noise(student, reference):
    expect_scalar(student["line"], reference["line"],
                  what="a straight line (M = 2), another noise level", **TOL)


def test_overfitted_model(student, reference):
    expect_scalar(student["overfit"], reference["overfit"],
                  what="M = 10 fitted to 12 points (large weights, a wild curve)", **TOL)


def test_constant_model_without_noise(student, reference):
    expect_scalar(student["constant"], reference["constant"],
                  what="a constant model (M = 1), noise 0", **TOL)
