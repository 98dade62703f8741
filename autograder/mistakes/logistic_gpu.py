"""Realistic wrong answers for Assignment 3 (logistic classification on GPU).

Each one is what a student plausibly writes; each must fail at least one hidden test of its
question on the CPU (the device mistakes are caught through the dtype they also get wrong).
"""

import numpy as np
import torch

from autograder.mistakes import mistake


def _mean_ce(u, y):
    return torch.mean(torch.clamp(u, min=0) + torch.log1p(torch.exp(-torch.abs(u))) - y * u)


def _sigmoid(u):
    return torch.sigmoid(u)


# -- Q1(a) sigmoid ----------------------------------------------------------------------------


@mistake("logistic_gpu.sigmoid", "sigmoid")
def exp_over_one_plus_exp(u):
    """e^u / (1 + e^u): inf / inf = NaN for large u."""
    e = torch.exp(u)
    return e / (1 + e)


@mistake("logistic_gpu.sigmoid", "sigmoid")
def clamped_logits(u):
    """Clamps u to [−30, 30] "to avoid overflow": wrong tails."""
    return 1 / (1 + torch.exp(-torch.clamp(u, -30, 30)))


@mistake("logistic_gpu.sigmoid", "sigmoid")
def tanh_form(u):
    """(1 + tanh(u/2)) / 2: cancellation makes σ(u) inaccurate for u ≪ 0."""
    return 0.5 * (1 + torch.tanh(u / 2))


@mistake("logistic_gpu.sigmoid", "sigmoid")
def numpy_sigmoid(u):
    """Goes through NumPy: returns an ndarray (and fails on GPU tensors)."""
    x = u.cpu().numpy()
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@mistake("logistic_gpu.sigmoid", "sigmoid")
def python_loop_with_math_exp(u):
    """Python loop over math.exp: OverflowError at large |u|; torch.tensor(list) is CPU float32."""
    import math

    flat = [1 / (1 + math.exp(-x)) for x in u.reshape(-1).tolist()]
    return torch.tensor(flat).reshape(u.shape)


# -- Q1(b) cross_entropy ----------------------------------------------------------------------


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def log_of_sigmoid(Phi, y, w, lam=0.0):
    """−y log μ − (1 − y) log(1 − μ) with μ rounded to 0 or 1: log 0 = −inf."""
    mu = _sigmoid(Phi @ w)
    return -torch.mean(y * torch.log(mu) + (1 - y) * torch.log(1 - mu)) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def softplus_without_max(Phi, y, w, lam=0.0):
    """log(1 + e^u) − y u with a plain exp: overflows for large u."""
    u = Phi @ w
    return torch.mean(torch.log(1 + torch.exp(u)) - y * u) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def sum_not_mean(Phi, y, w, lam=0.0):
    """The lecture's sum: the 1/N is missing."""
    u = Phi @ w
    return torch.sum(torch.nn.functional.softplus(u) - y * u) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def ridge_without_half(Phi, y, w, lam=0.0):
    """λ||w||² instead of (λ/2)||w||²."""
    return _mean_ce(Phi @ w, y) + lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def returns_python_float(Phi, y, w, lam=0.0):
    """.item() at the end: a Python float (no autograd, a host round-trip)."""
    return (_mean_ce(Phi @ w, y) + 0.5 * lam * (w @ w)).item()


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def sign_of_label_term(Phi, y, w, lam=0.0):
    """softplus(u) + y·u: the sign of the label term flipped."""
    u = Phi @ w
    return torch.mean(torch.nn.functional.softplus(u) + y * u) + 0.5 * lam * (w @ w)


# -- Q2 gradient --------------------------------------------------------------------------------


@mistake("logistic_gpu.gradient", "gradient")
def y_minus_mu(Phi, y, w, lam=0.0):
    """Φᵀ(y − μ)/N: the sign error of the log-likelihood's gradient."""
    return Phi.T @ (y - _sigmoid(Phi @ w)) / Phi.shape[0] + lam * w


@mistake("logistic_gpu.gradient", "gradient")
def gradient_of_sum(Phi, y, w, lam=0.0):
    """Φᵀ(μ − y) without the 1/N (gradient of the sum, ridge term of the mean)."""
    return Phi.T @ (_sigmoid(Phi @ w) - y) + lam * w


@mistake("logistic_gpu.gradient", "gradient")
def ridge_gradient_2lam(Phi, y, w, lam=0.0):
    """2λw: the gradient of λ||w||², not of (λ/2)||w||²."""
    return Phi.T @ (_sigmoid(Phi @ w) - y) / Phi.shape[0] + 2 * lam * w


@mistake("logistic_gpu.gradient", "gradient")
def naive_sigmoid_ratio(Phi, y, w, lam=0.0):
    """Uses e^u / (1 + e^u) for μ: NaN at large logits."""
    e = torch.exp(Phi @ w)
    return Phi.T @ (e / (1 + e) - y) / Phi.shape[0] + lam * w


