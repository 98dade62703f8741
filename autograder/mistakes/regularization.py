"""Realistic wrong answers for Assignment 2 (regularization and optimization)."""

import numpy as np

from autograder.mistakes import Feedback, alternative, mistake, modified_in_place, non_answer

#: One misconception, two ways of writing it.
RIDGE_INVERSE = Feedback(
    "an explicit inverse",
    "Inverting a nearly singular matrix loses digits that a solver keeps: solve the system "
    "(np.linalg.solve, a Cholesky factorization) instead of forming an inverse or "
    "pseudo-inverse.",
    "ridge")


def _soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def _F(Phi, y, w, lam):
    with np.errstate(all="ignore"):  # some mistakes diverge on purpose
        r = Phi @ w - y
        return float(r @ r / (2 * len(y)) + lam * np.sum(np.abs(w)))


def _ridge(Phi, y, shift):
    return np.linalg.solve(Phi.T @ Phi + shift * np.eye(Phi.shape[1]), Phi.T @ y)


# -- Q1 fit_ridge ----------------------------------------------------------------------


@mistake("regularization.ridge", "fit_ridge", Feedback(
    "λ in place of 2Nλ",
    "The 1/(2N) in front of the squared error and the derivative 2λw of λ‖w‖² together put 2Nλ "
    "on the diagonal.",
    "ridge"))
def lambda_for_2n_lambda(Phi, y, lam):
    """(ΦᵀΦ + λI)⁻¹Φᵀy: λ in place of the lecture's 2Nλ."""
    return _ridge(Phi, y, lam)


@mistake("regularization.ridge", "fit_ridge", Feedback(
    "Nλ in place of 2Nλ",
    "The derivative of λ‖w‖² is 2λw: with the 1/(2N) in front of the squared error that makes "
    "2Nλ.",
    "ridge"))
def n_lambda_forgets_two(Phi, y, lam):
    """(ΦᵀΦ + NλI)⁻¹Φᵀy: forgets the 2 from the derivative of λ||w||²."""
    return _ridge(Phi, y, len(y) * lam)


@mistake("regularization.ridge", "fit_ridge", Feedback(
    "2λ in place of 2Nλ",
    "The squared error carries 1/(2N): multiplying the optimality condition by N puts 2Nλ, not "
    "2λ, on the diagonal.",
    "ridge"))
def two_lambda_forgets_n(Phi, y, lam):
    """(ΦᵀΦ + 2λI)⁻¹Φᵀy: forgets the N from the 1/(2N) in front of the risk."""
    return _ridge(Phi, y, 2 * lam)


@mistake("regularization.ridge", "fit_ridge", Feedback(
    "λ ignored",
    "The penalty λ‖w‖² is part of the objective: it adds 2Nλ to the diagonal of ΦᵀΦ.",
    "ridge"))
def unregularized_lstsq(Phi, y, lam):
    """Minimum-norm least squares, ignoring λ altogether."""
    return np.linalg.lstsq(Phi, y, rcond=None)[0]


@mistake("regularization.ridge", "fit_ridge", Feedback(
    "ΦᵀΦ/N together with 2Nλ",
    "Scale the whole equation the same way: ΦᵀΦ + 2NλI with Φᵀy, or ΦᵀΦ/N + 2λI with Φᵀy/N.",
    "ridge"))
def mixed_scalings(Phi, y, lam):
    """Solves (ΦᵀΦ/N + 2NλI)w = Φᵀy/N: divides the Gram matrix by N but keeps 2Nλ."""
    N, M = Phi.shape
    return np.linalg.solve(Phi.T @ Phi / N + 2 * N * lam * np.eye(M), Phi.T @ y / N)


@mistake("regularization.ridge", "fit_ridge", RIDGE_INVERSE)
def explicit_inverse(Phi, y, lam):
    """inv(ΦᵀΦ + 2NλI) @ Φᵀy: an explicit inverse, inaccurate when the matrix is nearly singular."""
    A = Phi.T @ Phi + 2 * len(y) * lam * np.eye(Phi.shape[1])
    return np.linalg.inv(A) @ (Phi.T @ y)


