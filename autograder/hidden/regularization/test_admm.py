"""Q6: admm_lasso(Phi, y, lam, rho, num_iters) -> (z_K, history)."""

import numpy as np

from autograder.grading.probe import Call
from autograder.hidden.regularization import (
    expect_history_consistent,
    expect_kkt,
    expect_same_run,
)

# The main correctness check: partial credit needs it.
MAIN = ("test_tall",)


def calls(rng):
    tall = rng.normal(size=(30, 8))
    wide = rng.normal(size=(10, 25))
    kkt = rng.normal(size=(40, 6))
    # coefficients of both signs, so that a one-sided soft-threshold always shows
    y_tall = tall[:, :3] @ (rng.uniform(1, 2, size=3) * [1, -1, 1]) + 0.1 * rng.normal(size=30)
    y_kkt = kkt[:, :2] @ np.array([1.5, -2.0]) + 0.1 * rng.normal(size=40)
    return {
        "tall": Call("admm_lasso", tall, y_tall, 0.1, 1.0, 25),
        "wide": Call("admm_lasso", wide, rng.normal(size=10), 0.05, 0.5, 30),
        "kkt": Call("admm_lasso", kkt, y_kkt, 0.2, 1.0, 400),
        "no_steps": Call("admm_lasso", tall, rng.normal(size=30), 0.1, 1.0, 0),
    }


def test_tall(student, reference):
    expect_same_run(student["tall"], reference["tall"],
                    what="25 ADMM steps with ρ = 1 on a random 30x8 problem")


def test_wide(student, reference):
    expect_same_run(student["wide"], reference["wide"],
                    what="30 ADMM steps with ρ = 0.5, M = 25 > N = 10")


def test_no_steps(student, reference):
    expect_same_run(student["no_steps"], reference["no_steps"],
                    what="num_iters = 0 (z_0 = 0)")


def test_kkt(student, inputs):
    """Oracle-free: after 400 steps the returned z satisfies the lasso KKT conditions."""
    expect_kkt(student["kkt"], inputs["kkt"], what="400 ADMM steps on a random 40x6 problem")


def test_history_matches_z(student, inputs):
    """Oracle-free: the last history entry is F of the returned z."""
    expect_history_consistent(student["wide"], inputs["wide"], what="30 ADMM steps, M = 25")
