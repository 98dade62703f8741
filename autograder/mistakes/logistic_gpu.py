"""Answers to Assignment 3 (logistic and softmax classification on GPU): realistic wrong ones,
valid alternatives and non-answers.

Each mistake is what a student plausibly writes; each must fail at least one hidden test of its
question on the CPU (the device mistakes are caught through the dtype they also get wrong).
"""

import numpy as np
import torch

from autograder.mistakes import Feedback, alternative, mistake, modified_in_place, non_answer

#: One misconception, two ways of writing it (or reaching a later question through a call).
UNSTABLE_SIGMOID = Feedback(
    "e^u/(1 + e^u), which overflows",
    "e^u overflows to ∞ for large u and ∞/∞ is NaN: evaluate the exponential only at "
    "non-positive arguments, and use that stable sigmoid wherever μ is needed.",
    "logistic")
UNSTABLE_SOFTMAX = Feedback(
    "a softmax that overflows or underflows",
    "exp overflows for large logits, and a row far below a global maximum underflows to 0/0: "
    "subtract each row's own maximum before exp, and use that softmax wherever P is needed.",
    "logistic")
UNSTABLE_LOG_SOFTMAX = Feedback(
    "an unstable log of the softmax",
    "At large logits exp overflows, or a probability rounds to 0 and its log is −∞: "
    "torch.logsumexp and log_softmax subtract the maximum for you.",
    "logistic-loss")
NEWTON_INVERSE = Feedback(
    "an explicit inverse of H",
    "Solve HΔ = ∇E (torch.linalg.solve, or a Cholesky factorization) instead of forming H⁻¹ or "
    "a pseudo-inverse.",
    "newton")


def _mean_ce(u, y):
    return torch.mean(torch.clamp(u, min=0) + torch.log1p(torch.exp(-torch.abs(u))) - y * u)


def _sigmoid(u):
    return torch.sigmoid(u)


# -- Q1(a) sigmoid ----------------------------------------------------------------------------


@mistake("logistic_gpu.sigmoid", "sigmoid", UNSTABLE_SIGMOID)
def exp_over_one_plus_exp(u):
    """e^u / (1 + e^u): inf / inf = NaN for large u."""
    e = torch.exp(u)
    return e / (1 + e)


@mistake("logistic_gpu.sigmoid", "sigmoid", Feedback(
    "u clamped",
    "Clamping changes σ(u) in the tails; a stable formula needs no clamp.",
    "logistic"))
def clamped_logits(u):
    """Clamps u to [−30, 30] "to avoid overflow": wrong tails."""
    return 1 / (1 + torch.exp(-torch.clamp(u, -30, 30)))


@mistake("logistic_gpu.sigmoid", "sigmoid", Feedback(
    "(1 + tanh(u/2))/2",
    "For u ≪ 0 this subtracts nearly equal numbers and loses the small σ(u): use a form without"
    " cancellation.",
    "logistic"))
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


@alternative("logistic_gpu.sigmoid", "sigmoid")
def one_over_one_plus_exp(u):
    """1 / (1 + e^(−u)): e^(−u) overflows to inf for u ≪ 0, and 1/inf is exactly 0 in IEEE."""
    return 1 / (1 + torch.exp(-u))


@alternative("logistic_gpu.sigmoid", "sigmoid")
def torch_sigmoid(u):
    """torch.sigmoid (allowed; the question asks to write it, for Q1(b) and Q7)."""
    return torch.sigmoid(u)


@alternative("logistic_gpu.sigmoid", "sigmoid")
def exp_of_minus_softplus(u):
    """exp(−softplus(−u)), softplus in its stable form."""
    return torch.exp(-(torch.clamp(-u, min=0) + torch.log1p(torch.exp(-torch.abs(u)))))


@non_answer("logistic_gpu.sigmoid", "sigmoid")
def one_half_everywhere(u):
    """σ(0) = 1/2 for every u."""
    return torch.full_like(u, 0.5)


# -- Q1(b) cross_entropy ----------------------------------------------------------------------


@mistake("logistic_gpu.cross_entropy", "cross_entropy", Feedback(
    "the log of a rounded sigmoid",
    "μ rounds to 0 or 1 for large |u| and log 0 = −∞: write the loss in terms of u, in a stable"
    " form.",
    "logistic-loss"))
def log_of_sigmoid(Phi, y, w, lam=0.0):
    """−y log μ − (1 − y) log(1 − μ) with μ rounded to 0 or 1: log 0 = −inf."""
    mu = _sigmoid(Phi @ w)
    return -torch.mean(y * torch.log(mu) + (1 - y) * torch.log(1 - mu)) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy", Feedback(
    "log(1 + e^u) with a plain exp",
    "e^u overflows for large u: use the stable form max(u, 0) + log1p(e^(−|u|)).",
    "logistic-loss"))
