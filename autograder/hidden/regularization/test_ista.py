"""Q5(b): ista(Phi, y, lam, step, num_iters, w0) -> (w_K, history)."""

import numpy as np

from autograder.grading.probe import Call
from autograder.hidden.regularization import (
    expect_history_consistent,
    expect_kkt,
    expect_monotone,
    expect_same_run,
    lipschitz,
)

# The main correctness check: partial credit needs it.
MAIN = ("test_trajectory",)


def calls(rng):
    Phi = rng.normal(size=(30, 10))
    wide = rng.normal(size=(12, 20))
    kkt = rng.normal(size=(40, 8))
    # Monotone case: L ≈ 0.6 < 1 and λ = λ_max/2. A threshold of λ instead of γλ then
    # under-regularizes and F goes up on every seed; a threshold of γ zeroes w, F stays put.
    mono = 0.5 * rng.normal(size=(30, 10))
    y_mono = mono[:, :3] @ rng.normal(size=3) + 0.1 * rng.normal(size=30)
    lam_mono = 0.5 * float(np.max(np.abs(mono.T @ y_mono))) / 30
    return {
        "trajectory": Call("ista", Phi, Phi[:, :3] @ rng.normal(size=3) + 0.1 * rng.normal(size=30),
                           0.1, 1.0 / lipschitz(Phi), 25, np.zeros(10)),
        "wide": Call("ista", wide, rng.normal(size=12), 0.05, 0.5 / lipschitz(wide), 30,
                     rng.normal(size=20)),
        "kkt": Call("ista", kkt, kkt[:, :2] @ np.array([2.0, -1.0]) + 0.1 * rng.normal(size=40),
                    0.2, 1.0 / lipschitz(kkt), 500, np.zeros(8)),
        "monotone": Call("ista", mono, y_mono, lam_mono, 1.0 / lipschitz(mono), 40, np.zeros(10)),
    }


def test_trajectory(student, reference):
    expect_same_run(student["trajectory"], reference["trajectory"],
                    what="25 ISTA steps with γ = 1/L on a random 30x10 problem")


def test_wide(student, reference):
    expect_same_run(student["wide"], reference["wide"],
                    what="30 ISTA steps with γ = 0.5/L from a random w0, M = 20 > N = 12")


def test_monotone(student):
    """Oracle-free: with γ = 1/L, ISTA never increases F."""
    expect_monotone(student["monotone"], what="40 ISTA steps with γ = 1/L, λ = λ_max/2")


def test_kkt(student, inputs):
    """Oracle-free: after 500 steps the lasso KKT conditions hold."""
    expect_kkt(student["kkt"], inputs["kkt"], what="500 ISTA steps on a random 40x8 problem")


def test_history_matches_w(student, inputs):
    """Oracle-free: the last history entry is F of the returned w."""
    expect_history_consistent(student["wide"], inputs["wide"], what="30 ISTA steps, M = 20")