@mistake("regularization.ridge", "fit_ridge", RIDGE_INVERSE)
def pseudo_inverse_of_the_matrix(Phi, y, lam):
    """pinv(ΦᵀΦ + 2NλI) @ Φᵀy: an inverse by another name."""
    A = Phi.T @ Phi + 2 * len(y) * lam * np.eye(Phi.shape[1])
    return np.linalg.pinv(A) @ (Phi.T @ y)


@alternative("regularization.ridge", "fit_ridge")
def numpy_solve(Phi, y, lam):
    """np.linalg.solve of the M×M system, whatever the shape of Φ."""
    return _ridge(Phi, y, 2 * len(y) * lam)


@alternative("regularization.ridge", "fit_ridge")
def svd_filter(Phi, y, lam):
    """From the SVD Φ = UΣVᵀ: w = V diag(σ/(σ² + 2Nλ)) Uᵀy."""
    U, sigma, Vt = np.linalg.svd(Phi, full_matrices=False)
    return Vt.T @ (sigma * (U.T @ y) / (sigma**2 + 2 * len(y) * lam))


@alternative("regularization.ridge", "fit_ridge")
def stacked_least_squares(Phi, y, lam):
    """lstsq of the stacked system [Φ; √(2Nλ) I] w ≈ [y; 0]."""
    M = Phi.shape[1]
    A = np.vstack([Phi, np.sqrt(2 * len(y) * lam) * np.eye(M)])
    return np.linalg.lstsq(A, np.concatenate([y, np.zeros(M)]), rcond=None)[0]


@alternative("regularization.ridge", "fit_ridge")
def positive_definite_solve(Phi, y, lam):
    """scipy.linalg.solve(..., assume_a="pos"); the N×N system when M > N."""
    import scipy.linalg

    N, M = Phi.shape
    if M <= N:
        return scipy.linalg.solve(Phi.T @ Phi + 2 * N * lam * np.eye(M), Phi.T @ y, assume_a="pos")
    return Phi.T @ scipy.linalg.solve(Phi @ Phi.T + 2 * N * lam * np.eye(N), y, assume_a="pos")


# -- Q2 select_lambda ------------------------------------------------------------------


def _val_risks(Phi_train, y_train, Phi_val, y_val, lams, *, penalty=False, mse=False,
               train=False):
    risks = []
    for lam in lams:
        w = _ridge(Phi_train, y_train, 2 * len(y_train) * lam)
        P, t = (Phi_train, y_train) if train else (Phi_val, y_val)
        r = P @ w - t
        risk = r @ r / ((1 if mse else 2) * len(t))
        risks.append(risk + (lam * w @ w if penalty else 0.0))
    return np.array(risks)


@mistake("regularization.select_lambda", "select_lambda", Feedback(
    "the penalty added to the validation risk",
    "λ‖w‖² is part of what training minimizes, not of how well the model predicts: the "
    "validation risk is the squared error alone.",
    "regularization"))
def validation_risk_with_penalty(Phi_train, y_train, Phi_val, y_val, lams):
    """Adds the penalty λ||w||² to the validation risk."""
    risks = _val_risks(Phi_train, y_train, Phi_val, y_val, lams, penalty=True)
    return risks, float(lams[np.argmin(risks)])


@mistake("regularization.select_lambda", "select_lambda", Feedback(
    "λ chosen by the training risk",
    "The training risk always prefers the smallest λ: choose λ by the validation risk.",
    "data-format"))
def selects_by_training_risk(Phi_train, y_train, Phi_val, y_val, lams):
    """Reports validation risks but picks λ with the smallest training risk."""
    risks = _val_risks(Phi_train, y_train, Phi_val, y_val, lams)
    train = _val_risks(Phi_train, y_train, Phi_val, y_val, lams, train=True)
    return risks, float(lams[np.argmin(train)])


@mistake("regularization.select_lambda", "select_lambda", Feedback(
    "the position of the best λ instead of λ",
    "Return the value lams[i] itself, not its index i.",
    "data-format"))
def returns_index(Phi_train, y_train, Phi_val, y_val, lams):
    """Returns the index of the best λ instead of λ itself."""
    risks = _val_risks(Phi_train, y_train, Phi_val, y_val, lams)
    return risks, int(np.argmin(risks))