def softplus_without_max(Phi, y, w, lam=0.0):
    """log(1 + e^u) − y u with a plain exp: overflows for large u."""
    u = Phi @ w
    return torch.mean(torch.log(1 + torch.exp(u)) - y * u) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy", Feedback(
    "the sum instead of the mean",
    "E averages the loss over the N points (1/N).",
    "logistic-loss"))
def sum_not_mean(Phi, y, w, lam=0.0):
    """The lecture's sum: the 1/N is missing."""
    u = Phi @ w
    return torch.sum(torch.nn.functional.softplus(u) - y * u) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy", Feedback(
    "λ‖w‖² instead of (λ/2)‖w‖²",
    "The ridge term of E is (λ/2)‖w‖².",
    "logistic-loss"))
def ridge_without_half(Phi, y, w, lam=0.0):
    """λ||w||² instead of (λ/2)||w||²."""
    return _mean_ce(Phi @ w, y) + lam * (w @ w)


@mistake("logistic_gpu.cross_entropy", "cross_entropy")
def returns_python_float(Phi, y, w, lam=0.0):
    """.item() at the end: a Python float (no autograd, a host round-trip)."""
    return (_mean_ce(Phi @ w, y) + 0.5 * lam * (w @ w)).item()


@mistake("logistic_gpu.cross_entropy", "cross_entropy", Feedback(
    "+y·u instead of −y·u",
    "The negative log-likelihood of a point is softplus(u) − y·u.",
    "logistic-loss"))
def sign_of_label_term(Phi, y, w, lam=0.0):
    """softplus(u) + y·u: the sign of the label term flipped."""
    u = Phi @ w
    return torch.mean(torch.nn.functional.softplus(u) + y * u) + 0.5 * lam * (w @ w)


@alternative("logistic_gpu.cross_entropy", "cross_entropy")
def binary_cross_entropy_with_logits(Phi, y, w, lam=0.0):
    """torch.nn.functional.binary_cross_entropy_with_logits plus the ridge term."""
    return (torch.nn.functional.binary_cross_entropy_with_logits(Phi @ w, y)
            + 0.5 * lam * (w @ w))


@alternative("logistic_gpu.cross_entropy", "cross_entropy")
def logaddexp_form(Phi, y, w, lam=0.0):
    """log(1 + e^u) as torch.logaddexp(0, u)."""
    u = Phi @ w
    return torch.mean(torch.logaddexp(torch.zeros_like(u), u) - y * u) + 0.5 * lam * (w @ w)


# -- Q2 gradient --------------------------------------------------------------------------------


@mistake("logistic_gpu.gradient", "gradient", Feedback(
    "Φᵀ(y − μ): the sign flipped",
    "That is the gradient of the log-likelihood; the loss's gradient is Φᵀ(μ − y)/N + λw.",
    "logistic-loss"))
def y_minus_mu(Phi, y, w, lam=0.0):
    """Φᵀ(y − μ)/N: the sign error of the log-likelihood's gradient."""
    return Phi.T @ (y - _sigmoid(Phi @ w)) / Phi.shape[0] + lam * w


@mistake("logistic_gpu.gradient", "gradient", Feedback(
    "the 1/N missing",
    "E is a mean over the N points, and so is its gradient.",
    "logistic-loss"))
def gradient_of_sum(Phi, y, w, lam=0.0):
    """Φᵀ(μ − y) without the 1/N (gradient of the sum, ridge term of the mean)."""
    return Phi.T @ (_sigmoid(Phi @ w) - y) + lam * w


@mistake("logistic_gpu.gradient", "gradient", Feedback(
    "2λw instead of λw",
    "The gradient of (λ/2)‖w‖² is λw.",
    "logistic-loss"))
def ridge_gradient_2lam(Phi, y, w, lam=0.0):
    """2λw: the gradient of λ||w||², not of (λ/2)||w||²."""
    return Phi.T @ (_sigmoid(Phi @ w) - y) / Phi.shape[0] + 2 * lam * w


@mistake("logistic_gpu.gradient", "gradient", UNSTABLE_SIGMOID)
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


@alternative("logistic_gpu.gradient", "gradient")
def autograd_of_the_loss(Phi, y, w, lam=0.0):
    """torch.autograd of the cross-entropy written with F.softplus (smooth at u = 0; allowed,
    though the closed form is the point of Q2)."""
    with torch.enable_grad():
        w = w.detach().clone().requires_grad_(True)
        u = Phi @ w
        loss = torch.mean(torch.nn.functional.softplus(u) - y * u) + 0.5 * lam * (w @ w)
        return torch.autograd.grad(loss, w)[0]


