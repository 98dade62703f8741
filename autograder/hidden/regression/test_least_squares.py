"""Q3(b): fit_least_squares(Phi, y) -> minimum-norm least-squares w of shape (M,)."""

import numpy as np

from autograder.grading.checks import array_values, expect, expect_array
from autograder.grading.probe import Call

# lstsq (SVD) reaches ~cond(Phi)·eps relative accuracy in w; the normal equations
# reach ~cond(Phi)²·eps, which is what the ill-conditioned case is there to tell apart.
TOL = {"rtol": 1e-8, "atol": 1e-10, "dtypes": ("float64",)}


def _poly(x, M):
    return x[:, None] ** np.arange(M)


# The main correctness check: partial credit needs it.
MAIN = ("test_full_rank",)


def calls(rng):
    repeated = np.repeat(rng.uniform(-1, 1, size=3), [7, 7, 6])  # 20 points, 3 distinct
    x_ill = np.sort(rng.uniform(0, 1, size=30))
    return {
        "tall": Call("fit_least_squares", rng.normal(size=(40, 6)), rng.normal(size=40)),
        "wide": Call("fit_least_squares", rng.normal(size=(8, 15)), rng.normal(size=8)),
        "repeated": Call("fit_least_squares", _poly(repeated, 5), rng.normal(size=20)),
        "ill_conditioned": Call("fit_least_squares", _poly(x_ill, 12),
                                np.sin(2 * np.pi * x_ill) + 0.1 * rng.normal(size=30)),
    }


def test_full_rank(student, reference):
    expect_array(student["tall"], reference["tall"], what="random full-rank 40x6 problem", **TOL)


def test_gradient_is_zero(student, inputs):
    """Optimality without an oracle: the gradient Φᵀ(Φw − y)/N vanishes at the minimizer."""
    Phi, y = inputs["tall"].args
    w = array_values(student["tall"], (6,), what="random full-rank 40x6 problem")
    gradient = Phi.T @ (Phi @ w - y) / len(y)
    scale = np.linalg.norm(Phi.T @ y) / len(y)
    expect(np.linalg.norm(gradient) <= 1e-9 * scale,
           f"random full-rank 40x6 problem: gradient norm {np.linalg.norm(gradient):.3g} at "
           f"your w, relative {np.linalg.norm(gradient) / scale:.3g} (tolerance 1e-09)")


def test_more_features_than_points(student, reference):
    expect_array(student["wide"], reference["wide"],
                 what="M = 15 > N = 8 (many minimizers: the minimum-norm one)", **TOL)


def test_repeated_inputs(student, reference):
    expect_array(student["repeated"], reference["repeated"],
                 what="polynomial basis M = 5 on 20 points with only 3 distinct x (singular ΦᵀΦ)",
                 **TOL)


def test_ill_conditioned(student, reference):
    expect_array(student["ill_conditioned"], reference["ill_conditioned"],
                 what="polynomial basis M = 12 on [0, 1] (cond(Φ) ≈ 1e8)", rtol=1e-5, atol=1e-8,
                 dtypes=("float64",))
