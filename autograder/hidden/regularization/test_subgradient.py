"""Q4: lasso_subgradient(Phi, y, lam, gamma0, num_iters, w0) -> (w_K, history)."""

import numpy as np

from autograder.grading.checks import expect_unchanged
from autograder.grading.probe import Call
from autograder.hidden.regularization import (
    expect_history_consistent,
    expect_same_run,
    lipschitz,
    solver_result,
)

# The main correctness check: partial credit needs it.
MAIN = ("test_from_zero",)


def calls(rng):
    Phi = rng.normal(size=(25, 8))
    other = rng.normal(size=(15, 6))
    wide = rng.normal(size=(8, 16))
    w_mixed = rng.normal(size=16) * (rng.uniform(size=16) < 0.5)  # some exact zeros
    start_args = (other, rng.normal(size=15), 0.3, 0.5 / lipschitz(other), 25, rng.normal(size=6))
    return {
        "from_zero": Call("lasso_subgradient", Phi, rng.normal(size=25), 0.1,
                          1.0 / lipschitz(Phi), 30, np.zeros(8)),
        "random_start": Call("lasso_subgradient", *start_args),
        "w0_after": Call("lasso_subgradient", *start_args, echo=5),
        "wide": Call("lasso_subgradient", wide, rng.normal(size=8), 0.05,
                     1.0 / lipschitz(wide), 40, w_mixed),
        "no_steps": Call("lasso_subgradient", other, rng.normal(size=15), 0.2, 0.1, 0,
                         rng.normal(size=6)),
    }


def test_from_zero(student, reference):
    expect_same_run(student["from_zero"], reference["from_zero"],
                    what="30 steps from w0 = 0 on a random 25x8 problem")


def test_random_start(student, reference):
    expect_same_run(student["random_start"], reference["random_start"],
                    what="25 steps from a random w0, γ0 = 0.5/L")


def test_wide_with_zeros(student, reference):
    expect_same_run(student["wide"], reference["wide"],
                    what="40 steps, M = 16 > N = 8, w0 with some entries exactly 0")


def test_no_steps(student, inputs):
    """num_iters = 0 returns w0 and the history [F(w0)]."""
    solver_result(student["no_steps"], 6, 0, what="num_iters = 0")
    expect_history_consistent(student["no_steps"], inputs["no_steps"], what="num_iters = 0")


def test_history_matches_w(student, inputs):
    """Oracle-free: the last history entry is F of the returned w."""
    expect_history_consistent(student["wide"], inputs["wide"],
                              what="40 steps, M = 16 > N = 8")


def test_leaves_w0_alone(student, reference):
    expect_unchanged(student["w0_after"], reference["w0_after"], argument="w0",
                     what="25 steps from a random w0")