@alternative("logistic_gpu.gradient", "gradient")
def mean_over_samples(Phi, y, w, lam=0.0):
    """The mean of (μ_i − y_i)φ(x_i) over the rows, broadcasting instead of Φᵀ."""
    return torch.mean((torch.sigmoid(Phi @ w) - y)[:, None] * Phi, dim=0) + lam * w


# -- Q3 gradient_descent ------------------------------------------------------------------------


def _grad(Phi, y, w, lam):
    return Phi.T @ (_sigmoid(Phi @ w) - y) / Phi.shape[0] + lam * w


def _loss(Phi, y, w, lam):
    return _mean_ce(Phi @ w, y) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.gradient_descent", "gradient_descent", Feedback(
    "a step up the gradient",
    "Descend: w ← w − γ∇E(w).",
    "gradient-descent"))
def gradient_ascent(Phi, y, w0, lr, num_steps, lam=0.0):
    """w + γ∇E: climbs the loss."""
    w, losses = w0.clone(), [_loss(Phi, y, w0, lam)]
    for _ in range(num_steps):
        w = w + lr * _grad(Phi, y, w, lam)
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


@mistake("logistic_gpu.gradient_descent", "gradient_descent", Feedback(
    "the losses as a Python list",
    "Keep the losses in a tensor on the device (torch.stack): .item() forces a round-trip at "
    "every step.",
    "tensors"))
def losses_as_python_list(Phi, y, w0, lr, num_steps, lam=0.0):
    """Records loss.item() in a Python list: a host round-trip per step, no tensor returned."""
    w, losses = w0.clone(), [_loss(Phi, y, w0, lam).item()]
    for _ in range(num_steps):
        w = w - lr * _grad(Phi, y, w, lam)
        losses.append(_loss(Phi, y, w, lam).item())
    return w, losses


@mistake("logistic_gpu.gradient_descent", "gradient_descent", Feedback(
    "E(w0) missing from the losses",
    "Record the loss before the first step and after each step: num_steps + 1 values.",
    "gradient-descent"))
def loss_recorded_after_step_only(Phi, y, w0, lr, num_steps, lam=0.0):
    """Records the loss after each step only: E(w0) is missing, num_steps entries."""
    w = w0.clone()
    losses = torch.empty(num_steps, dtype=Phi.dtype, device=Phi.device)
    for k in range(num_steps):
        w = w - lr * _grad(Phi, y, w, lam)
        losses[k] = _loss(Phi, y, w, lam)
    return w, losses


@mistake("logistic_gpu.gradient_descent", "gradient_descent", Feedback(
    "steps along the gradient of the sum",
    "Step along the gradient of the mean loss E, with its 1/N.",
    "gradient-descent"))
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


@mistake("logistic_gpu.gradient_descent", "gradient_descent",
         modified_in_place("w0", "gradient-descent"))
def updates_w0_in_place(Phi, y, w0, lr, num_steps, lam=0.0):
    """w = w0; w -= γ∇E: the right result, but the caller's w0 is overwritten."""
    w, losses = w0, [_loss(Phi, y, w0, lam)]
    for _ in range(num_steps):
        w -= lr * _grad(Phi, y, w, lam)
        losses.append(_loss(Phi, y, w, lam))
    return w.clone(), torch.stack(losses)


@alternative("logistic_gpu.gradient_descent", "gradient_descent")
def loss_and_gradient_separately(Phi, y, w0, lr, num_steps, lam=0.0):
    """Calls the loss and the gradient functions at every step (Φ read four times)."""
    w, losses = w0.clone(), [_loss(Phi, y, w0, lam)]
    for _ in range(num_steps):
        w = w - lr * _grad(Phi, y, w, lam)
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


@non_answer("logistic_gpu.gradient_descent", "gradient_descent")
def never_steps(Phi, y, w0, lr, num_steps, lam=0.0):
    """Returns w0 and E(w0) repeated."""
    return w0.clone(), _loss(Phi, y, w0, lam).repeat(num_steps + 1)


# -- Q4(a) newton_step --------------------------------------------------------------------------


def _parts(Phi, y, w, lam):
    N, M = Phi.shape
    mu = _sigmoid(Phi @ w)
    g = Phi.T @ (mu - y) / N + lam * w
    eye = torch.eye(M, dtype=Phi.dtype, device=Phi.device)
    return N, mu, g, eye