@mistake("regularization.select_lambda", "select_lambda", Feedback(
    "1/N instead of 1/(2N)",
    "The validation risk is R_emp on the validation set, with the factor 1/(2N).",
    "basis-models"))
def mean_squared_error(Phi_train, y_train, Phi_val, y_val, lams):
    """Validation MSE (1/N) instead of R_emp (1/(2N))."""
    risks = _val_risks(Phi_train, y_train, Phi_val, y_val, lams, mse=True)
    return risks, float(lams[np.argmin(risks)])


@mistake("regularization.select_lambda", "select_lambda", Feedback(
    "the squared error not divided by 2N",
    "The validation risk is R_emp on the validation set: ‖Φw − y‖²/(2N).",
    "basis-models"))
def summed_squares(Phi_train, y_train, Phi_val, y_val, lams):
    """Validation ||Φw − y||² without dividing by 2N."""
    risks = _val_risks(Phi_train, y_train, Phi_val, y_val, lams) * 2 * len(y_val)
    return risks, float(lams[np.argmin(risks)])


@alternative("regularization.select_lambda", "select_lambda")
def risks_with_mean(Phi_train, y_train, Phi_val, y_val, lams):
    """np.mean(residual²)/2 for each λ, and lams[argmin]."""
    risks = np.array([np.mean((Phi_val @ _ridge(Phi_train, y_train, 2 * len(y_train) * lam)
                               - y_val) ** 2) / 2 for lam in lams])
    return risks, float(lams[np.argmin(risks)])


# -- Q3 ridge_lipschitz / ridge_gradient_descent ---------------------------------------


@mistake("regularization.lipschitz", "ridge_lipschitz", Feedback(
    "the Frobenius norm instead of the spectral norm",
    "L is the largest eigenvalue of the Hessian ΦᵀΦ/N + 2λI; ‖Φ‖_F² adds up all the squared "
    "singular values.",
    "gradient-descent"))
def frobenius_norm(Phi, lam):
    """||Φ||_F²/N + 2λ: the Frobenius norm instead of the spectral norm."""
    return float(np.linalg.norm(Phi) ** 2 / Phi.shape[0] + 2 * lam)


@mistake("regularization.lipschitz", "ridge_lipschitz", Feedback(
    "the 1/N missing",
    "The Hessian of ‖Φw − y‖²/(2N) is ΦᵀΦ/N.",
    "gradient-descent"))
def not_divided_by_n(Phi, lam):
    """σ_max² + 2λ: forgets the 1/N of the Hessian ΦᵀΦ/N."""
    return float(np.linalg.norm(Phi, 2) ** 2 + 2 * lam)


@mistake("regularization.lipschitz", "ridge_lipschitz", Feedback(
    "the constant squared",
    "L is the largest eigenvalue of the Hessian itself, not its square.",
    "gradient-descent"))
def squared_constant(Phi, lam):
    """||ΦᵀΦ/N||₂² + 2λ: squares the constant (a step of 1/L² instead of 1/L)."""
    return float(np.linalg.norm(Phi.T @ Phi / Phi.shape[0], 2) ** 2 + 2 * lam)


@mistake("regularization.lipschitz", "ridge_lipschitz", Feedback(
    "λ instead of 2λ",
    "The Hessian of λ‖w‖² is 2λI.",
    "gradient-descent"))
def lambda_not_two_lambda(Phi, lam):
    """σ_max²/N + λ: the Hessian of λ||w||² is 2λI, not λI."""
    return float(np.linalg.norm(Phi, 2) ** 2 / Phi.shape[0] + lam)


@mistake("regularization.lipschitz", "ridge_lipschitz", Feedback(
    "the largest diagonal entry instead of the largest eigenvalue",
    "The largest eigenvalue of ΦᵀΦ/N can be much larger than any of its diagonal entries.",
    "gradient-descent"))
def largest_column_norm(Phi, lam):
    """max_j ||φ_j||²/N + 2λ: the largest diagonal entry of ΦᵀΦ/N, not its top eigenvalue."""
    return float(np.max(np.sum(Phi**2, axis=0)) / Phi.shape[0] + 2 * lam)


