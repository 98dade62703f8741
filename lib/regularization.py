"""Helpers for Assignment 2 (regularization and optimization).

The notation is the lecture's: design matrix ``Phi`` of shape (N, M), targets ``y`` of
shape (N,), weights ``w`` of shape (M,), and the regularized least-squares objective

    F(w) = ||Phi w - y||² / (2N) + lam * C(w),

with C(w) = ||w||₂² (ridge) or C(w) = ||w||₁ (lasso). Nothing here solves a graded
question of any assignment (tests/test_lib.py tries every function as an answer): these are
the problem generators, optimality checks and plots the notebook builds on.
Only NumPy is imported at module level (``import lib`` must stay cheap).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np


def gaussian_basis(x: np.ndarray, M: int, s: float = 0.1) -> np.ndarray:
    """Design matrix of a bias plus M - 1 Gaussian bumps centred in M - 1 equal cells of [0, 1].

    phi_0(x) = 1 and phi_j(x) = exp(-(x - m_j)² / (2 s²)) with m_j = (j - 1/2)/(M - 1),
    j = 1..M-1: the midpoints of M - 1 equal cells, so that no bump sits on the border of
    the data. Unlike the monomials x**j on [0, 1], whose high powers are tiny, nearly
    identical columns, every column has entries of order one: for M = 100 and 10 points
    Phi has a condition number near 1e3 where the monomials reach 1e6 (and ΦᵀΦ squares
    it). Neighbouring bumps overlap, so on many points Phi is rank deficient in float64:
    regularize, or use a min-norm solver.

    Parameters
    ----------
    x : ndarray of shape (N,), float64
        Inputs, expected in [0, 1].
    M : int, M ≥ 2
        Number of basis functions, the bias included.
    s : float, s > 0
        Width of the bumps.

    Returns
    -------
    Phi : ndarray of shape (N, M), float64
        Phi[:, 0] = 1 and Phi[i, j] = exp(-(x[i] - m_j)² / (2 s²)).
    """
    if M < 2:
        raise ValueError("M must be at least 2 (the bias and one bump)")
    # Fixed centres, and scipy's distances rather than the broadcasting Assignment 1 asks
    # students to write: this helper is not an answer to Assignment 1's gaussian_design.
    from scipy.spatial.distance import cdist

    points = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    centers = ((np.arange(1, M) - 0.5) / (M - 1)).reshape(-1, 1)
    Phi = np.ones((points.shape[0], M))
    Phi[:, 1:] = np.exp(-cdist(points, centers, "sqeuclidean") / (2.0 * s * s))
    return Phi


def sparse_recovery_problem(N: int, M: int, k: int, noise: float = 0.1,
                            seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A compressed-sensing test problem: y = Phi w_true + noise with a k-sparse w_true.

    Parameters
    ----------
    N, M : int
        Number of observations and of features (typically M > N).
    k : int, 0 ≤ k ≤ M
        Number of non-zeros of w_true (at random positions, random signs, |w| in [1, 2]).
    noise : float
        Standard deviation of the Gaussian noise added to y.
    seed : int

    Returns
    -------
    Phi : ndarray of shape (N, M), float64
        Independent standard normal entries.
    y : ndarray of shape (N,), float64
    w_true : ndarray of shape (M,), float64
        Exactly k non-zero entries.
    """
    if not 0 <= k <= M:
        raise ValueError("k must lie in 0..M")
    rng = np.random.default_rng(seed)
    Phi = rng.standard_normal((N, M))
    w_true = np.zeros(M)
    support = rng.choice(M, size=k, replace=False)
    w_true[support] = rng.choice([-1.0, 1.0], size=k) * rng.uniform(1.0, 2.0, size=k)
    y = Phi @ w_true + noise * rng.standard_normal(N)
    return Phi, y, w_true


def lasso_kkt_violation(Phi: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float,
                        support_tol: float = 0.0) -> float:
    """How far w is from satisfying the lasso's optimality (KKT) conditions.

    With c = Phiᵀ(y - Phi w)/N, w minimizes F exactly when c_j = lam sign(w_j) on the
    support (w_j ≠ 0) and |c_j| ≤ lam off it. Returns the largest violation,
    max(max_{w_j≠0} |c_j - lam sign(w_j)|, max_{w_j=0} (|c_j| - lam)₊); 0 at the minimizer.

    Parameters
    ----------
    Phi : ndarray of shape (N, M); y : ndarray of shape (N,); w : ndarray of shape (M,)
    lam : float, lam ≥ 0
    support_tol : float
        Entries with |w_j| ≤ support_tol count as zero.

    Returns
    -------
    float, ≥ 0
    """
    c = Phi.T @ (y - Phi @ w) / len(y)
    on = np.abs(w) > support_tol
    worst = 0.0
    if np.any(on):
        worst = float(np.max(np.abs(c[on] - lam * np.sign(w[on]))))
    if np.any(~on):
        worst = max(worst, float(np.max(np.abs(c[~on]) - lam)))
    return max(worst, 0.0)