@mistake("logistic_gpu.newton_step", "newton_step", NEWTON_INVERSE)
def explicit_inverse(Phi, y, w, lam=0.0):
    """w − inv(H) @ ∇E: an explicit inverse, inaccurate when H is ill-conditioned."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye
    return w - torch.linalg.inv(H) @ g


@mistake("logistic_gpu.newton_step", "newton_step", Feedback(
    "the weights S missing from H",
    "H = ΦᵀSΦ/N + λI with S = diag(μ(1 − μ)).",
    "newton"))
def hessian_without_weights(Phi, y, w, lam=0.0):
    """H = ΦᵀΦ/N + λI: the weights S = diag(μ(1 − μ)) are missing."""
    N, _, g, eye = _parts(Phi, y, w, lam)
    return w - torch.linalg.solve(Phi.T @ Phi / N + lam * eye, g)


@mistake("logistic_gpu.newton_step", "newton_step", Feedback(
    "w + H⁻¹∇E",
    "Newton's step goes against the gradient: w − H⁻¹∇E.",
    "newton"))
def plus_newton_direction(Phi, y, w, lam=0.0):
    """w + H⁻¹∇E: the sign of the step flipped."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye
    return w + torch.linalg.solve(H, g)


@mistake("logistic_gpu.newton_step", "newton_step", Feedback(
    "the Hessian of the sum",
    "Gradient and Hessian must both be those of the mean loss, with 1/N.",
    "newton"))
def hessian_of_the_sum(Phi, y, w, lam=0.0):
    """Hessian ΦᵀSΦ + λI of the sum (1/N missing) with the gradient of the mean."""
    _, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi + lam * eye
    return w - torch.linalg.solve(H, g)


@mistake("logistic_gpu.newton_step", "newton_step", Feedback(
    "λI missing from H",
    "The ridge term (λ/2)‖w‖² adds λI to the Hessian.",
    "newton"))
def ridge_missing_in_hessian(Phi, y, w, lam=0.0):
    """λw in the gradient but no λI in the Hessian."""
    N, mu, g, _ = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N
    return w - torch.linalg.solve(H, g)


@mistake("logistic_gpu.newton_step", "newton_step", Feedback(
    "w modified in place",
    "`w -= ...` overwrites the caller's tensor: return w − Δ.",
    "newton"))
def steps_in_place(Phi, y, w, lam=0.0):
    """w -= H⁻¹∇E; return w: the right step, but the caller's w is overwritten."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    w -= torch.linalg.solve((Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye, g)
    return w


@mistake("logistic_gpu.newton_step", "newton_step", NEWTON_INVERSE)
def pseudo_inverse(Phi, y, w, lam=0.0):
    """w − pinv(H) @ ∇E: an inverse by another name."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    return w - torch.linalg.pinv((Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye) @ g


