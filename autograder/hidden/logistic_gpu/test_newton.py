"""Q4(b): newton(Phi, y, lam, num_steps, tol=0.0, w0=None) -> (w, losses): damped Newton."""

import numpy as np

from autograder.grading.checks import expect, expect_items, expect_tensor, expect_unchanged
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import (
    classification_problem,
    np_gradient,
    np_loss,
    tensor,
    values_of,
)

# After 15-40 steps Newton has converged to the unique minimizer (lam > 0), whatever line
# search a correct solution uses: float64 weights agree to ~cond(H)·1e-16 ≈ 1e-13 (1e-9 is
# far above that, and far below the 1e-7 of a sigmoid computed in float32), float32 ones to
# ~cond(H)·1e-7 ≈ 1e-5 (gradients evaluated in float32 stall at that level).
TOL = {"float64": {"rtol": 1e-9, "atol": 1e-11}, "float32": {"rtol": 2e-3, "atol": 2e-4}}
GRAD_TOL = 1e-10  # ||∇E(w)|| at a float64 minimizer: rounding level (measured ~1e-17)
# The loss may rise by the rounding allowance of the line search, 8·eps·|E| ≈ 1e-15.
INCREASE_TOL = 1e-12

# The main correctness check: partial credit needs it.
MAIN = ("test_minimizer_float64",)


def _args(Phi, y, lam, steps, dtype, w0=None):
    extra = () if w0 is None else (0.0, tensor(w0, dtype))
    return tensor(Phi, dtype), tensor(y, dtype), lam, steps, *extra


def calls(rng):
    Phi, y = classification_problem(rng, 80, 3)
    Phi_s, y_s = classification_problem(rng, 40, 2, separable=True, scale=4.0)
    Phi_f, y_f = classification_problem(rng, 80, 3)
    # ||w0|| = 10: most points are classified with great confidence, S ≈ 0, H ≈ λI, and a full
    # Newton step is ~1/λ long. Without damping the loss jumps up on every seed (measured:
    # 300 of 300); with it, Newton converges in ≤ 25 steps (gradient ≤ 1e-16).
    w_far = rng.normal(size=4)
    w_far *= 10.0 / np.linalg.norm(w_far)
    return {
        # λ = 1e-2 moves the minimizer by ~1e-2 relative: ignoring it shows even in float32
        "random64": Call("newton", *_args(Phi, y, 1e-2, 15, "float64")),
        "random32": Call("newton", *_args(Phi, y, 1e-2, 15, "float32")),
        "separable64": Call("newton", *_args(Phi_s, y_s, 1e-3, 40, "float64")),
        "far64": Call("newton", *_args(Phi_f, y_f, 1e-3, 25, "float64", w_far)),
        "w0_after": Call("newton", *_args(Phi_f, y_f, 1e-3, 3, "float64", w_far), echo=5),
    }


def _items(student, name, what):
    return expect_items(student[name], 2, what=what)


def _run(student, reference, inputs, name, what):
    """The returned weights and losses (any values), and the call's inputs as float64."""
    w, losses = _items(student, name, what)
    ref_w, ref_losses = reference[name].items
    losses = expect_tensor(losses, ref_losses, what=f"{what}: losses", dtype="float64",
                           rtol=np.inf, atol=np.inf)
    w = expect_tensor(w, ref_w, what=f"{what}: weights", dtype="float64", rtol=np.inf,
                      atol=np.inf)
    Phi, y, lam = (values_of(a) if hasattr(a, "array") else a for a in inputs[name].args[:3])
    return w, losses, Phi, y, lam


def _expect_descent(losses, start, what):
    expect(abs(losses[0] - start) <= 1e-12 * max(1.0, start),
           f"{what}: losses[0] is not the loss at the starting point")
    increase = float(np.max(np.diff(losses), initial=0.0))
    expect(increase <= INCREASE_TOL, f"{what}: the loss increases at some step (by up to "
           f"{increase:.2g}); damp the step")


def _expect_stationary(Phi, y, w, lam, what):
    norm = float(np.linalg.norm(np_gradient(Phi, y, w, lam)))
    expect(norm <= GRAD_TOL, f"{what}: gradient norm {norm:.2g} at your final weights "
           f"(tolerance {GRAD_TOL:g})")


def test_minimizer_float64(student, reference):
    w, _ = _items(student, "random64", "random 80x4 problem, float64")
    expect_tensor(w, reference["random64"].items[0], what="random 80x4 problem, float64: weights",
                  dtype="float64", **TOL["float64"])


def test_gradient_vanishes(student, reference, inputs):
    """Oracle-free: the gradient is zero (to rounding) at the returned weights."""
    what = "random 80x4 problem, float64"
    w, _, Phi, y, lam = _run(student, reference, inputs, "random64", what)
    _expect_stationary(Phi, y, w, lam, what)


def test_losses(student, reference, inputs):
    """losses: shape (num_steps + 1,), E(0) first, never increasing, E(w) last."""
    what = "random 80x4 problem, float64"
    w, losses, Phi, y, lam = _run(student, reference, inputs, "random64", what)
    expect(losses.shape == (16,), f"{what}: losses of shape {losses.shape}, expected (16,)")
    _expect_descent(losses, float(np.log(2)), what)
    final = np_loss(Phi, y, w, lam)
    expect(abs(losses[-1] - final) <= 1e-12, f"{what}: the last loss is not E(w) of the "
           f"returned weights (off by {abs(losses[-1] - final):.2g})")


def test_damped_from_far(student, reference, inputs):
    """From ||w0|| = 10 the damped method never increases the loss and reaches the minimizer."""
    what = "25 steps from a w0 far from the minimizer, float64"
    w, losses, Phi, y, lam = _run(student, reference, inputs, "far64", what)
    _expect_descent(losses, np_loss(Phi, y, values_of(inputs["far64"].args[5]), lam), what)
    _expect_stationary(Phi, y, w, lam, what)


def test_leaves_w0_alone(student, reference):
    expect_unchanged(student["w0_after"], reference["w0_after"], argument="w0",
                     what="3 steps from a given w0, float64")


def test_minimizer_float32(student, reference):
    w, _ = _items(student, "random32", "random 80x4 problem, float32")
    expect_tensor(w, reference["random32"].items[0], what="random 80x4 problem, float32: weights",
                  dtype="float32", **TOL["float32"])


def test_separable(student, reference):
    what = "separable data with lam = 1e-3, 40 steps, float64"
    w, _ = _items(student, "separable64", what)
    expect_tensor(w, reference["separable64"].items[0], what=f"{what}: weights", dtype="float64",
                  **TOL["float64"])
