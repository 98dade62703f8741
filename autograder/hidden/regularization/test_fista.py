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
    Phi = rng.normal(size=(N, M))
    return Phi, Phi[:, :k] @ rng.uniform(1, 2, size=k) + 0.1 * rng.normal(size=N)

# The main correctness check: partial credit needs it.
MAIN = ("test_plain",)


def calls(rng):
    Phi, y = _problem(rng, 30, 12, 3)
    R, yr = _problem(rng, 40, 10, 4)
    W, yw = _problem(rng, 10, 25, 2)
    K, yk = _problem(rng, 50, 20, 3)
    return {
        "plain": Call("fista", Phi, y, 0.1, 1.0 / lipschitz(Phi), 30, np.zeros(12), False),
        "restart": Call("fista", R, yr, 0.05, 1.0 / lipschitz(R), 60, rng.normal(size=10), True),
        "wide": Call("fista", W, yw, 0.05, 1.0 / lipschitz(W), 40, rng.normal(size=25), False),
        "kkt": Call("fista", K, yk, 0.1, 1.0 / lipschitz(K), 300, np.zeros(20), True),
    }


def test_plain(student, reference):
    expect_same_run(student["plain"], reference["plain"],
                    what="30 FISTA steps without restart on a random 30x10 problem")


def test_restart(student, reference):
    expect_same_run(student["restart"], reference["restart"],
                    what="60 FISTA steps with function-value restart from a random w0")


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
                              what="60 FISTA steps with restart")