@alternative("logistic_gpu.newton_step", "newton_step")
def cholesky_step(Phi, y, w, lam=0.0):
    """torch.linalg.cholesky and torch.cholesky_solve."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    H = (Phi * (mu * (1 - mu))[:, None]).T @ Phi / N + lam * eye
    return w - torch.cholesky_solve(g[:, None], torch.linalg.cholesky(H))[:, 0]


@alternative("logistic_gpu.newton_step", "newton_step")
def diagonal_matrix_s(Phi, y, w, lam=0.0):
    """Builds S = diag(μ(1 − μ)) as an N×N matrix (wasteful, but the same step)."""
    N, mu, g, eye = _parts(Phi, y, w, lam)
    H = Phi.T @ torch.diag(mu * (1 - mu)) @ Phi / N + lam * eye
    return w - torch.linalg.solve(H, g)


# -- Q4(b) newton -------------------------------------------------------------------------------


def _newton(Phi, y, lam, num_steps, w0=None, *, damping=True, cholesky=False,
            hessian_lam=None, weights=True):
    """Damped Newton as the question states it, recomputing E(w − tΔ) from w at every trial;
    the keywords turn parts of it off or wrong."""
    N, M = Phi.shape
    hessian_lam = lam if hessian_lam is None else hessian_lam
    w = torch.zeros(M, dtype=Phi.dtype, device=Phi.device) if w0 is None else w0.clone()
    losses = [_loss(Phi, y, w, lam)]
    eye = torch.eye(M, dtype=Phi.dtype, device=Phi.device)
    for _ in range(num_steps):
        mu = _sigmoid(Phi @ w)
        g = Phi.T @ (mu - y) / N + lam * w
        s = mu * (1 - mu) if weights else torch.ones_like(mu)
        H = (Phi * s[:, None]).T @ Phi / N + hessian_lam * eye
        step = torch.cholesky_solve(g[:, None], torch.linalg.cholesky(H))[:, 0] if cholesky \
            else torch.linalg.solve(H, g)
        decrement, current = float(g @ step), float(losses[-1])
        slack = 8 * torch.finfo(Phi.dtype).eps * abs(current)
        t = 1.0
        while damping and float(_loss(Phi, y, w - t * step, lam)) > \
                current - 0.25 * t * decrement + slack and t >= 1e-8:
            t /= 2
        w = w - t * step
        losses.append(_loss(Phi, y, w, lam))
    return w, torch.stack(losses)


@mistake("logistic_gpu.newton", "newton", Feedback(
    "λ ignored",
    "The ridge term keeps w bounded on separable data: include λ in the loss, the gradient and "
    "the Hessian.",
    "newton"))
def ignores_ridge(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """Ignores λ (loss, gradient, Hessian): on separable data ||w|| grows without bound."""
    return _newton(Phi, y, 0.0, num_steps, w0, hessian_lam=1e-12)


@mistake("logistic_gpu.newton", "newton", Feedback(
    "the weights S missing from H",
    "H = ΦᵀSΦ/N + λI with S = diag(μ(1 − μ)).",
    "newton"))
def newton_without_weights(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """Hessian ΦᵀΦ/N + λI without S: a fixed-matrix iteration, linear convergence."""
    return _newton(Phi, y, lam, num_steps, w0, weights=False, damping=False)


@mistake("logistic_gpu.newton", "newton", Feedback(
    "the losses as a Python list",
    "Return the losses as a tensor (torch.stack).",
    "tensors"))
def losses_as_list_of_floats(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """Returns the losses as a Python list of floats instead of a tensor."""
    w, losses = _newton(Phi, y, lam, num_steps, w0)
    return w, [float(v) for v in losses]


@mistake("logistic_gpu.newton", "newton")
def starts_from_bare_zeros(Phi, y, lam, num_steps, tol=0.0, w0=None):
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


@mistake("logistic_gpu.newton", "newton", Feedback(
    "the gradient of the sum with the Hessian of the mean",
    "Gradient and Hessian must both be those of the mean loss, with 1/N.",
    "newton"))
def gradient_of_the_sum(Phi, y, lam, num_steps, tol=0.0, w0=None):
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


@mistake("logistic_gpu.newton", "newton")
def full_steps_without_damping(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """Always the full Newton step: overshoots from a start far from the minimizer."""
    return _newton(Phi, y, lam, num_steps, w0, damping=False)


@mistake("logistic_gpu.newton", "newton")
def ignores_w0(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """Always starts from w = 0, whatever w0 says."""
    return _newton(Phi, y, lam, num_steps)


@alternative("logistic_gpu.newton", "newton")
def recomputes_the_loss(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """The stated line search, evaluating E(w − tΔ) from scratch at every trial, with solve."""
    return _newton(Phi, y, lam, num_steps, w0)


@alternative("logistic_gpu.newton", "newton")
def recomputes_the_loss_cholesky(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """The same with Cholesky (cholesky_solve) instead of solve."""
    return _newton(Phi, y, lam, num_steps, w0, cholesky=True)


@non_answer("logistic_gpu.newton", "newton")
def newton_never_steps(Phi, y, lam, num_steps, tol=0.0, w0=None):
    """Returns the starting point and its loss repeated."""
    w = torch.zeros(Phi.shape[1], dtype=Phi.dtype, device=Phi.device) if w0 is None \
        else w0.clone()
    return w, _loss(Phi, y, w, lam).repeat(num_steps + 1)


# -- Q5 predict ---------------------------------------------------------------------------------


@mistake("logistic_gpu.predict", "predict", Feedback(
    "u > 1/2 instead of u > 0",
    "μ > 1/2 means u > 0: the threshold 1/2 belongs to μ, not to u.",
    "logistic"))
def logit_threshold_one_half(Phi, w):
    """u > 1/2: the threshold on μ applied to the logit."""
    return (Phi @ w > 0.5).to(Phi.dtype)


@mistake("logistic_gpu.predict", "predict")
def boolean_labels(Phi, w):
    """Returns a bool tensor instead of 0.0/1.0 in Phi's dtype."""
    return Phi @ w > 0


@mistake("logistic_gpu.predict", "predict", Feedback(
    "labels ±1",
    "The classes are 0 and 1.",
    "logistic"))
def plus_minus_one(Phi, w):
    """torch.sign(u): labels ±1 (and 0 on the boundary) instead of 0/1."""
    return torch.sign(Phi @ w)


@mistake("logistic_gpu.predict", "predict", Feedback(
    "the boundary u = 0 labelled 1",
    "The question puts the points with u = 0 in class 0.",
    "logistic"))
def boundary_counts_as_one(Phi, w):
    """μ ≥ 1/2: points on the boundary u = 0 labelled 1."""
    return (_sigmoid(Phi @ w) >= 0.5).to(Phi.dtype)


