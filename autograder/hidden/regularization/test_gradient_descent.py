"""Q3(b): ridge_gradient_descent(Phi, y, lam, step, num_iters, w0) -> W of shape (K + 1, M)."""

import numpy as np

from autograder.grading.checks import array_values, expect, expect_array, expect_unchanged
from autograder.grading.probe import Call
from autograder.hidden.regularization import TRAJECTORY, lipschitz

# The main correctness check: partial credit needs it.
MAIN = ("test_short_run",)


def calls(rng):
    Phi = rng.normal(size=(20, 5))
    wide = rng.normal(size=(6, 12))
    diverge = rng.normal(size=(10, 4))
    long = rng.normal(size=(30, 4))
    mono = rng.normal(size=(20, 5))
    short_args = (Phi, rng.normal(size=20), 0.1, 1.0 / lipschitz(Phi, 0.1), 15, rng.normal(size=5))
    return {
        "short": Call("ridge_gradient_descent", *short_args),
        "w0_after": Call("ridge_gradient_descent", *short_args, echo=5),
        "wide": Call("ridge_gradient_descent", wide, rng.normal(size=6), 0.05,
                     1.5 / lipschitz(wide, 0.05), 20, np.zeros(12)),
        "diverge": Call("ridge_gradient_descent", diverge, rng.normal(size=10), 0.01,
                        2.5 / lipschitz(diverge, 0.01), 12, np.zeros(4)),
        "no_steps": Call("ridge_gradient_descent", Phi, rng.normal(size=20), 0.1, 0.1, 0,
                         rng.normal(size=5)),
        "long": Call("ridge_gradient_descent", long, rng.normal(size=30), 0.1,
                     1.0 / lipschitz(long, 0.1), 400, np.zeros(4)),
        # From w0 = 0 with a strong penalty, a wrong penalty gradient (λw for 2λw) overshoots
        # the minimizer and R goes up on every seed (measured: by ≥ 2e-4 relative).
        "monotone": Call("ridge_gradient_descent", mono, rng.normal(size=20), 1.0,
                         1.0 / lipschitz(mono, 1.0), 30, np.zeros(5)),
    }


def test_short_run(student, reference):
    expect_array(student["short"], reference["short"],
                 what="15 steps with γ = 1/L from a random w0 (all iterates)", **TRAJECTORY)


def test_wide_run(student, reference):
    expect_array(student["wide"], reference["wide"],
                 what="20 steps with γ = 1.5/L, M = 12 > N = 6 (all iterates)", **TRAJECTORY)


def test_divergence(student, reference):
    expect_array(student["diverge"], reference["diverge"],
                 what="12 steps with γ = 2.5/L (the iterates must grow)", **TRAJECTORY)


def test_no_steps(student, reference):
    expect_array(student["no_steps"], reference["no_steps"],
                 what="num_iters = 0 (only w0)", rtol=0, atol=0)


def test_monotone_decrease(student, inputs):
    """Oracle-free: with γ = 1/L the ridge objective never increases."""
    Phi, y, lam, _, K, w0 = inputs["monotone"].args
    what = "30 steps with γ = 1/L from w0 = 0, λ = 1"
    W = array_values(student["monotone"], (K + 1, len(w0)), what=what)
    R = np.array([np.sum((Phi @ w - y) ** 2) / (2 * len(y)) + lam * w @ w for w in W])
    worst = float(np.max(np.diff(R)))
    expect(worst <= 1e-12 * R[0], f"{what}: the objective R(w_k) increased by up to {worst:.3g}")


def test_leaves_w0_alone(student, reference):
    expect_unchanged(student["w0_after"], reference["w0_after"], argument="w0",
                     what="15 steps from a random w0")


def test_converges_to_zero_gradient(student, inputs):
    """Oracle-free: after 400 steps with γ = 1/L the gradient vanishes."""
    Phi, y, lam, _, K, w0 = inputs["long"].args
    W = array_values(student["long"], (K + 1, len(w0)), what="400 steps with γ = 1/L")
    gradient = Phi.T @ (Phi @ W[-1] - y) / len(y) + 2 * lam * W[-1]
    scale = np.linalg.norm(Phi.T @ y) / len(y)
    # The contraction factor is below 0.9 on these problems: 0.9^400 ≈ 5e-19.
    expect(np.linalg.norm(gradient) <= 1e-9 * scale,
           f"400 steps with γ = 1/L on a random 30x4 problem: gradient norm at the last iterate "
           f"{np.linalg.norm(gradient):.3g}, relative {np.linalg.norm(gradient) / scale:.3g} "
           f"(tolerance 1e-09)")