@mistake("logistic_gpu.gradient", "gradient")
def loop_with_cpu_accumulator(Phi, y, w, lam=0.0):
    """Loops over samples into a bare torch.zeros(M): CPU and float32, whatever the inputs."""
    g = torch.zeros(Phi.shape[1])
    for i in range(Phi.shape[0]):
        g += ((_sigmoid(Phi[i] @ w) - y[i]) * Phi[i]).float().cpu()
    return g / Phi.shape[0] + lam * w.float().cpu()


# -- Q3 gradient_descent ------------------------------------------------------------------------


def _grad(Phi, y, w, lam):
    return Phi.T @ (_sigmoid(Phi @ w) - y) / Phi.shape[0] + lam * w


def _loss(Phi, y, w, lam):
    return _mean_ce(Phi @ w, y) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.gradient_descent", "gradient_descent")
def gradient_ascent(Phi, y, w0, lr, num_steps, lam=0.0):
    """w + γ∇E: climbs the loss."""
    w, losses = w0.clone(), [_loss(Phi, y, w0, lam)]
    for _ in range(num_steps):
        w = w + lr * _grad(Phi, y, w, lam)
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


@mistake("logistic_gpu.gradient_descent", "gradient_descent")
def losses_as_python_list(Phi, y, w0, lr, num_steps, lam=0.0):
    """Records loss.item() in a Python list: a host round-trip per step, no tensor returned."""
    w, losses = w0.clone(), [_loss(Phi, y, w0, lam).item()]
    for _ in range(num_steps):
        w = w - lr * _grad(Phi, y, w, lam)
        losses.append(_loss(Phi, y, w, lam).item())
    return w, losses


@mistake("logistic_gpu.gradient_descent", "gradient_descent")
def loss_recorded_after_step_only(Phi, y, w0, lr, num_steps, lam=0.0):
    """Records the loss after each step only: E(w0) is missing, num_steps entries."""
    w = w0.clone()
    losses = torch.empty(num_steps, dtype=Phi.dtype, device=Phi.device)
    for k in range(num_steps):
        w = w - lr * _grad(Phi, y, w, lam)
        losses[k] = _loss(Phi, y, w, lam)
    return w, losses


@mistake("logistic_gpu.gradient_descent", "gradient_descent")
def sum_gradient(Phi, y, w0, lr, num_steps, lam=0.0):
    """Steps along the gradient of the sum (1/N missing): N times too large a step."""
    w, losses = w0.clone(), [_loss(Phi, y, w0, lam)]
    for _ in range(num_steps):
        w = w - lr * (Phi.T @ (_sigmoid(Phi @ w) - y) + lam * w)
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


@mistake("logistic_gpu.gradient_descent", "gradient_descent")
def starts_from_cpu_zeros(Phi, y, w0, lr, num_steps, lam=0.0):
    """Ignores w0 and starts from a bare torch.zeros(M): CPU, float32."""
    w = torch.zeros(Phi.shape[1])
    losses = torch.zeros(num_steps + 1)
    for k in range(num_steps + 1):
        P, t = Phi.float().cpu(), y.float().cpu()
        losses[k] = _loss(P, t, w, lam)
        if k < num_steps:
            w = w - lr * _grad(P, t, w, lam)
    return w, losses


# -- Q4(a) newton_step --------------------------------------------------------------------------


def _parts(Phi, y, w, lam):
    N, M = Phi.shape
    mu = _sigmoid(Phi @ w)
    g = Phi.T @ (mu - y) / N + lam * w
    eye = torch.eye(M, dtype=Phi.dtype, device=Phi.device)
    return N, mu, g, eye


@mistake("logistic_gpu.newton_step", "newton_step")
def explicit_inverse(Phi, y, w, lam=0.0):
    """w − inv(H) @ ∇E: an explicit inverse, inaccurate when H is ill-conditioned."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye
    return w - torch.linalg.inv(H) @ g


@mistake("logistic_gpu.newton_step", "newton_step")
def hessian_without_weights(Phi, y, w, lam=0.0):
    """H = ΦᵀΦ/N + λI: the weights S = diag(μ(1 − μ)) are missing."""
    N, _, g, eye = _parts(Phi, y, w, lam)
    return w - torch.linalg.solve(Phi.T @ Phi / N + lam * eye, g)


@mistake("logistic_gpu.newton_step", "newton_step")
def plus_newton_direction(Phi, y, w, lam=0.0):
    """w + H⁻¹∇E: the sign of the step flipped."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye
    return w + torch.linalg.solve(H, g)


@mistake("logistic_gpu.newton_step", "newton_step")
def hessian_of_the_sum(Phi, y, w, lam=0.0):
    """Hessian ΦᵀSΦ + λI of the sum (1/N missing) with the gradient of the mean."""
    _, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi + lam * eye
    return w - torch.linalg.solve(H, g)