@alternative("logistic_gpu.predict", "predict")
def probability_above_one_half(Phi, w):
    """σ(u) > 1/2 (the same as u > 0, except for |u| < 1e-16)."""
    return (torch.sigmoid(Phi @ w) > 0.5).to(Phi.dtype)


@alternative("logistic_gpu.predict", "predict")
def heaviside(Phi, w):
    """torch.heaviside(u, 0): 1 for u > 0, 0 at u = 0."""
    u = Phi @ w
    return torch.heaviside(u, torch.zeros((), dtype=u.dtype, device=u.device))


# -- Q6 l2_loss / l2_gradient ------------------------------------------------------------------


@mistake("logistic_gpu.l2_loss", "l2_loss", Feedback(
    "the ½ forgotten",
    "E₂ = (1/2N)Σ(μᵢ − yᵢ)² + (λ/2)‖w‖².",
    "logistic-loss"))
def mean_squared_error(Phi, y, w, lam=0.0):
    """mean((μ − y)²): the ½ forgotten."""
    return torch.mean((_sigmoid(Phi @ w) - y) ** 2) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.l2_loss", "l2_loss", Feedback(
    "least squares on the logits",
    "The ℓ2 loss compares the prediction μ = σ(u) with the labels, not u.",
    "logistic-loss"))
def squared_error_of_the_logits(Phi, y, w, lam=0.0):
    """½ mean((u − y)²): least squares on the logits, as if the labels were regression targets."""
    return 0.5 * torch.mean((Phi @ w - y) ** 2) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.l2_loss", "l2_loss", Feedback(
    "the 1/N missing",
    "E₂ averages over the N points.",
    "logistic-loss"))
def l2_sum_not_mean(Phi, y, w, lam=0.0):
    """½ Σ (μ − y)²: the 1/N missing."""
    return 0.5 * torch.sum((_sigmoid(Phi @ w) - y) ** 2) + 0.5 * lam * (w @ w)


@mistake("logistic_gpu.l2_loss", "l2_loss", Feedback(
    "λ‖w‖² instead of (λ/2)‖w‖²",
    "The ridge term is (λ/2)‖w‖², as in E.",
    "logistic-loss"))
def l2_ridge_without_half(Phi, y, w, lam=0.0):
    """λ||w||² instead of (λ/2)||w||²."""
    return 0.5 * torch.mean((_sigmoid(Phi @ w) - y) ** 2) + lam * (w @ w)


@alternative("logistic_gpu.l2_loss", "l2_loss")
def mse_loss_over_two(Phi, y, w, lam=0.0):
    """torch.nn.functional.mse_loss(μ, y) / 2 plus the ridge term."""
    return torch.nn.functional.mse_loss(torch.sigmoid(Phi @ w), y) / 2 + 0.5 * lam * (w @ w)


def _l2_grad(Phi, y, w, lam, *, weights=True, sign=1.0, scale=1.0, ridge=1.0):
    mu = _sigmoid(Phi @ w)
    factor = mu * (1 - mu) if weights else torch.ones_like(mu)
    return scale * sign * Phi.T @ ((mu - y) * factor) / Phi.shape[0] + ridge * lam * w


@mistake("logistic_gpu.l2_gradient", "l2_gradient", Feedback(
    "the factor μ(1 − μ) forgotten",
    "For the ℓ2 loss the chain rule through μ = σ(u) keeps dμ/du = μ(1 − μ); it cancels only "
    "for the cross-entropy.",
    "logistic-loss"))
def forgets_the_sigmoid_derivative(Phi, y, w, lam=0.0):
    """Φᵀ(μ − y)/N: the cross-entropy's gradient, without the factor μ(1 − μ)."""
    return _l2_grad(Phi, y, w, lam, weights=False)


@mistake("logistic_gpu.l2_gradient", "l2_gradient", Feedback(
    "the residual's sign flipped",
    "The residual is μ − y.",
    "logistic-loss"))
def l2_gradient_sign(Phi, y, w, lam=0.0):
    """Φᵀ((y − μ)μ(1 − μ))/N: the sign of the residual flipped."""
    return _l2_grad(Phi, y, w, lam, sign=-1.0)


@mistake("logistic_gpu.l2_gradient", "l2_gradient", Feedback(
    "a factor 2: the ½ forgotten",
    "The derivative of ½(μ − y)² is (μ − y)·dμ/du.",
    "logistic-loss"))
def gradient_of_the_squares(Phi, y, w, lam=0.0):
    """2Φᵀ((μ − y)μ(1 − μ))/N: the derivative of (μ − y)², forgetting the loss's ½."""
    return _l2_grad(Phi, y, w, lam, scale=2.0)


