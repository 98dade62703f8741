"""Hidden tests of Assignment 2 (solutions/02-regularization/regularization.ipynb).

Shared helpers for the solver questions, which all return ``(w, history)`` with
``history[k] = F(w_k)``, and the oracle-free optimality checks (lasso KKT conditions).
"""

from __future__ import annotations

import numpy as np

from autograder.grading.checks import array_values, expect, expect_array, expect_items
from lib.regularization import lasso_kkt_violation

# Iterative solvers are compared along their whole trajectory. The same update rules in
# float64 agree to ~1e-14 after a few dozen non-expansive steps (different but equivalent
# formulas only change rounding), so 1e-8 separates "same algorithm" from "different
# algorithm" by many orders of magnitude either way.
TRAJECTORY = {"rtol": 1e-8, "atol": 1e-10}


def lasso_objective(Phi: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    """F(w) = ||Φw − y||²/(2N) + λ||w||₁ (the oracle's own copy: lib must not hold Assignment
    1's empirical risk, which this is for λ = 0)."""
    residual = Phi @ w - y
    return float(residual @ residual / (2 * len(y)) + lam * np.sum(np.abs(w)))


def lipschitz(Phi: np.ndarray, lam: float = 0.0) -> float:
    """σ_max(Φ)²/N + 2λ, computed here to choose step sizes for the calls."""
    return float(np.linalg.norm(Phi, 2) ** 2 / Phi.shape[0] + 2.0 * lam)


def kkt_violation(Phi: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    """Largest violation of c_j = λ sign(w_j) (w_j ≠ 0) and |c_j| ≤ λ (w_j = 0), c = Φᵀ(y − Φw)/N.

    Entries below 1e-12·(1 + max|w|) count as zero, so that rounding noise in place of an
    exact zero is not held against the answer.
    """
    tolerance = 1e-12 * (1.0 + float(np.max(np.abs(w), initial=0.0)))
    return lasso_kkt_violation(Phi, y, w, lam, support_tol=tolerance)


def vector_values(answer, *, what: str) -> np.ndarray:
    """The answer is a 1-d NumPy array of finite numbers (any length); returns its values."""
    expect(answer.kind == "array" and answer.values is not None and answer.values.ndim == 1,
           f"{what}: returned {answer.describe()}, expected a 1-d NumPy array")
    return array_values(answer, answer.values.shape, what=what)


def solver_result(answer, M: int, K: int, *, what: str) -> tuple[np.ndarray, np.ndarray]:
    """The answer is a pair (w of shape (M,), history of shape (K + 1,)); returns both."""
    w, history = expect_items(answer, 2, what=what)
    return (array_values(w, (M,), what=f"{what}, returned w"),
            array_values(history, (K + 1,), what=f"{what}, objective history"))


def expect_same_run(student, reference, *, what: str) -> None:
    """The student's (w, history) matches the reference's along the whole run."""
    got = expect_items(student, 2, what=what)
    want = expect_items(reference, 2, what=what)
    expect_array(got[1], want[1], what=f"{what}: objective history F(w_0), ..., F(w_K)",
                 **TRAJECTORY)
    expect_array(got[0], want[0], what=f"{what}: final iterate", **TRAJECTORY)


def expect_history_consistent(student, inputs_call, lam_index: int = 2, *, what: str) -> None:
    """history[-1] is the lasso objective of the returned w (checked from the inputs alone)."""
    Phi, y = inputs_call.args[0], inputs_call.args[1]
    lam = inputs_call.args[lam_index]
    got = expect_items(student, 2, what=what)
    w = array_values(got[0], (Phi.shape[1],), what=f"{what}, returned w")
    history = vector_values(got[1], what=f"{what}, objective history")
    expect(history.size >= 1, f"{what}: the objective history is empty")
    F = lasso_objective(Phi, y, w, lam)
    expect(abs(history[-1] - F) <= 1e-10 * max(1.0, abs(F)),
           f"{what}: the last history entry differs from F(w) of the returned w by "
           f"{abs(history[-1] - F):.3g} (tolerance 1e-10 relative)")


def expect_kkt(student, inputs_call, lam_index: int = 2, *, what: str,
               tol: float = 1e-8) -> None:
    """Oracle-free optimality: the returned w satisfies the lasso KKT conditions."""
    Phi, y = inputs_call.args[0], inputs_call.args[1]
    lam = inputs_call.args[lam_index]
    got = expect_items(student, 2, what=what)
    w = array_values(got[0], (Phi.shape[1],), what=f"{what}, returned w")
    violation = kkt_violation(Phi, y, w, lam)
    # tol: the reference reaches ~1e-14 on these problems; 1e-8 leaves room for any
    # correct implementation while a wrong fixed point violates the conditions by ≫ 1e-3.
    expect(violation <= tol,
           f"{what}: the KKT conditions |Φᵀ(y − Φw)|/N ≤ λ (with equality and the sign of w on "
           f"the support) are violated by {violation:.3g} (tolerance {tol:g})")


def expect_monotone(student, *, what: str) -> None:
    """The objective history never increases (up to rounding)."""
    got = expect_items(student, 2, what=what)
    history = vector_values(got[1], what=f"{what}, objective history")
    increase = np.diff(history)
    slack = 1e-12 * max(1.0, float(np.max(np.abs(history), initial=0.0)))
    expect(bool(np.all(increase <= slack)),
           f"{what}: the objective increased at {int(np.sum(increase > slack))} iterations "
           f"(by up to {float(np.max(increase, initial=0.0)):.3g}); with γ ≤ 1/L it must not")
