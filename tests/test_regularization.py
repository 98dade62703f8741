"""Assignment 2: the reference against scikit-learn, optimality checks, lib.regularization.

The reference functions are read from the solution notebook (its one source of truth) and
checked against an independent implementation: scikit-learn's Ridge and Lasso. Mind the
scalings: the lecture minimizes ||Φw − y||²/(2N) + λC(w);

* sklearn ``Lasso`` minimizes ||y − Xw||²/(2N) + α||w||₁, so α = λ;
* sklearn ``Ridge`` minimizes ||y − Xw||² + α||w||², so α = 2Nλ.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from autograder.grading.reference import reference_namespace
from autograder.hidden.regularization import kkt_violation, lasso_objective
from lib import regularization as reg

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "02-regularization" / "regularization.ipynb"


@pytest.fixture(scope="module")
def ref() -> dict:
    os.environ.setdefault("MPLBACKEND", "Agg")
    return reference_namespace(NOTEBOOK)


def _sklearn_lasso(Phi: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    model = Lasso(alpha=lam, fit_intercept=False, tol=1e-12, max_iter=200_000)
    return model.fit(Phi, y).coef_


# -- ridge ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("N", "M", "lam"), [(40, 6, 0.1), (10, 30, 0.05), (25, 25, 1e-3),
                                             (200, 5, 10.0)])
def test_ridge_matches_sklearn(ref, N, M, lam):
    rng = np.random.default_rng(N * M)
    Phi, y = rng.normal(size=(N, M)), rng.normal(size=N)
    ours = ref["fit_ridge"](Phi, y, lam)
    theirs = Ridge(alpha=2 * N * lam, fit_intercept=False, solver="svd").fit(Phi, y).coef_
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_ridge_gradient_zero_when_gram_singular(ref):
    rng = np.random.default_rng(1)
    x = np.repeat(rng.uniform(-1, 1, size=3), 5)  # 15 rows, 3 distinct: ΦᵀΦ has rank 3
    Phi = x[:, None] ** np.arange(8)
    y = rng.normal(size=15)
    for lam in (1e-6, 1e-3, 1.0):
        w = ref["fit_ridge"](Phi, y, lam)
        gradient = Phi.T @ (Phi @ w - y) / 15 + 2 * lam * w
        assert np.linalg.norm(gradient) <= 1e-10 * np.linalg.norm(Phi.T @ y)


def test_gradient_descent_reaches_ridge_solution(ref):
    rng = np.random.default_rng(2)
    Phi, y, lam = rng.normal(size=(50, 6)), rng.normal(size=50), 0.05
    L = ref["ridge_lipschitz"](Phi, lam)
    assert pytest.approx(np.linalg.norm(Phi, 2) ** 2 / 50 + 2 * lam, rel=1e-12) == L
    W = ref["ridge_gradient_descent"](Phi, y, lam, 1 / L, 500, np.zeros(6))
    np.testing.assert_allclose(W[-1], ref["fit_ridge"](Phi, y, lam), rtol=1e-9, atol=1e-12)
    R = [np.sum((Phi @ w - y) ** 2) / 100 + lam * w @ w for w in W]
    assert np.all(np.diff(R) <= 1e-14)
    W = ref["ridge_gradient_descent"](Phi, y, lam, 2.2 / L, 100, np.zeros(6))
    assert np.linalg.norm(W[-1]) > 1e3  # γ > 2/L diverges


def test_select_lambda_picks_a_sensible_lambda(ref):
    x, y = np.linspace(0, 1, 10), np.sin(2 * np.pi * np.linspace(0, 1, 10))
    xv = np.linspace(0.05, 0.95, 30)
    lams = np.logspace(-10, 2, 13)
    risks, best = ref["select_lambda"](reg.gaussian_basis(x, 100), y, reg.gaussian_basis(xv, 100),
                                       np.sin(2 * np.pi * xv), lams)
    assert risks.shape == (13,) and best == lams[np.argmin(risks)]
    assert best < 1.0  # noiseless data: little regularization is best


# -- lasso -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sparse_problem():
    Phi, y, w_true = reg.sparse_recovery_problem(60, 150, 5, noise=0.05, seed=3)
    lam = 0.05
    return Phi, y, w_true, lam, _sklearn_lasso(Phi, y, lam)


def test_sklearn_solution_satisfies_kkt(sparse_problem):
    Phi, y, _, lam, w_cd = sparse_problem
    assert reg.lasso_kkt_violation(Phi, y, w_cd, lam) <= 1e-7
    assert kkt_violation(Phi, y, w_cd, lam) <= 1e-7


@pytest.mark.parametrize("solver", ["fista_restart", "fista", "admm", "ista"])
def test_lasso_solvers_match_sklearn(ref, sparse_problem, solver):
    Phi, y, w_true, lam, w_cd = sparse_problem
    step = 1 / ref["ridge_lipschitz"](Phi, 0.0)
    w0 = np.zeros(Phi.shape[1])
    w, history = {
        "fista_restart": lambda: ref["fista"](Phi, y, lam, step, 500, w0, True),
        "fista": lambda: ref["fista"](Phi, y, lam, step, 3000, w0),
        "admm": lambda: ref["admm_lasso"](Phi, y, lam, 1.0, 1000),
        "ista": lambda: ref["ista"](Phi, y, lam, step, 5000, w0),
    }[solver]()
    F_cd = lasso_objective(Phi, y, w_cd, lam)
    assert history.shape == (len(history),) and history[-1] == pytest.approx(
        lasso_objective(Phi, y, w, lam), rel=1e-12)
    assert (history[-1] - F_cd) / F_cd <= 1e-10
    np.testing.assert_allclose(w, w_cd, atol=1e-6)
    # KKT: |Φᵀ(y − Φw)|/N ≤ λ, with equality and the sign of w on the support.
    c = Phi.T @ (y - Phi @ w) / len(y)
    on = w != 0
    assert np.all(np.abs(c[~on]) <= lam + 1e-9)
    np.testing.assert_allclose(c[on], lam * np.sign(w[on]), atol=1e-8)
    assert set(reg.support(w_true)) <= set(reg.support(w, 1e-6))


def test_ista_is_monotone_and_fista_is_faster(ref, sparse_problem):
    Phi, y, _, lam, w_cd = sparse_problem
    step = 1 / ref["ridge_lipschitz"](Phi, 0.0)
    w0 = np.zeros(Phi.shape[1])
    _, h_ista = ref["ista"](Phi, y, lam, step, 200, w0)
    _, h_fista = ref["fista"](Phi, y, lam, step, 200, w0)
    assert np.all(np.diff(h_ista) <= 1e-14)
    F_cd = lasso_objective(Phi, y, w_cd, lam)
    assert h_fista[-1] - F_cd < (h_ista[-1] - F_cd) / 100


def test_subgradient_decreases_the_objective(ref, sparse_problem):
    Phi, y, _, lam, w_cd = sparse_problem
    gamma0 = 1 / ref["ridge_lipschitz"](Phi, 0.0)
    _, history = ref["lasso_subgradient"](Phi, y, lam, gamma0, 2000, np.zeros(Phi.shape[1]))
    F_cd = lasso_objective(Phi, y, w_cd, lam)
    assert history[0] > history.min() > F_cd * (1 - 1e-12)
    assert (history.min() - F_cd) / F_cd < 0.5 * (history[0] - F_cd) / F_cd


def test_soft_threshold(ref):
    v = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_array_equal(ref["soft_threshold"](v, 1.0), [-2, 0, 0, 0, 0, 0, 2])
    # prox property: S_t(v) minimizes ½(u − v)² + t|u| (checked on a grid)
    grid = np.linspace(-4, 4, 80001)
    for vi in v:
        best = grid[np.argmin(0.5 * (grid - vi) ** 2 + 0.7 * np.abs(grid))]
        assert ref["soft_threshold"](np.array([vi]), 0.7)[0] == pytest.approx(best, abs=1e-4)


def test_lasso_on_diabetes_matches_sklearn(ref):
    X, t, names = reg.diabetes()
    assert X.shape == (442, 10) and len(names) == 10
    lam_max = np.max(np.abs(X.T @ t)) / len(t)
    step = 1 / ref["ridge_lipschitz"](X, 0.0)
    counts = []
    for lam in lam_max * np.array([1.0, 0.3, 0.1, 0.01]):
        w, _ = ref["fista"](X, t, lam, step, 3000, np.zeros(10), True)
        np.testing.assert_allclose(w, _sklearn_lasso(X, t, lam), atol=1e-6 * lam_max)
        counts.append(int(np.sum(w != 0)))
    assert counts[0] == 0 and counts == sorted(counts) and counts[-1] >= 8


# -- lib.regularization ----------------------------------------------------------------------


def test_gaussian_basis():
    Phi = reg.gaussian_basis(np.array([0.0, 0.5, 1.0]), 5, s=0.25)
    assert Phi.shape == (3, 5) and Phi.dtype == np.float64
    np.testing.assert_array_equal(Phi[:, 0], 1.0)
    # centres in the middle of 4 equal cells: 0.125, 0.375, 0.625, 0.875
    np.testing.assert_allclose(Phi[1, 1:], np.exp(-np.array([0.375, 0.125, 0.125, 0.375]) ** 2
                                                  / (2 * 0.0625)))
    assert reg.gaussian_basis(np.zeros(0), 4).shape == (0, 4)
    with pytest.raises(ValueError):
        reg.gaussian_basis(np.zeros(3), 1)
    x = np.random.default_rng(0).uniform(0, 1, size=10)  # the over-fitting experiment's sizes
    assert np.linalg.cond(reg.gaussian_basis(x, 100)) < 1e5 < np.linalg.cond(
        x[:, None] ** np.arange(100))


def test_sparse_recovery_problem():
    Phi, y, w_true = reg.sparse_recovery_problem(30, 80, 4, noise=0.0, seed=7)
    assert Phi.shape == (30, 80) and y.shape == (30,) and w_true.shape == (80,)
    assert np.sum(w_true != 0) == 4
    assert np.all((np.abs(w_true[w_true != 0]) >= 1) & (np.abs(w_true[w_true != 0]) <= 2))
    np.testing.assert_allclose(y, Phi @ w_true)
    again = reg.sparse_recovery_problem(30, 80, 4, noise=0.0, seed=7)
    np.testing.assert_array_equal(again[0], Phi)
    with pytest.raises(ValueError):
        reg.sparse_recovery_problem(5, 3, 4)


def test_lasso_objective():
    Phi, y, w = np.eye(2), np.array([1.0, 2.0]), np.array([1.0, -1.0])
    assert lasso_objective(Phi, y, w, 0.5) == pytest.approx(9 / 4 + 1.0)
    assert lasso_objective(Phi, y, 2 * w, 0.5) == pytest.approx((1 + 16) / 4 + 2.0)


def test_kkt_violation_and_support():
    Phi, y = np.eye(2), np.array([2.0, 0.5])
    # the exact solution of an identity design is S_{Nλ}(y)
    assert reg.lasso_kkt_violation(Phi, y, np.array([1.0, 0.0]), 0.5) == pytest.approx(0, abs=1e-15)
    assert reg.lasso_kkt_violation(Phi, y, np.zeros(2), 0.5) == pytest.approx(0.5)
    assert reg.lasso_kkt_violation(Phi, y, np.zeros(2), 1.0) == 0.0  # λ ≥ λ_max
    assert reg.lasso_kkt_violation(Phi, y, np.array([1.0, 0.1]), 0.5) > 0
    np.testing.assert_array_equal(reg.support(np.array([0.0, 1e-12, -2.0, 3.0])), [2, 3])


def test_diabetes_is_standardized():
    X, y, _ = reg.diabetes()
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-12)
    assert abs(y.mean()) < 1e-10


def test_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = reg.plot_convergence({"a": [1.0, 0.1, 0.0, 0.01]}, ylabel="gap")
    assert ax.get_yscale() == "log"
    ax = reg.plot_convergence({"a": [1.0, 0.1]}, x={"a": [0.0, 0.5]}, xlabel="seconds")
    ax = reg.plot_path(np.logspace(-2, 0, 5), np.ones((5, 3)), ["a", "b", "c"])
    assert ax.get_xscale() == "log"
    plt.close("all")


def test_working_set_with_the_reference_fista_matches_sklearn():
    """lib.regularization.lasso_working_set (notebook Q7, the benchmark's solver)."""
    from sklearn.linear_model import Lasso

    from lib.regularization import (
        lasso_kkt_violation,
        lasso_working_set,
        sparse_recovery_problem,
    )

    ns = reference_namespace(NOTEBOOK)
    Phi, y, _ = sparse_recovery_problem(120, 600, 8, noise=0.1, seed=3)
    lam = 0.05
    w = lasso_working_set(Phi, y, lam, ns["fista"], ns["ridge_lipschitz"], tol=1e-11,
                          initial=4)
    w_cd = Lasso(alpha=lam, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(Phi, y).coef_
    assert lasso_kkt_violation(Phi, y, w, lam) <= 1e-10
    F, F_cd = lasso_objective(Phi, y, w, lam), lasso_objective(Phi, y, w_cd, lam)
    assert (F - F_cd) / F_cd <= 1e-10