@mistake("logistic_gpu.l2_gradient", "l2_gradient", Feedback(
    "2λw instead of λw",
    "The gradient of (λ/2)‖w‖² is λw.",
    "logistic-loss"))
def l2_ridge_gradient_2lam(Phi, y, w, lam=0.0):
    """2λw: the gradient of λ||w||², not of (λ/2)||w||²."""
    return _l2_grad(Phi, y, w, lam, ridge=2.0)


@alternative("logistic_gpu.l2_gradient", "l2_gradient")
def autograd_of_the_l2_loss(Phi, y, w, lam=0.0):
    """torch.autograd of ½ mean((μ − y)²) + (λ/2)||w||²."""
    with torch.enable_grad():  # also inside a caller's torch.no_grad()
        w = w.detach().clone().requires_grad_(True)
        loss = 0.5 * torch.mean((torch.sigmoid(Phi @ w) - y) ** 2) + 0.5 * lam * (w @ w)
        return torch.autograd.grad(loss, w)[0]


# -- Q7 softmax / softmax_cross_entropy / softmax_gradient -------------------------------------


def _softmax(U):
    return torch.softmax(U, dim=1)


def _ce(Phi, Y, W, lam):
    U = Phi @ W
    return torch.mean(torch.logsumexp(U, dim=1) - (Y * U).sum(dim=1)) + 0.5 * lam * torch.sum(W * W)


@mistake("logistic_gpu.softmax", "softmax", UNSTABLE_SOFTMAX)
def without_the_max(U):
    """exp(U) / Σ exp(U): overflows to inf / inf = NaN for large logits."""
    E = torch.exp(U)
    return E / E.sum(dim=1, keepdim=True)


@mistake("logistic_gpu.softmax", "softmax", Feedback(
    "normalizing over the points (dim=0)",
    "Each row (a point) is a probability vector over the classes: normalize along dim=1.",
    "logistic"))
def normalizes_columns(U):
    """Normalizes over dim=0 (the points) instead of dim=1 (the classes)."""
    return torch.softmax(U, dim=0)


@mistake("logistic_gpu.softmax", "softmax", UNSTABLE_SOFTMAX)
def subtracts_the_global_max(U):
    """Subtracts max(U) over the whole matrix: rows far below it underflow to 0/0."""
    E = torch.exp(U - U.max())
    return E / E.sum(dim=1, keepdim=True)


@mistake("logistic_gpu.softmax", "softmax", Feedback(
    "log-probabilities",
    "The softmax returns probabilities (rows summing to 1), not their logarithms.",
    "logistic"))
def returns_log_probabilities(U):
    """log_softmax: the log-probabilities, not the probabilities."""
    return torch.log_softmax(U, dim=1)


@alternative("logistic_gpu.softmax", "softmax")
def torch_softmax(U):
    """torch.softmax(U, dim=1) (allowed)."""
    return torch.softmax(U, dim=1)


@alternative("logistic_gpu.softmax", "softmax")
def exp_minus_logsumexp(U):
    """exp(U − logsumexp(U)) row-wise."""
    return torch.exp(U - torch.logsumexp(U, dim=1, keepdim=True))


@non_answer("logistic_gpu.softmax", "softmax")
def uniform_probabilities(U):
    """1/K everywhere."""
    return torch.full_like(U, 1.0 / U.shape[1])


@mistake("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy", UNSTABLE_LOG_SOFTMAX)
def log_of_softmax(Phi, Y, W, lam=0.0):
    """−mean Σ y log softmax(u): a stable softmax, but log 0 = −inf once a probability is 0."""
    P = _softmax(Phi @ W)
    return -torch.mean(torch.sum(Y * torch.log(P), dim=1)) + 0.5 * lam * torch.sum(W * W)


@mistake("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy", UNSTABLE_LOG_SOFTMAX)
def logsumexp_without_the_max(Phi, Y, W, lam=0.0):
    """log Σ exp(u) without subtracting the maximum: overflows for large logits."""
    U = Phi @ W
    lse = torch.log(torch.exp(U).sum(dim=1))
    return torch.mean(lse - (Y * U).sum(dim=1)) + 0.5 * lam * torch.sum(W * W)


@mistake("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy", Feedback(
    "the sum instead of the mean",
    "The loss averages over the N points (1/N).",
    "logistic-loss"))
def softmax_ce_sum_not_mean(Phi, Y, W, lam=0.0):
    """The sum over points, not the mean."""
    U = Phi @ W
    return torch.sum(torch.logsumexp(U, dim=1) - (Y * U).sum(dim=1)) + 0.5 * lam * torch.sum(W * W)


@mistake("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy", Feedback(
    "λ‖W‖² instead of (λ/2)‖W‖²",
    "The ridge term is (λ/2)‖W‖².",
    "logistic-loss"))