@mistake("logistic_gpu.newton_step", "newton_step")
def ridge_missing_in_hessian(Phi, y, w, lam=0.0):
    """λw in the gradient but no λI in the Hessian."""
    N, mu, g, _ = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N
    return w - torch.linalg.solve(H, g)


# -- Q4(b) newton -------------------------------------------------------------------------------


def _newton(Phi, y, lam, num_steps, *, hessian_lam, grad_lam, weights=True, damping=True):
    N, M = Phi.shape
    w = torch.zeros(M, dtype=Phi.dtype, device=Phi.device)
    losses = [_loss(Phi, y, w, lam)]
    eye = torch.eye(M, dtype=Phi.dtype, device=Phi.device)
    for _ in range(num_steps):
        mu = _sigmoid(Phi @ w)
        g = Phi.T @ (mu - y) / N + grad_lam * w
        s = mu * (1 - mu) if weights else torch.ones_like(mu)
        H = (Phi * s[:, None]).T @ Phi / N + hessian_lam * eye
        step = torch.linalg.solve(H, g)
        t = 1.0
        while damping and _loss(Phi, y, w - t * step, lam) > losses[-1] and t > 1e-8:
            t /= 2
        w = w - t * step
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


@mistake("logistic_gpu.newton", "newton")
def ignores_ridge(Phi, y, lam, num_steps, tol=0.0):
    """Drops λ from gradient and Hessian: on separable data ||w|| grows without bound."""
    return _newton(Phi, y, lam, num_steps, hessian_lam=1e-12, grad_lam=0.0)


@mistake("logistic_gpu.newton", "newton")
def newton_without_weights(Phi, y, lam, num_steps, tol=0.0):
    """Hessian ΦᵀΦ/N + λI without S: a fixed-matrix iteration, linear convergence."""
    return _newton(Phi, y, lam, num_steps, hessian_lam=lam, grad_lam=lam, weights=False,
                   damping=False)


@mistake("logistic_gpu.newton", "newton")
def losses_as_list_of_floats(Phi, y, lam, num_steps, tol=0.0):
    """Returns the losses as a Python list of floats instead of a tensor."""
    w, losses = _newton(Phi, y, lam, num_steps, hessian_lam=lam, grad_lam=lam)
    return w, [float(v) for v in losses]


@mistake("logistic_gpu.newton", "newton")
def starts_from_bare_zeros(Phi, y, lam, num_steps, tol=0.0):
    """w = torch.zeros(M): float32 on the CPU, so float64 inputs fail or come back float32."""
    N, M = Phi.shape
    w = torch.zeros(M)
    P, t = Phi.float().cpu(), y.float().cpu()
    losses = [_loss(P, t, w, lam)]
    for _ in range(num_steps):
        mu = _sigmoid(P @ w)
        g = P.T @ (mu - t) / N + lam * w
        H = (P * (mu * (1 - mu))[:, None]).T @ P / N + lam * torch.eye(M)
        w = w - torch.linalg.solve(H, g)
        losses.append(_loss(P, t, w, lam))
    return w, torch.stack(losses)


@mistake("logistic_gpu.newton", "newton")
def gradient_of_the_sum(Phi, y, lam, num_steps, tol=0.0):
    """Gradient of the sum (no 1/N) with the Hessian of the mean: steps N times too long."""
    N, M = Phi.shape
    w = torch.zeros(M, dtype=Phi.dtype, device=Phi.device)
    losses = [_loss(Phi, y, w, lam)]
    eye = torch.eye(M, dtype=Phi.dtype, device=Phi.device)
    for _ in range(num_steps):
        mu = _sigmoid(Phi @ w)
        g = Phi.T @ (mu - y) + lam * w
        H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye
        w = w - torch.linalg.solve(H, g)
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


# -- Q5 predict ---------------------------------------------------------------------------------


@mistake("logistic_gpu.predict", "predict")
def logit_threshold_one_half(Phi, w):
    """u > 1/2: the threshold on μ applied to the logit."""
    return (Phi @ w > 0.5).to(Phi.dtype)


@mistake("logistic_gpu.predict", "predict")
def boolean_labels(Phi, w):
    """Returns a bool tensor instead of 0.0/1.0 in Phi's dtype."""
    return Phi @ w > 0


@mistake("logistic_gpu.predict", "predict")
def plus_minus_one(Phi, w):
    """torch.sign(u): labels ±1 (and 0 on the boundary) instead of 0/1."""
    return torch.sign(Phi @ w)


@mistake("logistic_gpu.predict", "predict")
def boundary_counts_as_one(Phi, w):
    """μ ≥ 1/2: points on the boundary u = 0 labelled 1."""
    return (_sigmoid(Phi @ w) >= 0.5).to(Phi.dtype)
