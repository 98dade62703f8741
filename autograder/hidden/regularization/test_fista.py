"""Q5(c): fista(Phi, y, lam, step, num_iters, w0, restart=False) -> (w_K, history)."""

import numpy as np

from autograder.grading.probe import Call
from autograder.hidden.regularization import (
    expect_history_consistent,
    expect_kkt,
    expect_same_run,
    lipschitz,
)


def _problem(rng, N, M, k):
    """A k-sparse lasso problem whose coefficients have both signs (a one-sided shrinkage
    then goes wrong on every seed)."""
    Phi = rng.normal(size=(N, M))
    signs = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)
    return Phi, Phi[:, :k] @ (signs * rng.uniform(1, 2, size=k)) + 0.1 * rng.normal(size=N)


# A fixed 8x3 problem on which plain FISTA's objective goes up twice in 20 steps (λ = 0.01,
# γ = 0.95 ≤ 1/L). On random problems a restart may or may not happen, or hinge on a tie
# F(w_k+1) ≈ F(w_k) that rounding decides; here every step changes F by ≥ 3e-5 relative, so
# every correct implementation restarts at the same steps. The instance is disguised by a
# random scale c (λ → c²λ, γ → γ/c²), row order, column order and column signs, which leave
# the iterates (up to the same permutation and signs) and every restart decision unchanged.
RESTART_PHI = np.array([[0.3, 0.1, -0.1], [0.7, 0.2, 0.8], [-1.5, -1.4, -0.3], [-0.3, -0.6, 0.4],
                        [0.2, 0.5, -1.2], [0.8, 0.8, -0.9], [-0.5, -0.4, 0.2], [-1.0, -0.6, -0.4]])
RESTART_Y = np.array([0.9, 1.4, -0.9, 1.1, -1.1, -1.8, 1.0, 0.0])


def _restart_problem(rng):
    c = float(rng.uniform(0.5, 2.0))
    rows, columns = rng.permutation(8), rng.permutation(3)
    Phi = c * RESTART_PHI[rows][:, columns] * rng.choice([-1.0, 1.0], size=3)
    return Phi, c * RESTART_Y[rows], 0.01 * c * c, 0.95 / (c * c)


# The main correctness check: partial credit needs it.
MAIN = ("test_plain",)


def calls(rng):
    Phi, y = _problem(rng, 30, 12, 3)
    W, yw = _problem(rng, 10, 25, 2)
    K, yk = _problem(rng, 50, 20, 3)
    return {
        "plain": Call("fista", Phi, y, 0.1, 1.0 / lipschitz(Phi), 30, np.zeros(12), False),
        "restart": Call("fista", *_restart_problem(rng), 20, np.zeros(3), True),
        "wide": Call("fista", W, yw, 0.05, 1.0 / lipschitz(W), 40, rng.normal(size=25), False),
        "kkt": Call("fista", K, yk, 0.1, 1.0 / lipschitz(K), 300, np.zeros(20), True),
    }


def test_plain(student, reference):
    expect_same_run(student["plain"], reference["plain"],
                    what="30 FISTA steps without restart on a random 30x12 problem")


def test_restart(student, reference):
    expect_same_run(student["restart"], reference["restart"],
                    what="20 FISTA steps with function-value restart on an 8x3 problem")


def test_wide(student, reference):
    expect_same_run(student["wide"], reference["wide"],
                    what="40 FISTA steps without restart, M = 25 > N = 10")


def test_kkt(student, inputs):
    """Oracle-free: after 300 restarted steps the lasso KKT conditions hold."""
    expect_kkt(student["kkt"], inputs["kkt"],
               what="300 FISTA steps with restart on a random 50x20 problem")


def test_history_matches_w(student, inputs):
    """Oracle-free: the last history entry is F of the returned w."""
    expect_history_consistent(student["restart"], inputs["restart"],
                              what="20 FISTA steps with restart")