@alternative("regularization.lipschitz", "ridge_lipschitz")
def spectral_norm(Phi, lam):
    """np.linalg.norm(Φ, 2)² / N + 2λ."""
    return float(np.linalg.norm(Phi, 2) ** 2 / Phi.shape[0] + 2 * lam)


@alternative("regularization.lipschitz", "ridge_lipschitz")
def top_eigenvalue_of_gram(Phi, lam):
    """The largest eigenvalue of ΦᵀΦ/N (np.linalg.eigvalsh) + 2λ."""
    return float(np.linalg.eigvalsh(Phi.T @ Phi / Phi.shape[0])[-1] + 2 * lam)


def _gd(Phi, y, lam, step, num_iters, w0, *, penalty=2.0, scale=None, keep_w0=True,
        sign=1.0):
    N = len(y) if scale is None else scale
    W = [np.array(w0, dtype=float)]
    for _ in range(num_iters):
        w = W[-1]
        with np.errstate(all="ignore"):  # some mistakes diverge on purpose
            W.append(w - sign * step * (Phi.T @ (Phi @ w - y) / N + penalty * lam * w))
    return np.array(W if keep_w0 else W[1:]).reshape(-1, len(w0))


@mistake("regularization.gradient_descent", "ridge_gradient_descent", Feedback(
    "λw as the penalty's gradient",
    "The gradient of λ‖w‖² is 2λw.",
    "gradient-descent"))
def penalty_gradient_lambda_w(Phi, y, lam, step, num_iters, w0):
    """Gradient of the penalty taken as λw instead of 2λw."""
    return _gd(Phi, y, lam, step, num_iters, w0, penalty=1.0)


@mistake("regularization.gradient_descent", "ridge_gradient_descent", Feedback(
    "the gradient without 1/N",
    "The gradient of ‖Φw − y‖²/(2N) is Φᵀ(Φw − y)/N.",
    "gradient-descent"))
def gradient_without_1_over_n(Phi, y, lam, step, num_iters, w0):
    """Gradient Φᵀ(Φw − y) + 2λw, without the 1/N."""
    return _gd(Phi, y, lam, step, num_iters, w0, scale=1.0)


@mistake("regularization.gradient_descent", "ridge_gradient_descent", Feedback(
    "the starting point missing from the iterates",
    "Return all K + 1 iterates w_0, …, w_K, starting with w0.",
    "gradient-descent"))
def iterates_without_w0(Phi, y, lam, step, num_iters, w0):
    """Returns w_1..w_K only (shape (K, M)), dropping the starting point."""
    return _gd(Phi, y, lam, step, num_iters, w0, keep_w0=False)


@mistake("regularization.gradient_descent", "ridge_gradient_descent", Feedback(
    "a step up the gradient",
    "Gradient descent moves against the gradient: w ← w − γ∇R(w).",
    "gradient-descent"))
def gradient_ascent(Phi, y, lam, step, num_iters, w0):
    """w_{k+1} = w_k + γ∇R(w_k): the residual's sign flipped (Φᵀ(y − Φw) used as the gradient)."""
    return _gd(Phi, y, lam, step, num_iters, w0, sign=-1.0)


@mistake("regularization.gradient_descent", "ridge_gradient_descent")
def phi_times_residual(Phi, y, lam, step, num_iters, w0):
    """Φ @ r in place of Φᵀ @ r (fails unless Φ is square, and is wrong unless symmetric)."""
    W = [np.array(w0, dtype=float)]
    for _ in range(num_iters):
        w = W[-1]
        W.append(w - step * (Phi @ (Phi @ w - y) / len(y) + 2 * lam * w))
    return np.array(W)


@mistake("regularization.gradient_descent", "ridge_gradient_descent",
         modified_in_place("w0", "gradient-descent"))
def updates_w0_in_place(Phi, y, lam, step, num_iters, w0):
    """w = w0; w -= γ∇R(w): the right iterates, but the caller's w0 is overwritten."""
    w = w0
    W = [w.copy()]
    for _ in range(num_iters):
        w -= step * (Phi.T @ (Phi @ w - y) / len(y) + 2 * lam * w)
        W.append(w.copy())
    return np.array(W)