def support(w: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Indices of the entries of w with |w_j| > tol (the recovered support), int64 of shape (k,)."""
    return np.flatnonzero(np.abs(np.asarray(w)) > tol)


def diabetes() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """scikit-learn's bundled diabetes data, standardized for the lecture's 1/(2N) scaling.

    442 patients, 10 features (age, sex, bmi, blood pressure, six blood serum measurements),
    target: disease progression one year later. Nothing is downloaded.

    Returns
    -------
    X : ndarray of shape (442, 10), float64
        Each column has mean 0 and variance 1.
    y : ndarray of shape (442,), float64
        Centered target (mean 0), so no intercept is needed.
    names : list of 10 str
        Feature names.
    """
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    X = np.asarray(data.data, dtype=np.float64)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.asarray(data.target, dtype=np.float64)
    return X, y - y.mean(), list(data.feature_names)


def plot_convergence(curves: Mapping[str, Sequence[float] | np.ndarray],
                     x: Mapping[str, Sequence[float] | np.ndarray] | None = None,
                     xlabel: str = "iteration k", ylabel: str = "", title: str = "",
                     ax: Any = None, legend: bool = True) -> Any:
    """Convergence curves on a logarithmic y axis (non-positive values are left out).

    Parameters
    ----------
    curves : dict label -> sequence of shape (K_label,)
        E.g. objective gaps F(w_k) - F*.
    x : dict label -> sequence of shape (K_label,), optional
        The x values of each curve (e.g. seconds); default 0, 1, 2, ...
    legend : bool
        Draw the legend, outside the axes on the right (where it covers no curve).
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(5, 3.5), layout="constrained")[1]
    for label, curve in curves.items():
        values = np.asarray(curve, dtype=np.float64)
        xs = np.arange(len(values)) if x is None else np.asarray(x[label], dtype=np.float64)
        keep = values > 0
        ax.plot(xs[keep], values[keep], label=label)
    ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if legend:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0)
    return ax


def plot_path(lams: np.ndarray, W: np.ndarray, names: Sequence[str] | None = None,
              ax: Any = None) -> Any:
    """A regularization path: each coefficient w_j(lam) against lam on a log axis.

    Parameters
    ----------
    lams : ndarray of shape (K,), positive
    W : ndarray of shape (K, M)
        W[i] is the solution for lams[i].
    names : list of M str, optional
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(6, 4))[1]
    for j in range(W.shape[1]):
        ax.plot(lams, W[:, j], label=None if names is None else names[j])
    ax.set_xscale("log")
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set(xlabel=r"$\lambda$", ylabel=r"$w_j(\lambda)$")
    if names is not None:
        ax.legend(fontsize="x-small", ncol=2)
    return ax


def lasso_working_set(Phi: np.ndarray, y: np.ndarray, lam: float,
                      solver: Callable[..., tuple[np.ndarray, np.ndarray]],
                      lipschitz: Callable[[np.ndarray, float], float], *, tol: float = 1e-10,
                      initial: int = 32, inner_iters: int = 100,
                      max_rounds: int = 50) -> np.ndarray:
    """The lasso by working sets, with your own proximal solver doing the optimization.

    The solution is sparse, so most columns of Phi never matter. Solve on a small working
    set A of columns (starting with those most correlated with y), then check the KKT
    conditions on *all* columns, c = Phiᵀ(y − Phi w)/N: add the columns with |c_j| > lam to
    A and solve again, warm-started, until no column violates them by more than ``tol``.
    Each inner solve costs O(N·|A|) per iteration instead of O(N·M).

    Parameters
    ----------
    Phi : ndarray of shape (N, M), float64
    y : ndarray of shape (N,), float64
    lam : float, lam > 0
    solver : callable ``solver(Phi_A, y, lam, step, num_iters, w0) -> (w_A, history)``
        A proximal-gradient lasso solver, e.g. your ``fista``.
    lipschitz : callable ``lipschitz(Phi_A, 0.0) -> L``, e.g. your ``ridge_lipschitz``.
    tol : float
        Largest KKT violation accepted, on every column.

    Returns
    -------
    w : ndarray of shape (M,), float64
    """
    N, M = Phi.shape
    w = np.zeros(M)
    correlation = np.abs(Phi.T @ y) / N
    active = np.sort(np.argsort(-correlation)[:min(initial, M)])
    for _ in range(max_rounds):
        Phi_A = Phi[:, active]
        step = 1.0 / lipschitz(Phi_A, 0.0)
        w_A = w[active]
        for _ in range(max_rounds):  # solve on A until its own KKT conditions hold
            w_A, _ = solver(Phi_A, y, lam, step, inner_iters, w_A)
            c_A = Phi_A.T @ (y - Phi_A @ w_A) / N
            if lasso_kkt_violation(Phi_A, y, w_A, lam) <= tol:
                break
        w = np.zeros(M)
        w[active] = w_A
        c = Phi.T @ (y - Phi_A @ w_A) / N
        outside = np.abs(c) - lam
        outside[active] = -np.inf
        violators = np.flatnonzero(outside > tol)
        if violators.size == 0:
            return w
        # Keep the support, add the worst violators (at most doubling the set).
        keep = active[np.abs(w_A) > 0]
        worst = violators[np.argsort(-outside[violators])][:max(len(active), initial)]
        active = np.union1d(np.union1d(keep, worst), active[np.abs(c_A) >= lam - 1e-3 * lam])
    return w
