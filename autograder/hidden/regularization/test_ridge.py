"""Q1: fit_ridge(Phi, y, lam) -> w of shape (M,), (ΦᵀΦ + 2NλI)⁻¹Φᵀy."""

import numpy as np

from autograder.grading.checks import array_values, expect, expect_array
from autograder.grading.probe import Call

# Cholesky, solve, the N×N form and an SVD agree to ~1e-13 on these problems (2Nλ keeps
# the systems well conditioned); a wrong scaling of λ is off by a factor, not a rounding.
TOL = {"rtol": 1e-8, "atol": 1e-12, "dtypes": ("float64",)}
# On the nearly singular system (cond ≈ 1e12) a backward-stable solve (Cholesky, LU, an SVD,
# lstsq of the stacked system) leaves a relative residual ≤ 1e-15 and an explicit inverse
# (inv or pinv of the matrix) ≥ 1e-11 (both measured on 300 random instances): 1e-13 tells
# them apart on every seed, with a factor 100 to spare either way.
RESIDUAL_TOL = 1e-13

# The main correctness check: partial credit needs it.
MAIN = ("test_tall",)


def _nearly_singular(rng):
    """A tall problem with two features equal up to 1e-6·noise and λ = 1e-12."""
    Phi = rng.normal(size=(60, 8))
    Phi[:, 1] = Phi[:, 0] + 1e-6 * rng.normal(size=60)
    return Phi, Phi[:, 0] + 0.1 * rng.normal(size=60), 1e-12


def calls(rng):
    distinct = rng.uniform(-1, 1, size=3)
    repeated = np.repeat(distinct, [7, 7, 6])  # 20 rows, 3 distinct: rank(ΦᵀΦ) = 3 < M = 6
    return {
        "tall": Call("fit_ridge", rng.normal(size=(30, 5)), rng.normal(size=30),
                     float(10 ** rng.uniform(-3, 0))),
        "wide": Call("fit_ridge", rng.normal(size=(8, 20)), rng.normal(size=8),
                     float(rng.uniform(0.01, 1.0))),
        "singular": Call("fit_ridge", repeated[:, None] ** np.arange(6), rng.normal(size=20),
                         1e-4),
        "large_lambda": Call("fit_ridge", rng.normal(size=(15, 4)), rng.normal(size=15), 1e3),
        "single_point": Call("fit_ridge", rng.normal(size=(1, 3)), rng.normal(size=1), 0.5),
        "nearly_singular": Call("fit_ridge", *_nearly_singular(rng)),
    }


def _gradient_is_zero(student, inputs, name, what):
    Phi, y, lam = inputs[name].args
    w = array_values(student[name], (Phi.shape[1],), what=what)
    N = len(y)
    gradient = Phi.T @ (Phi @ w - y) / N + 2 * lam * w
    scale = np.linalg.norm(Phi.T @ y) / N
    # 1e-9: a stable solve leaves a relative gradient of ~1e-15; λ in place of 2Nλ leaves O(1).
    expect(np.linalg.norm(gradient) <= 1e-9 * scale,
           f"{what}: gradient ΦᵀΦw/N − Φᵀy/N + 2λw has norm {np.linalg.norm(gradient):.3g} at "
           f"your w, relative {np.linalg.norm(gradient) / scale:.3g} (tolerance 1e-09)")


def test_tall(student, reference):
    expect_array(student["tall"], reference["tall"], what="random 30x5 problem", **TOL)


def test_tall_gradient_zero(student, inputs):
    """Optimality without an oracle: ∇R(w) = 0 on a random 30x5 problem."""
    _gradient_is_zero(student, inputs, "tall", "random 30x5 problem")


def test_wide(student, reference):
    expect_array(student["wide"], reference["wide"],
                 what="M = 20 > N = 8 (ΦᵀΦ singular)", **TOL)


def test_wide_gradient_zero(student, inputs):
    """Optimality without an oracle: ∇R(w) = 0 when M > N."""
    _gradient_is_zero(student, inputs, "wide", "M = 20 > N = 8 (ΦᵀΦ singular)")


def test_singular(student, reference):
    expect_array(student["singular"], reference["singular"],
                 what="polynomial basis M = 6 on 20 points with 3 distinct x, λ = 1e-4", **TOL)


def test_large_lambda(student, reference):
    expect_array(student["large_lambda"], reference["large_lambda"],
                 what="λ = 1000 (weights shrunk almost to 0)", **TOL)


def test_single_point(student, reference):
    expect_array(student["single_point"], reference["single_point"],
                 what="a single data point (N = 1, M = 3)", **TOL)


def test_solved_not_inverted(student, inputs):
    """Oracle-free: the nearly singular system (ΦᵀΦ + 2NλI)w = Φᵀy is solved to rounding level."""
    Phi, y, lam = inputs["nearly_singular"].args
    what = "two nearly collinear features, λ = 1e-12 (cond ≈ 1e12)"
    w = array_values(student["nearly_singular"], (Phi.shape[1],), what=what)
    A = Phi.T @ Phi + 2 * len(y) * lam * np.eye(Phi.shape[1])
    residual = np.linalg.norm(A @ w - Phi.T @ y) / (np.linalg.norm(A, 2) * np.linalg.norm(w))
    expect(bool(residual <= RESIDUAL_TOL),
           f"{what}: relative residual ||Aw − Φᵀy|| / (||A|| ||w||) = {residual:.2g} (tolerance "
           f"{RESIDUAL_TOL:g}); solve or factor A = ΦᵀΦ + 2NλI, do not invert it")