@alternative("regularization.gradient_descent", "ridge_gradient_descent")
def gram_matrix_once(Phi, y, lam, step, num_iters, w0):
    """ΦᵀΦ/N and Φᵀy/N formed once, then w ← w − γ((ΦᵀΦ/N)w − Φᵀy/N + 2λw)."""
    G, b = Phi.T @ Phi / len(y), Phi.T @ y / len(y)
    W = np.empty((num_iters + 1, len(w0)))
    W[0] = w0
    for k in range(num_iters):
        W[k + 1] = W[k] - step * (G @ W[k] - b + 2 * lam * W[k])
    return W


@non_answer("regularization.gradient_descent", "ridge_gradient_descent")
def never_moves(Phi, y, lam, step, num_iters, w0):
    """Returns w0 for every iterate."""
    return np.tile(w0, (num_iters + 1, 1))


# -- Q4 lasso_subgradient --------------------------------------------------------------


def _subgradient(Phi, y, lam, gamma0, num_iters, w0, *, sign=np.sign,
                 schedule=lambda k: 1 / np.sqrt(k + 1), keep_w0=True, scale=None):
    N = len(y) if scale is None else scale
    w = np.array(w0, dtype=float)
    history = [_F(Phi, y, w, lam)]
    for k in range(num_iters):
        g = Phi.T @ (Phi @ w - y) / N + lam * sign(w)
        w = w - gamma0 * schedule(k) * g
        history.append(_F(Phi, y, w, lam))
    return w, np.array(history if keep_w0 else history[1:])


@mistake("regularization.subgradient", "lasso_subgradient", Feedback(
    "+1 as the subgradient at 0",
    "The question takes s_j = 0 where w_j = 0 (np.sign does that).",
    "subgradient"))
def sign_one_at_zero(Phi, y, lam, gamma0, num_iters, w0):
    """Uses +1 at w_j = 0 (np.where(w >= 0, 1, -1)) instead of the lecture's choice 0."""
    return _subgradient(Phi, y, lam, gamma0, num_iters, w0,
                        sign=lambda w: np.where(w >= 0, 1.0, -1.0))


@mistake("regularization.subgradient", "lasso_subgradient", Feedback(
    "a constant step",
    "The question's step shrinks as γ0/√(k + 1).",
    "subgradient"))
def constant_step(Phi, y, lam, gamma0, num_iters, w0):
    """Constant step γ0 instead of the diminishing γ0/√(k+1)."""
    return _subgradient(Phi, y, lam, gamma0, num_iters, w0, schedule=lambda k: 1.0)


@mistake("regularization.subgradient", "lasso_subgradient", Feedback(
    "γ0/(k + 1) instead of γ0/√(k + 1)",
    "The question's step shrinks with the square root of k + 1.",
    "subgradient"))
def step_one_over_k(Phi, y, lam, gamma0, num_iters, w0):
    """Step γ0/(k+1) instead of γ0/√(k+1)."""
    return _subgradient(Phi, y, lam, gamma0, num_iters, w0, schedule=lambda k: 1 / (k + 1))


@mistake("regularization.subgradient", "lasso_subgradient", Feedback(
    "the ℓ1 term's subgradient with the wrong sign",
    "The subgradient of λ‖w‖₁ is +λ·sign(w).",
    "subgradient"))
def wrong_sign_of_l1_term(Phi, y, lam, gamma0, num_iters, w0):
    """Subgradient of the ℓ1 term with the wrong sign: −λ·sign(w)."""
    return _subgradient(Phi, y, lam, gamma0, num_iters, w0, sign=lambda w: -np.sign(w))


@mistake("regularization.subgradient", "lasso_subgradient", Feedback(
    "F(w_0) missing from the history",
    "Record F before the first step and after each step: K + 1 values.",
    "subgradient"))
def history_without_w0(Phi, y, lam, gamma0, num_iters, w0):
    """History F(w_1)..F(w_K), missing F(w_0)."""
    return _subgradient(Phi, y, lam, gamma0, num_iters, w0, keep_w0=False)


@mistake("regularization.subgradient", "lasso_subgradient", modified_in_place("w0", "subgradient"))
def subgradient_updates_w0_in_place(Phi, y, lam, gamma0, num_iters, w0):
    """w = w0; w -= γ_k g_k: the right iterates, but the caller's w0 is overwritten."""
    w, history = w0, [_F(Phi, y, w0, lam)]
    for k in range(num_iters):
        w -= gamma0 / np.sqrt(k + 1) * (Phi.T @ (Phi @ w - y) / len(y) + lam * np.sign(w))
        history.append(_F(Phi, y, w, lam))
    return w.copy(), np.array(history)