def softmax_ce_ridge_without_half(Phi, Y, W, lam=0.0):
    """λ||W||² instead of (λ/2)||W||²."""
    return _ce(Phi, Y, W, 0.0) + lam * torch.sum(W * W)


@mistake("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy", Feedback(
    "the −yᵀu term forgotten",
    "The cross-entropy of a point is logsumexp(uᵢ) − yᵢᵀuᵢ.",
    "logistic-loss"))
def forgets_the_target_term(Phi, Y, W, lam=0.0):
    """mean logsumexp(u) only: the −yᵀu term forgotten."""
    return torch.mean(torch.logsumexp(Phi @ W, dim=1)) + 0.5 * lam * torch.sum(W * W)


@alternative("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy")
def torch_cross_entropy(Phi, Y, W, lam=0.0):
    """torch.nn.functional.cross_entropy with the class indices, plus the ridge term."""
    labels = Y.argmax(dim=1)
    return torch.nn.functional.cross_entropy(Phi @ W, labels) + 0.5 * lam * torch.sum(W * W)


@alternative("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy")
def minus_log_softmax(Phi, Y, W, lam=0.0):
    """−mean Σ y log_softmax(u) (works for soft targets too)."""
    return (-torch.mean(torch.sum(Y * torch.log_softmax(Phi @ W, dim=1), dim=1))
            + 0.5 * lam * torch.sum(W * W))


@non_answer("logistic_gpu.softmax_cross_entropy", "softmax_cross_entropy")
def log_k(Phi, Y, W, lam=0.0):
    """log K, the loss at W = 0, whatever W."""
    return torch.log(torch.tensor(float(Y.shape[1]), dtype=Phi.dtype, device=Phi.device))


def _softmax_grad(Phi, Y, W, lam, *, sign=1.0, scale=None, ridge=1.0, probabilities=_softmax):
    N = Phi.shape[0] if scale is None else scale
    return sign * Phi.T @ (probabilities(Phi @ W) - Y) / N + ridge * lam * W


@mistake("logistic_gpu.softmax_gradient", "softmax_gradient", Feedback(
    "Φᵀ(Y − P): the sign flipped",
    "The loss's gradient is Φᵀ(P − Y)/N + λW.",
    "logistic-loss"))
def y_minus_p(Phi, Y, W, lam=0.0):
    """Φᵀ(Y − P)/N: the sign flipped."""
    return _softmax_grad(Phi, Y, W, lam, sign=-1.0)


@mistake("logistic_gpu.softmax_gradient", "softmax_gradient", Feedback(
    "the 1/N missing",
    "The loss is a mean over the N points, and so is its gradient.",
    "logistic-loss"))
def softmax_gradient_of_the_sum(Phi, Y, W, lam=0.0):
    """Φᵀ(P − Y) without the 1/N."""
    return _softmax_grad(Phi, Y, W, lam, scale=1.0)


@mistake("logistic_gpu.softmax_gradient", "softmax_gradient", Feedback(
    "2λW instead of λW",
    "The gradient of (λ/2)‖W‖² is λW.",
    "logistic-loss"))
def softmax_ridge_gradient_2lam(Phi, Y, W, lam=0.0):
    """2λW: the gradient of λ||W||², not of (λ/2)||W||²."""
    return _softmax_grad(Phi, Y, W, lam, ridge=2.0)


@mistake("logistic_gpu.softmax_gradient", "softmax_gradient", UNSTABLE_SOFTMAX)
def unstable_softmax_inside(Phi, Y, W, lam=0.0):
    """P = exp(U)/Σ exp(U) without the max: NaN for large logits."""
    return _softmax_grad(Phi, Y, W, lam, probabilities=without_the_max)


@mistake("logistic_gpu.softmax_gradient", "softmax_gradient", Feedback(
    "(P − Y)ᵀΦ: the gradient transposed",
    "The gradient has W's shape (M, K): Φᵀ(P − Y)/N.",
    "logistic-loss"))
def transposed_gradient(Phi, Y, W, lam=0.0):
    """(P − Y)ᵀΦ/N: shape (K, M) instead of W's (M, K)."""
    return (_softmax(Phi @ W) - Y).T @ Phi / Phi.shape[0] + lam * W.T


@alternative("logistic_gpu.softmax_gradient", "softmax_gradient")
def autograd_of_the_softmax_loss(Phi, Y, W, lam=0.0):
    """torch.autograd of the log-sum-exp loss."""
    with torch.enable_grad():  # also inside a caller's torch.no_grad()
        W = W.detach().clone().requires_grad_(True)
        return torch.autograd.grad(_ce(Phi, Y, W, lam), W)[0]
