"""Assignment 3 (logistic and softmax classification on GPU): the reference against
scikit-learn and torch, its numerical stability and device handling, and lib/logistic.py."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import lib
from autograder.grading.reference import reference_namespace
from autograder.hidden.logistic_gpu import np_gradient, np_hessian

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "03-logistic-gpu" / "logistic.ipynb"
DTYPES = [torch.float32, torch.float64]
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(scope="module")
def ref() -> dict:
    return reference_namespace(NOTEBOOK)


def _log_loss(Phi: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Mean cross-entropy, evaluated in float64 (the same number for both solvers)."""
    u = Phi @ np.asarray(w, dtype=np.float64)
    return float(np.mean(np.logaddexp(0.0, u) - y * u))


def _sklearn_fit(Phi: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """scikit-learn's minimizer of the same objective: C·Σ CE + ||w||²/2 with C = 1/(λN).

    The bias is the first column of Phi and fit_intercept=False, so scikit-learn penalizes
    it too, as E(w) does.
    """
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0 / (lam * len(y)), fit_intercept=False,
                               solver="newton-cholesky", tol=1e-12, max_iter=1000)
    return model.fit(Phi, y).coef_.ravel()


def _problems() -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    cancer = lib.logistic.breast_cancer()
    X, y = lib.logistic.synthetic(2000, 10, seed=3)
    return {
        "breast-cancer lam=1e-3": (lib.logistic.add_bias(cancer["X_train"]), cancer["y_train"],
                                   1e-3),
        "breast-cancer lam=1e-1": (lib.logistic.add_bias(cancer["X_train"]), cancer["y_train"],
                                   1e-1),
        "synthetic lam=1e-8": (lib.logistic.add_bias(X), y, 1e-8),
    }