@non_answer("regularization.subgradient", "lasso_subgradient")
def subgradient_never_moves(Phi, y, lam, gamma0, num_iters, w0):
    """Returns w0 and F(w0) repeated."""
    return np.array(w0, dtype=float), np.full(num_iters + 1, _F(Phi, y, w0, lam))


# -- Q5 soft_threshold / ista / fista ----------------------------------------------------


@mistake("regularization.soft_threshold", "soft_threshold", Feedback(
    "shrinking by t/2",
    "S_t shrinks every entry towards 0 by t.",
    "subgradient"))
def shrinks_by_half(v, t):
    """Shrinks by t/2 (the prox of (t/2)|·|), the wrong shrink."""
    return np.sign(v) * np.maximum(np.abs(v) - t / 2, 0.0)


@mistake("regularization.soft_threshold", "soft_threshold", Feedback(
    "hard thresholding",
    "Soft-thresholding also shrinks the entries it keeps, by t.",
    "subgradient"))
def hard_threshold(v, t):
    """Hard thresholding: zeroes |v| ≤ t but does not shrink the rest."""
    return np.where(np.abs(v) > t, v, 0.0)


@mistake("regularization.soft_threshold", "soft_threshold", Feedback(
    "the negative side forgotten",
    "S_t acts on negative entries too: it is odd, S_t(−v) = −S_t(v).",
    "subgradient"))
def one_sided(v, t):
    """max(v − t, 0): forgets the negative side."""
    return np.maximum(v - t, 0.0)


@mistake("regularization.soft_threshold", "soft_threshold", Feedback(
    "no max(·, 0)",
    "Entries with |v| ≤ t become exactly 0; they do not change sign.",
    "subgradient"))
def no_clipping(v, t):
    """sign(v)(|v| − t) without the max: small entries flip sign instead of becoming 0."""
    return np.sign(v) * (np.abs(v) - t)


@alternative("regularization.soft_threshold", "soft_threshold")
def minus_clipped(v, t):
    """v − clip(v, −t, t): the same shrinkage, written as a projection."""
    return v - np.clip(v, -t, t)


def _ista(Phi, y, lam, step, num_iters, w0, *, threshold=None, scale=None, keep_w0=True):
    N = len(y) if scale is None else scale
    t = step * lam if threshold is None else threshold(step, lam)
    w = np.array(w0, dtype=float)
    history = [_F(Phi, y, w, lam)]
    for _ in range(num_iters):
        with np.errstate(all="ignore"):  # some mistakes diverge on purpose
            w = _soft(w - step * Phi.T @ (Phi @ w - y) / N, t)
        history.append(_F(Phi, y, w, lam))
    return w, np.array(history if keep_w0 else history[1:])


@mistake("regularization.ista", "ista", Feedback(
    "thresholding at λ instead of γλ",
    "The proximal step of γλ‖·‖₁ soft-thresholds at γλ.",
    "subgradient"))
def threshold_lambda(Phi, y, lam, step, num_iters, w0):
    """Soft-thresholds at λ instead of γλ."""
    return _ista(Phi, y, lam, step, num_iters, w0, threshold=lambda s, lam: lam)


@mistake("regularization.ista", "ista", Feedback(
    "thresholding at γ instead of γλ",
    "The proximal step of γλ‖·‖₁ soft-thresholds at γλ.",
    "subgradient"))
def threshold_step(Phi, y, lam, step, num_iters, w0):
    """Soft-thresholds at γ instead of γλ."""
    return _ista(Phi, y, lam, step, num_iters, w0, threshold=lambda s, lam: s)


@mistake("regularization.ista", "ista", Feedback(
    "the gradient without 1/N",
    "The gradient of f(w) = ‖Φw − y‖²/(2N) is Φᵀ(Φw − y)/N.",
    "subgradient"))
def ista_gradient_without_1_over_n(Phi, y, lam, step, num_iters, w0):
    """Gradient step with Φᵀ(Φw − y), without the 1/N."""
    return _ista(Phi, y, lam, step, num_iters, w0, scale=1.0)


