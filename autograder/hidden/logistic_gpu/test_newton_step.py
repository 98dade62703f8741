"""Q4(a): newton_step(Phi, y, w, lam) -> w − H⁻¹∇E(w), computed with a solve."""

import numpy as np

from autograder.grading.checks import expect, expect_tensor, expect_unchanged
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import (
    classification_problem,
    np_gradient,
    np_hessian,
    tensor,
    values_of,
)

# float64: cond(H) ≈ 10 here, so a correct step agrees to ~1e-14; float32 to ~1e-6.
TOL = {"float64": {"rtol": 1e-9, "atol": 1e-11}, "float32": {"rtol": 1e-4, "atol": 1e-5}}
# A backward-stable solve (LU, Cholesky) leaves a relative residual ||HΔ − g|| / (||H|| ||Δ||)
# of a few ulps (measured ≤ 2e-16) even when cond(H) ≈ 1e12; x = inv(H) @ g leaves
# ≈ cond(H)·eps·||g|| / (||H|| ||Δ||), measured 4e-11 to 1e-9 on these problems.
RESIDUAL_TOL = 1e-13


def _args(Phi, y, w, lam, dtype):
    return tensor(Phi, dtype), tensor(y, dtype), tensor(w, dtype), lam


def _collinear(rng, delta=1e-6):
    """Two features equal up to delta·noise: the Hessian has cond ≈ 1e12 with lam ≈ 0."""
    N, d = 60, 7
    X = rng.normal(size=(N, d))
    X[:, 1] = X[:, 0] + delta * rng.normal(size=N)
    y = (rng.random(N) < 0.5).astype(np.float64)
    return np.hstack([np.ones((N, 1)), X]), y, 0.3 * rng.normal(size=d + 1)


# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 60, 5)
    w = 0.3 * rng.normal(size=6)
    Phi_c, y_c, w_c = _collinear(rng)
    return {
        "random64": Call("newton_step", *_args(Phi, y, w, 1e-3, "float64")),
        "w_after": Call("newton_step", *_args(Phi, y, w, 1e-3, "float64"), echo=2),
        "random32": Call("newton_step", *_args(Phi, y, w, 1e-3, "float32")),
        "ridge64": Call("newton_step", *_args(Phi, y, w, 2.0, "float64")),
        "collinear64": Call("newton_step", *_args(Phi_c, y_c, w_c, 1e-14, "float64")),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"],
                  what="one step on a random 60x6 problem, float64", dtype="float64",
                  **TOL["float64"])


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"],
                  what="one step on a random 60x6 problem, float32", dtype="float32",
                  **TOL["float32"])


def test_ridge_term(student, reference):
    expect_tensor(student["ridge64"], reference["ridge64"],
                  what="one step with a strong ridge term lam = 2, float64", dtype="float64",
                  **TOL["float64"])


def test_solved_not_inverted(student, reference, inputs):
    """Oracle-free: the step Δ = w − w_new solves H Δ = ∇E(w) to rounding level."""
    Phi, y, w, lam = inputs["collinear64"].args
    Phi, y, w = values_of(Phi), values_of(y), values_of(w)
    what = "nearly collinear features (cond(H) ≈ 1e12), float64"
    # Type, device, dtype, shape and finiteness only; the residual below is the real check.
    w_new = expect_tensor(student["collinear64"], reference["collinear64"], what=what,
                          dtype="float64", rtol=np.inf, atol=np.inf)
    step = w - w_new
    H, g = np_hessian(Phi, w, lam), np_gradient(Phi, y, w, lam)
    residual = np.linalg.norm(H @ step - g) / (np.linalg.norm(H, 2) * np.linalg.norm(step))
    expect(bool(residual <= RESIDUAL_TOL),
           f"{what}: relative residual ||HΔ − ∇E|| / (||H|| ||Δ||) = {residual:.2g} "
           f"(tolerance {RESIDUAL_TOL:g}); solve H Δ = ∇E, do not invert H")


def test_leaves_w_alone(student, reference):
    expect_unchanged(student["w_after"], reference["w_after"], argument="w",
                     what="one step on a random 60x6 problem, float64")
