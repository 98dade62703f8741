"""Helpers for Assignment 3 (logistic and softmax classification on GPU).

Data (NumPy, float64, seeded: synthetic, breast cancer, digits), a gradient check against
``torch.autograd``, plots (decision boundary, digits, confusion matrix) and a timer that
synchronizes CUDA. Nothing here answers a graded question (tests/test_lib.py tries each
function as an answer). ``torch`` is imported inside the
functions only, so ``import lib`` stays cheap for the NumPy-only assignments.

Notation as in the lecture: inputs ``X`` of shape (N, d), labels ``y`` in {0, 1} of shape
(N,), design matrix ``Phi = [1, X]`` of shape (N, M) with M = d + 1, weights ``w`` (M,).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def add_bias(X: np.ndarray) -> np.ndarray:
    """The design matrix ``Phi = [1, X]``.

    Parameters
    ----------
    X : ndarray of shape (N, d)

    Returns
    -------
    Phi : ndarray of shape (N, d + 1), float64, first column all ones.
    """
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([np.ones((X.shape[0], 1)), X])


def synthetic(n: int, d: int, *, separable: bool = False, seed: int = 0,
              scale: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """A random binary classification problem in d dimensions.

    Inputs are standard normal; a true weight vector ``w*`` (with ``||w*|| = scale``) and a
    bias 0.25 define the logits ``u = 0.25 + X w*``. Non-separable labels are drawn from
    Bernoulli(σ(u)) (the logistic model itself); separable labels are ``u > 0``.

    Returns
    -------
    X : ndarray of shape (n, d), float64
    y : ndarray of shape (n,), float64, entries 0.0 or 1.0
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    w_true *= scale / np.linalg.norm(w_true)
    u = 0.25 + X @ w_true
    if separable:
        y = (u > 0).astype(np.float64)
    else:
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-u))).astype(np.float64)
    return X, y


def breast_cancer(test_fraction: float = 0.25, seed: int = 0,
                  features: list[str] | None = None) -> dict[str, Any]:
    """scikit-learn's bundled Wisconsin breast-cancer data, split and standardized.

    The split is stratified and seeded; the mean and standard deviation of each feature
    come from the training part only (the test set stays unseen). Label 1 = malignant
    (scikit-learn's target is 0 = malignant, so it is flipped here).

    Parameters
    ----------
    test_fraction : float, fraction of the 569 samples held out.
    seed : int
    features : list of feature names (e.g. ``["mean radius", "mean texture"]``) to keep,
        or None for all 30.

    Returns
    -------
    dict with ``X_train`` (N_train, d), ``y_train`` (N_train,), ``X_test`` (N_test, d),
    ``y_test`` (N_test,) (all float64) and ``feature_names`` (list of d str).
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    names = list(data.feature_names)
    X = np.asarray(data.data, dtype=np.float64)
    if features is not None:
        X = X[:, [names.index(f) for f in features]]
        names = list(features)
    y = 1.0 - np.asarray(data.target, dtype=np.float64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=y)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return {"X_train": (X_train - mean) / std, "y_train": y_train,
            "X_test": (X_test - mean) / std, "y_test": y_test, "feature_names": names}


def digits(test_fraction: float = 0.25, seed: int = 0) -> dict[str, Any]:
    """scikit-learn's bundled handwritten digits (8x8 images, 10 classes), split and standardized.

    1797 images of the digits 0-9, 64 pixels with values 0..16 each. Nothing is downloaded.
    The split is stratified and seeded; each pixel is standardized with the training mean
    and standard deviation (pixels that are constant on the training set are only centred).

    Returns
    -------
    dict with ``X_train`` (N_train, 64), ``X_test`` (N_test, 64) (float64, standardized),
    ``y_train`` (N_train,), ``y_test`` (N_test,) (int64 class labels 0..9), and
    ``images_train`` (N_train, 8, 8), ``images_test`` (N_test, 8, 8): the raw pixels, for plots.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    images = np.asarray(data.images, dtype=np.float64)
    labels = np.asarray(data.target, dtype=np.int64)
    train, test = train_test_split(np.arange(len(labels)), test_size=test_fraction,
                                   random_state=seed, stratify=labels)
    pixels = images.reshape(len(labels), -1)
    mean, std = pixels[train].mean(axis=0), pixels[train].std(axis=0)
    std[std == 0] = 1.0
    return {"X_train": (pixels[train] - mean) / std, "y_train": labels[train],
            "X_test": (pixels[test] - mean) / std, "y_test": labels[test],
            "images_train": images[train], "images_test": images[test]}


def plot_digits(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray | None = None,
                columns: int = 10) -> Any:
    """A grid of 8x8 digit images titled with their label (or ``label → predicted``).

    Parameters
    ----------
    images : ndarray of shape (n, 8, 8)
    labels : ndarray of shape (n,), int
    predicted : ndarray of shape (n,), int, optional
    """
    import matplotlib.pyplot as plt

    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.1 * columns, 1.3 * rows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r")
            title = f"{labels[i]}" if predicted is None else f"{labels[i]} → {predicted[i]}"
            ax.set_title(title, fontsize="small",
                         color="k" if predicted is None or predicted[i] == labels[i] else "r")
    return fig