@mistake("regularization.ista", "ista", Feedback(
    "F(w_0) missing from the history",
    "Record F before the first step and after each step: K + 1 values.",
    "subgradient"))
def ista_history_without_w0(Phi, y, lam, step, num_iters, w0):
    """History F(w_1)..F(w_K), missing F(w_0)."""
    return _ista(Phi, y, lam, step, num_iters, w0, keep_w0=False)


@alternative("regularization.ista", "ista")
def ista_with_fresh_products(Phi, y, lam, step, num_iters, w0):
    """The textbook loop: recomputes Φw for the gradient and for F at every step."""
    w = np.array(w0, dtype=float)
    history = [_F(Phi, y, w, lam)]
    for _ in range(num_iters):
        w = _soft(w - step * Phi.T @ (Phi @ w - y) / len(y), step * lam)
        history.append(_F(Phi, y, w, lam))
    return w, np.array(history)


@non_answer("regularization.ista", "ista")
def ista_never_moves(Phi, y, lam, step, num_iters, w0):
    """Returns w0 and F(w0) repeated."""
    return np.array(w0, dtype=float), np.full(num_iters + 1, _F(Phi, y, w0, lam))


def _fista(Phi, y, lam, step, num_iters, w0, restart=False, *, grad_at_w=False,
           momentum=None, from_v=False, late_restart=False):
    N = len(y)
    w = np.array(w0, dtype=float)
    v = w.copy()
    t = 1.0
    history = [_F(Phi, y, w, lam)]
    reset_next = False
    for k in range(num_iters):
        point = w if grad_at_w else v
        w_next = _soft(point - step * Phi.T @ (Phi @ point - y) / N, step * lam)
        history.append(_F(Phi, y, w_next, lam))
        increased = history[-1] > history[-2]
        if late_restart:
            if reset_next:
                t = 1.0
            reset_next = restart and increased
        elif restart and increased:
            t = 1.0
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        beta = (t - 1) / t_next if momentum is None else momentum(k)
        v = w_next + beta * (w_next - (v if from_v else w))
        w, t = w_next, t_next
    return w, np.array(history)


@mistake("regularization.fista", "fista", Feedback(
    "the gradient step taken from w_k instead of v_k",
    "FISTA takes its proximal gradient step from the extrapolated point v_k.",
    "subgradient"))
def gradient_at_w_not_v(Phi, y, lam, step, num_iters, w0, restart=False):
    """Takes the gradient step from w_k instead of the extrapolated point v_k."""
    return _fista(Phi, y, lam, step, num_iters, w0, restart, grad_at_w=True)


@mistake("regularization.fista", "fista", Feedback(
    "the restart flag ignored",
    "With restart=True, reset t to 1 whenever F increases.",
    "subgradient"))
def restart_ignored(Phi, y, lam, step, num_iters, w0, restart=False):
    """Ignores the restart flag (plain FISTA always)."""
    return _fista(Phi, y, lam, step, num_iters, w0, False)


@mistake("regularization.fista", "fista", Feedback(
    "momentum k/(k + 3)",
    "The question's momentum is (t_k − 1)/t_(k+1), with t_(k+1) = (1 + √(1 + 4t_k²))/2.",
    "subgradient"))
def momentum_k_over_k_plus_3(Phi, y, lam, step, num_iters, w0, restart=False):
    """Momentum k/(k+3) instead of (t_k − 1)/t_{k+1}."""
    return _fista(Phi, y, lam, step, num_iters, w0, restart, momentum=lambda k: k / (k + 3))


@mistake("regularization.fista", "fista", Feedback(
    "extrapolating from v_k",
    "The momentum step extrapolates along w_(k+1) − w_k, the difference of two iterates.",
    "subgradient"))
def extrapolates_from_v(Phi, y, lam, step, num_iters, w0, restart=False):
    """v_{k+1} = w_{k+1} + β(w_{k+1} − v_k): extrapolates from v_k instead of w_k."""
    return _fista(Phi, y, lam, step, num_iters, w0, restart, from_v=True)