PROBLEMS = _problems()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_newton_matches_sklearn(ref, name, dtype):
    Phi, y, lam = PROBLEMS[name]
    w_sk = _sklearn_fit(Phi, y, lam)
    P, t = lib.logistic.to_tensors(Phi, y, device=torch.device("cpu"), dtype=str(dtype)[6:])
    w, losses = ref["newton"](P, t, lam, 30)
    assert w.dtype == dtype and losses.dtype == dtype
    assert abs(_log_loss(Phi, y, w.numpy()) - _log_loss(Phi, y, w_sk)) <= 1e-6
    objective = ref["cross_entropy"](*lib.logistic.to_tensors(Phi, y, w_sk, device="cpu"), lam)
    assert float(losses[-1]) <= float(objective) + (1e-6 if dtype == torch.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_gradient_descent_approaches_sklearn(ref, dtype):
    Phi, y, lam = PROBLEMS["breast-cancer lam=1e-1"]  # well conditioned: GD converges fast
    P, t = lib.logistic.to_tensors(Phi, y, device="cpu", dtype=str(dtype)[6:])
    w, losses = ref["gradient_descent"](P, t, torch.zeros(P.shape[1], dtype=dtype), 1.0, 300, lam)
    assert bool(torch.all(torch.diff(losses) <= 1e-6))
    assert abs(_log_loss(Phi, y, w.numpy()) - _log_loss(Phi, y, _sklearn_fit(Phi, y, lam))) <= 1e-6


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_stable_at_huge_logits(ref, dtype):
    """|wᵀx| up to 1e4: finite exact values and gradients (closed form, autograd), no warnings."""
    # No u = 0 exactly: max(u, 0) and |u| have kinks there, where autograd takes one-sided
    # derivatives (the notebook says so); the closed-form gradient is right everywhere.
    u = torch.tensor([-1e4, -1e3, -100.0, -30.0, 0.5, 30.0, 100.0, 1e3, 1e4], dtype=dtype)
    Phi = torch.stack([torch.ones_like(u), u], dim=1)
    y = torch.tensor([1.0, 0, 1, 0, 1, 1, 0, 1, 0], dtype=dtype)  # some badly misclassified
    w = torch.tensor([0.0, 1.0], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mu = ref["sigmoid"](u)
        loss = ref["cross_entropy"](Phi, y, w)
        loss.backward()
        g = ref["gradient"](Phi, y, w.detach())
    # torch.sigmoid flushes σ(−100) to 0 in float32, the reference keeps the subnormal 4e-44
    assert torch.allclose(mu, torch.sigmoid(u), rtol=1e-6, atol=torch.finfo(dtype).tiny)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(u, y)
    assert torch.isfinite(loss) and torch.allclose(loss.detach(), expected, rtol=1e-6)
    assert torch.all(torch.isfinite(w.grad)) and torch.allclose(g, w.grad, rtol=1e-6)


def _all_outputs(ref, Phi, y, w):
    """Every graded function of the notebook, called once on (Phi, y, w)."""
    Y = torch.nn.functional.one_hot((y > 0).long(), 2).to(Phi.dtype)
    W = torch.stack([w, -w], dim=1)
    return [ref["sigmoid"](Phi), ref["cross_entropy"](Phi, y, w), ref["gradient"](Phi, y, w),
            *ref["gradient_descent"](Phi, y, w, 0.5, 3), ref["newton_step"](Phi, y, w, 1e-3),
            *ref["newton"](Phi, y, 1e-3, 3), *ref["newton"](Phi, y, 1e-3, 3, 0.0, w),
            ref["predict"](Phi, w), ref["l2_loss"](Phi, y, w), ref["l2_gradient"](Phi, y, w),
            ref["softmax"](Phi), ref["softmax_cross_entropy"](Phi, Y, W),
            ref["softmax_gradient"](Phi, Y, W)]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_outputs_keep_dtype_and_device(ref, dtype):
    Phi, y = lib.logistic.to_tensors(*lib.logistic.synthetic(50, 3, seed=1), device="cpu",
                                     dtype=str(dtype)[6:])
    Phi = torch.cat([torch.ones(50, 1, dtype=dtype), Phi], dim=1)
    for out in _all_outputs(ref, Phi, y, 0.1 * torch.ones(4, dtype=dtype)):
        assert out.dtype == dtype and out.device == Phi.device


def test_newton_converges_from_far_and_leaves_w0_alone(ref):
    """Damping: from ||w0|| = 10 the loss never increases and Newton reaches the minimizer."""
    Phi, y, lam = PROBLEMS["breast-cancer lam=1e-3"]
    P, t = lib.logistic.to_tensors(Phi, y, device="cpu")
    w0 = torch.full((P.shape[1],), 10.0 / P.shape[1] ** 0.5, dtype=torch.float64)
    w, losses = ref["newton"](P, t, lam, 30, 0.0, w0)
    assert torch.all(w0 == 10.0 / P.shape[1] ** 0.5)
    assert float(losses[0]) == pytest.approx(float(ref["cross_entropy"](P, t, w0, lam)))
    assert bool(torch.all(torch.diff(losses) <= 1e-12))
    np.testing.assert_allclose(w.numpy(), _sklearn_fit(Phi, y, lam), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_l2_loss_and_gradient_against_autograd(ref, dtype):
    P, t = lib.logistic.to_tensors(*lib.logistic.synthetic(80, 4, seed=5), device="cpu",
                                   dtype=str(dtype)[6:])
    w = torch.randn(4, dtype=dtype, generator=torch.Generator().manual_seed(0))
    mu = torch.sigmoid(P @ w)
    expected = 0.5 * torch.nn.functional.mse_loss(mu, t) + 0.05 * (w @ w)
    torch.testing.assert_close(ref["l2_loss"](P, t, w, 0.1), expected)
    error = lib.logistic.gradient_check(lambda v: ref["l2_loss"](P, t, v, 0.1),
                                        lambda v: ref["l2_gradient"](P, t, v, 0.1), w)
    assert error < (1e-6 if dtype == torch.float32 else 1e-13)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_softmax_functions_against_torch(ref, dtype):
    """softmax, the log-sum-exp loss and its gradient agree with torch's own, at logits up to
    1e4 too (where a naive exp overflows)."""
    generator = torch.Generator().manual_seed(1)
    for scale in (1.0, 1e3):
        Phi = torch.randn(40, 6, dtype=dtype, generator=generator)
        W = scale * torch.randn(6, 5, dtype=dtype, generator=generator)
        labels = torch.randint(0, 5, (40,), generator=generator)
        Y = torch.nn.functional.one_hot(labels, 5).to(dtype)
        U = Phi @ W
        torch.testing.assert_close(ref["softmax"](U), torch.softmax(U, dim=1))
        loss = ref["softmax_cross_entropy"](Phi, Y, W, 0.3)
        expected = torch.nn.functional.cross_entropy(U, labels) + 0.15 * (W * W).sum()
        assert torch.isfinite(loss)
        torch.testing.assert_close(loss, expected)
        W_auto = W.clone().requires_grad_(True)
        penalty = 0.15 * (W_auto**2).sum()
        (torch.nn.functional.cross_entropy(Phi @ W_auto, labels) + penalty).backward()
        torch.testing.assert_close(ref["softmax_gradient"](Phi, Y, W, 0.3), W_auto.grad)


def test_softmax_regression_on_digits_matches_sklearn(ref):
    """Gradient descent with the reference gradient approaches scikit-learn's multinomial fit
    of the same objective (bias penalized too, hence fit_intercept=False on Φ = [1, X])."""
    from sklearn.linear_model import LogisticRegression

    data = lib.logistic.digits()
    Phi = lib.logistic.add_bias(data["X_train"])
    lam = 1e-2
    model = LogisticRegression(C=1.0 / (lam * len(Phi)), fit_intercept=False, tol=1e-10,
                               max_iter=10_000).fit(Phi, data["y_train"])
    P, Y = lib.logistic.to_tensors(Phi, np.eye(10)[data["y_train"]], device="cpu")
    W_sk = torch.as_tensor(model.coef_.T.copy())
    # scikit-learn's multinomial coefficients are the minimizer up to a common shift per
    # feature; the ridge term pins it down: both sums of columns are 0.
    L = torch.linalg.eigvalsh(P.T @ P)[-1].item() / (2 * len(P)) + lam
    W = torch.zeros(P.shape[1], 10, dtype=torch.float64)
    for _ in range(3000):
        W = W - ref["softmax_gradient"](P, Y, W, lam) / L
    loss, loss_sk = (float(ref["softmax_cross_entropy"](P, Y, V, lam)) for V in (W, W_sk))
    assert loss == pytest.approx(loss_sk, rel=1e-6)
    test = torch.as_tensor(lib.logistic.add_bias(data["X_test"]))
    accuracy = (torch.argmax(test @ W, 1).numpy() == data["y_test"]).mean()
    assert accuracy == pytest.approx(model.score(lib.logistic.add_bias(data["X_test"]),
                                                 data["y_test"]), abs=0.01)
    assert accuracy > 0.95


def test_newton_converges_on_separable_data(ref):
    Phi, y = lib.logistic.synthetic(200, 2, separable=True, seed=0)
    P, t = lib.logistic.to_tensors(lib.logistic.add_bias(Phi), y, device="cpu")
    w, losses = ref["newton"](P, t, 1e-4, 60)
    assert torch.all(torch.isfinite(w)) and bool(torch.all(torch.diff(losses) <= 1e-12))
    assert float(torch.linalg.vector_norm(ref["gradient"](P, t, w, 1e-4))) < 1e-10


def _decrement(Phi: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float) -> float:
    """The Newton decrement ∇Eᵀ H⁻¹ ∇E at w, in float64 NumPy (the hidden tests' oracle,
    independent of the reference)."""
    g = np_gradient(Phi, y, w, lam)
    return float(g @ np.linalg.solve(np_hessian(Phi, w, lam), g))


@pytest.mark.parametrize("tol", [1e-4, 1e-8, 1e-12])
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_newton_stops_at_the_first_iterate_whose_decrement_is_below_tol(ref, name, tol):
    """The stopping rule of the docstring, step by step: every iterate before the last has a
    decrement above tol, the last one at most tol (however the reference finds that out)."""
    Phi, y, lam = PROBLEMS[name]
    P, t = lib.logistic.to_tensors(Phi, y, device="cpu")
    w, losses = ref["newton"](P, t, lam, 50, tol=tol)
    steps = len(losses) - 1
    assert 0 < steps < 50
    assert _decrement(Phi, y, w.numpy(), lam) <= tol * (1 + 1e-9)
    for k in range(steps):  # with tol = 0 the same iterates, one step at a time
        w_k, _ = ref["newton"](P, t, lam, k)
        assert _decrement(Phi, y, w_k.numpy(), lam) > tol * (1 - 1e-9), k
    w_same, losses_same = ref["newton"](P, t, lam, steps)
    assert torch.equal(w_same, w) and torch.equal(losses_same, losses)


def test_newton_forms_no_hessian_where_the_previous_one_proves_convergence(ref, monkeypatch):
    """Near the minimizer e^δ·gᵀH_prev⁻¹g (δ = max |Φ Δw|) bounds the decrement: the last
    iterate is accepted without an N·M² Hessian, so K steps cost K Hessians, not K + 1."""
    X, y = lib.logistic.synthetic(5000, 20, seed=4)
    P, t = lib.logistic.to_tensors(lib.logistic.add_bias(X), y, device="cpu", dtype="float32")
    factorizations = []
    cholesky = torch.linalg.cholesky
    monkeypatch.setattr(torch.linalg, "cholesky",
                        lambda H: factorizations.append(H) or cholesky(H))
    _, losses = ref["newton"](P, t, 1e-6, 50, tol=1e-10)
    assert len(factorizations) == len(losses) - 1 >= 3


@CUDA
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_cuda_agrees_with_cpu(ref, dtype):
    Phi, y, lam = PROBLEMS["breast-cancer lam=1e-3"]
    name = str(dtype)[6:]
    cpu = lib.logistic.to_tensors(Phi, y, device="cpu", dtype=name)
    gpu = lib.logistic.to_tensors(Phi, y, device="cuda", dtype=name)
    w0 = torch.zeros(Phi.shape[1], dtype=dtype)
    rtol = 1e-4 if dtype == torch.float32 else 1e-9
    for fn, extra in (("gradient", (w0, lam)), ("newton_step", (w0, lam))):
        a, b = ref[fn](*cpu, *extra), ref[fn](*gpu, *(e.cuda() if torch.is_tensor(e) else e
                                                       for e in extra))
        assert b.device.type == "cuda" and b.dtype == dtype
        torch.testing.assert_close(b.cpu(), a, rtol=rtol, atol=rtol)
    w_gpu, losses = ref["newton"](*gpu, lam, 12)
    assert w_gpu.device.type == "cuda" and losses.device.type == "cuda"
    w_gd, losses_gd = ref["gradient_descent"](*gpu, w0.cuda(), 0.3, 20, lam)
    assert w_gd.device.type == "cuda" and losses_gd.device.type == "cuda"
    assert ref["predict"](gpu[0], w_gpu).device.type == "cuda"
    for out in _all_outputs(ref, *gpu, 0.1 * torch.ones(Phi.shape[1], dtype=dtype, device="cuda")):
        assert out.device.type == "cuda" and out.dtype == dtype


# -- lib/logistic -------------------------------------------------------------------------------


def test_lib_does_not_import_torch():
    code = "import sys, lib; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_add_bias_and_synthetic():
    X, y = lib.logistic.synthetic(100, 4, seed=0)
    assert X.shape == (100, 4) and y.shape == (100,) and set(np.unique(y)) <= {0.0, 1.0}
    Phi = lib.logistic.add_bias(X)
    assert Phi.shape == (100, 5) and np.all(Phi[:, 0] == 1) and np.array_equal(Phi[:, 1:], X)
    Xs, ys = lib.logistic.synthetic(100, 4, separable=True, seed=0)
    assert np.array_equal(Xs, X) and 0 < ys.mean() < 1
    from sklearn.svm import LinearSVC

    # separable: a (nearly) hard-margin linear classifier gets every training point right
    assert LinearSVC(C=1e4, max_iter=100_000).fit(Xs, ys).score(Xs, ys) == 1.0
    assert np.array_equal(lib.logistic.synthetic(100, 4, seed=0)[1], y)  # seeded


def test_breast_cancer_split():
    data = lib.logistic.breast_cancer(test_fraction=0.25, seed=0)
    assert data["X_train"].shape == (426, 30) and data["X_test"].shape == (143, 30)
    assert np.allclose(data["X_train"].mean(axis=0), 0, atol=1e-12)
    assert np.allclose(data["X_train"].std(axis=0), 1)
    assert abs(data["y_train"].mean() - 212 / 569) < 0.01  # malignant = 1, stratified
    two = lib.logistic.breast_cancer(features=["mean radius", "mean texture"])
    assert two["X_train"].shape == (426, 2) and two["feature_names"] == ["mean radius",
                                                                        "mean texture"]


def test_gradient_check_tells_right_from_wrong():
    Phi, y = lib.logistic.to_tensors(*lib.logistic.synthetic(30, 3, seed=2), device="cpu")
    w = torch.randn(3, dtype=torch.float64)

    def loss(w):
        u = Phi @ w
        return torch.mean(torch.nn.functional.softplus(u) - y * u)

    def right(w):
        return Phi.T @ (torch.sigmoid(Phi @ w) - y) / len(y)

    assert lib.logistic.gradient_check(loss, right, w) < 1e-13
    assert lib.logistic.gradient_check(loss, lambda w: len(y) * right(w), w) > 1


def test_to_tensors_and_timer():
    a, b = lib.logistic.to_tensors(np.ones((2, 3)), np.zeros(2), device="cpu", dtype="float32")
    assert a.dtype == torch.float32 and b.shape == (2,) and a.device.type == "cpu"
    values = np.random.default_rng(0).standard_normal((50, 4)) * 10.0 ** np.arange(-6, 4, 3)
    for dtype in ("float16", "bfloat16", "float32", "float64"):  # rounded as torch rounds
        (converted,) = lib.logistic.to_tensors(values, device="cpu", dtype=dtype)
        assert torch.equal(converted, torch.from_numpy(values).to(getattr(torch, dtype)))
    (shared,) = lib.logistic.to_tensors(values, device="cpu")
    assert shared.data_ptr() == values.__array_interface__["data"][0]
    seconds = lib.logistic.time_it(lambda: a @ a.T, torch.device("cpu"), repeat=2)
    assert 0 <= seconds < 1


def test_decision_boundary_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = lib.logistic.synthetic(50, 2, seed=0)
    ax = lib.logistic.plot_decision_boundary(X, y, torch.tensor([0.1, 1.0, -1.0]), title="t")
    assert ax.get_title() == "t" and len(ax.collections) >= 3
    assert len(ax.figure.axes) == 2  # the colour bar of μ
    plt.close("all")


def test_digits_split():
    data = lib.logistic.digits(test_fraction=0.25, seed=0)
    assert data["X_train"].shape == (1347, 64) and data["X_test"].shape == (450, 64)
    assert data["y_train"].dtype == np.int64 and set(data["y_train"]) == set(range(10))
    assert data["images_test"].shape == (450, 8, 8) and data["images_test"].max() <= 16
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-12)
    assert np.array_equal(lib.logistic.digits()["y_test"], data["y_test"])  # seeded


def test_digit_and_confusion_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = lib.logistic.digits()
    labels = data["y_test"][:12]
    fig = lib.logistic.plot_digits(data["images_test"][:12], labels, (labels + 1) % 10, columns=6)
    assert len(fig.axes) == 12
    assert fig.axes[0].get_title() == f"{labels[0]} → {(labels[0] + 1) % 10}"
    ax = lib.logistic.plot_confusion(labels, labels, 10, title="c")
    assert ax.get_xlabel() == "predicted class" and len(ax.figure.axes) == 2  # with a colour bar
    plt.close("all")