def plot_confusion(labels: np.ndarray, predicted: np.ndarray, num_classes: int,
                   ax: Any = None, title: str = "") -> Any:
    """The confusion matrix (true class × predicted class, counts) as an image with a colour bar.

    Parameters
    ----------
    labels, predicted : ndarrays of shape (n,), int in 0..num_classes-1
    """
    import matplotlib.pyplot as plt

    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    ax = ax if ax is not None else plt.subplots(figsize=(5, 4.2))[1]
    image = ax.imshow(counts, cmap="Blues")
    ax.figure.colorbar(image, ax=ax, label="number of test images")
    for (i, j), count in np.ndenumerate(counts):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize="x-small",
                    color="white" if count > counts.max() / 2 else "black")
    ticks = range(num_classes)
    ax.set(xticks=ticks, yticks=ticks, xlabel="predicted class", ylabel="true class", title=title)
    return ax


def to_tensors(*arrays: np.ndarray, device: Any = None,
               dtype: str = "float64") -> tuple[Any, ...]:
    """NumPy arrays as torch tensors of ``dtype`` on ``device``.

    ``device`` defaults to ``lib.device.best_device()``; shapes are kept. A float64 array
    kept as float64 on the CPU shares its memory with the tensor.
    """
    import torch

    from lib.device import best_device

    device = best_device() if device is None else device

    def convert(a: np.ndarray) -> Any:
        # NumPy converts the dtype where it knows it: its large arrays get huge pages, so
        # 200 000 x 101 float64 values become float32 in 14 ms, not torch's 45 (page faults).
        try:
            host = np.asarray(a, dtype=dtype)
        except TypeError:  # bfloat16, say: torch's own conversion
            return torch.as_tensor(np.asarray(a), dtype=getattr(torch, dtype), device=device)
        return torch.as_tensor(host, device=device)

    return tuple(convert(a) for a in arrays)


def gradient_check(loss: Callable[[Any], Any], gradient: Callable[[Any], Any], w: Any) -> float:
    """Relative error between a closed-form gradient and ``torch.autograd``'s, at ``w``.

    Parameters
    ----------
    loss : function taking w (tensor of shape (M,)) and returning a 0-d tensor.
    gradient : function taking w and returning the closed-form gradient, shape (M,).
    w : tensor of shape (M,), where to compare.

    Returns
    -------
    error : float, ``||g_closed − g_autograd|| / max(||g_autograd||, tiny)``; about 1e-16
        in float64 (1e-7 in float32) when the closed form is right.
    """
    import torch

    w_auto = w.detach().clone().requires_grad_(True)
    (g_auto,) = torch.autograd.grad(loss(w_auto), w_auto)
    with torch.no_grad():
        g_closed = gradient(w.detach())
    scale = max(float(torch.linalg.vector_norm(g_auto)), float(torch.finfo(g_auto.dtype).tiny))
    return float(torch.linalg.vector_norm(g_closed - g_auto)) / scale


def plot_decision_boundary(X: np.ndarray, y: np.ndarray, w: Any, *, ax: Any = None,
                           title: str = "", labels: tuple[str, str] = ("x1", "x2")) -> Any:
    """Points of two classes, the probability μ(x) as a background (with a colour bar) and the
    line μ = 1/2.

    Parameters
    ----------
    X : ndarray of shape (N, 2), the two input features.
    y : ndarray of shape (N,), labels 0/1.
    w : array or tensor of shape (3,): bias w0 and weights (w1, w2), so u = w0 + w1 x1 + w2 x2.
    """
    import matplotlib.pyplot as plt

    w = np.asarray(w.detach().cpu() if hasattr(w, "detach") else w, dtype=np.float64)
    ax = ax if ax is not None else plt.subplots(figsize=(5, 4))[1]
    pad = 0.5
    (x_lo, y_lo), (x_hi, y_hi) = X.min(axis=0) - pad, X.max(axis=0) + pad
    g1, g2 = np.meshgrid(np.linspace(x_lo, x_hi, 200), np.linspace(y_lo, y_hi, 200))
    u = w[0] + w[1] * g1 + w[2] * g2
    mu = np.exp(-np.logaddexp(0.0, -u))  # stable sigmoid
    shading = ax.contourf(g1, g2, mu, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax.figure.colorbar(shading, ax=ax, label=r"$\mu(x) = p(y = 1 \mid x)$")
    ax.contour(g1, g2, u, levels=[0.0], colors="k", linewidths=1.5)
    for label, color, marker in ((0, "tab:blue", "o"), (1, "tab:red", "^")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=color, marker=marker, s=14, edgecolors="k",
                   linewidths=0.3, label=f"y = {label}")
    ax.set(xlabel=labels[0], ylabel=labels[1], title=title, xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    ax.legend(loc="upper right", fontsize="small")
    return ax


def synchronize(device: Any) -> None:
    """Wait for the device's queued work (CUDA and MPS run asynchronously)."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def time_it(fn: Callable[[], Any], device: Any, repeat: int = 3, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds, synchronizing ``device`` around each run.

    GPU kernels are launched asynchronously: without the synchronization one would time
    the launch, not the work.
    """
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