@mistake("regularization.fista", "fista", Feedback(
    "the restart one step late",
    "Reset t in the iteration in which F increased, before its momentum step.",
    "subgradient"))
def restart_one_step_late(Phi, y, lam, step, num_iters, w0, restart=False):
    """Resets t only at the next iteration, after the momentum step was already taken."""
    return _fista(Phi, y, lam, step, num_iters, w0, restart, late_restart=True)


@alternative("regularization.fista", "fista")
def fista_with_fresh_products(Phi, y, lam, step, num_iters, w0, restart=False):
    """The textbook loop: Φv computed from v at every step (two products with Φ, not one)."""
    return _fista(Phi, y, lam, step, num_iters, w0, restart)


# -- Q6 admm_lasso ---------------------------------------------------------------------


def _admm(Phi, y, lam, rho, num_iters, *, threshold=None, scale=None, dual=True,
          return_x=False):
    N, M = Phi.shape
    s = N if scale is None else scale
    A = Phi.T @ Phi / s + rho * np.eye(M)
    b = Phi.T @ y / s
    x = z = u = np.zeros(M)
    t = lam / rho if threshold is None else threshold(lam, rho)
    history = [_F(Phi, y, z, lam)]
    for _ in range(num_iters):
        x = np.linalg.solve(A, b + rho * (z - u))
        z = _soft(x + u, t)
        if dual:
            u = u + x - z
        history.append(_F(Phi, y, x if return_x else z, lam))
    return (x if return_x else z), np.array(history)


@mistake("regularization.admm", "admm_lasso", Feedback(
    "thresholding at λρ instead of λ/ρ",
    "The z-step soft-thresholds at λ/ρ.",
    "subgradient"))
def threshold_lambda_times_rho(Phi, y, lam, rho, num_iters):
    """z-step soft-thresholds at λρ instead of λ/ρ."""
    return _admm(Phi, y, lam, rho, num_iters, threshold=lambda lam, rho: lam * rho)


@mistake("regularization.admm", "admm_lasso", Feedback(
    "thresholding at λ instead of λ/ρ",
    "The z-step soft-thresholds at λ/ρ.",
    "subgradient"))
def admm_threshold_lambda(Phi, y, lam, rho, num_iters):
    """z-step soft-thresholds at λ, forgetting the 1/ρ."""
    return _admm(Phi, y, lam, rho, num_iters, threshold=lambda lam, rho: lam)


@mistake("regularization.admm", "admm_lasso", Feedback(
    "the x-step without 1/N",
    "The x-step solves (ΦᵀΦ/N + ρI)x = Φᵀy/N + ρ(z − u).",
    "subgradient"))
def x_step_without_1_over_n(Phi, y, lam, rho, num_iters):
    """x-step solves (ΦᵀΦ + ρI)x = Φᵀy + ρ(z − u), dropping the 1/N."""
    return _admm(Phi, y, lam, rho, num_iters, scale=1.0)


@mistake("regularization.admm", "admm_lasso", Feedback(
    "no dual update",
    "After the z-step, update the scaled dual variable: u ← u + x − z.",
    "subgradient"))
def no_dual_update(Phi, y, lam, rho, num_iters):
    """Never updates the scaled dual variable u (it stays 0)."""
    return _admm(Phi, y, lam, rho, num_iters, dual=False)


@mistake("regularization.admm", "admm_lasso", Feedback(
    "x returned instead of z",
    "Return (and record F of) z, the sparse iterate.",
    "subgradient"))
def returns_x_not_z(Phi, y, lam, rho, num_iters):
    """Returns (and records F of) the x iterate instead of the sparse z."""
    return _admm(Phi, y, lam, rho, num_iters, return_x=True)


@alternative("regularization.admm", "admm_lasso")
def admm_solve_every_step(Phi, y, lam, rho, num_iters):
    """np.linalg.solve of the M×M system at every step (no factorization kept, no Woodbury)."""
    return _admm(Phi, y, lam, rho, num_iters)


@non_answer("regularization.admm", "admm_lasso")
def admm_never_moves(Phi, y, lam, rho, num_iters):
    """Returns z = 0 and F(0) repeated."""
    return np.zeros(Phi.shape[1]), np.full(num_iters + 1, _F(Phi, y, np.zeros(Phi.shape[1]), lam))
