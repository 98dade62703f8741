"""Q4(b): newton(Phi, y, lam, num_steps) -> (w, losses): damped Newton from w = 0."""

import numpy as np

from autograder.grading.checks import expect, expect_items, expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import (
    classification_problem,
    np_gradient,
    np_loss,
    tensor,
    values_of,
)

# After 15-40 steps Newton has converged to the unique minimizer (lam > 0), whatever line
# search a correct solution uses: float64 weights agree to ~cond(H)·1e-16 ≈ 1e-13, float32
# ones to ~cond(H)·1e-7 ≈ 1e-5 (gradients evaluated in float32 stall at that level).
TOL = {"float64": {"rtol": 1e-7, "atol": 1e-9}, "float32": {"rtol": 2e-3, "atol": 2e-4}}
GRAD_TOL = 1e-10  # ||∇E(w)|| at a float64 minimizer: rounding level (measured ~1e-17)


def _args(Phi, y, lam, steps, dtype):
    return tensor(Phi, dtype), tensor(y, dtype), lam, steps


# The main correctness check: partial credit needs it.
MAIN = ("test_minimizer_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 80, 3)
    Phi_s, y_s = classification_problem(rng, 40, 2, separable=True, scale=4.0)
    return {
        "random64": Call("newton", *_args(Phi, y, 1e-3, 15, "float64")),
        "random32": Call("newton", *_args(Phi, y, 1e-3, 15, "float32")),
        "separable64": Call("newton", *_args(Phi_s, y_s, 1e-3, 40, "float64")),
    }


def _items(student, name, what):
    return expect_items(student[name], 2, what=what)


def test_minimizer_float64(student, reference):
    w, _ = _items(student, "random64", "random 80x4 problem, float64")
    expect_tensor(w, reference["random64"].items[0], what="random 80x4 problem, float64: weights",
                  dtype="float64", **TOL["float64"])


def test_gradient_vanishes(student, reference, inputs):
    """Oracle-free: the gradient is zero (to rounding) at the returned weights."""
    what = "random 80x4 problem, float64"
    w, _ = _items(student, "random64", what)
    w = expect_tensor(w, reference["random64"].items[0], what=f"{what}: weights",
                      dtype="float64", rtol=np.inf, atol=np.inf)
    Phi, y, lam, _ = inputs["random64"].args
    norm = float(np.linalg.norm(np_gradient(values_of(Phi), values_of(y), w, lam)))
    expect(norm <= GRAD_TOL, f"{what}: gradient norm {norm:.2g} at your final weights "
           f"(tolerance {GRAD_TOL:g})")


def test_losses(student, reference, inputs):
    """losses: shape (num_steps + 1,), E(0) first, never increasing, E(w) last."""
    what = "random 80x4 problem, float64: losses"
    w, losses = _items(student, "random64", "random 80x4 problem, float64")
    ref_w, ref_losses = reference["random64"].items
    losses = expect_tensor(losses, ref_losses, what=what, dtype="float64", rtol=np.inf,
                           atol=np.inf)
    w = expect_tensor(w, ref_w, what="random 80x4 problem, float64: weights", dtype="float64",
                      rtol=np.inf, atol=np.inf)
    Phi, y, lam, _ = inputs["random64"].args
    expect(abs(losses[0] - np.log(2)) <= 1e-12, f"{what}: losses[0] is not E(0) = log 2")
    expect(bool(np.all(np.diff(losses) <= 1e-12)), f"{what}: the loss increases at some step")
    final = np_loss(values_of(Phi), values_of(y), w, lam)
    expect(abs(losses[-1] - final) <= 1e-12, f"{what}: the last loss is not E(w) of the "
           f"returned weights (off by {abs(losses[-1] - final):.2g})")


def test_minimizer_float32(student, reference):
    w, _ = _items(student, "random32", "random 80x4 problem, float32")
    expect_tensor(w, reference["random32"].items[0], what="random 80x4 problem, float32: weights",
                  dtype="float32", **TOL["float32"])


def test_separable(student, reference):
    what = "separable data with lam = 1e-3, 40 steps, float64"
    w, _ = _items(student, "separable64", what)
    expect_tensor(w, reference["separable64"].items[0], what=f"{what}: weights", dtype="float64",
                  **TOL["float64"])
