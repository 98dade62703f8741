"""Plots shared by the notebooks (matplotlib, returning the Axes for further styling)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _axes(ax: Any) -> Any:
    import matplotlib.pyplot as plt

    return ax if ax is not None else plt.subplots(figsize=(5, 3.5))[1]


def plot_fit(x: np.ndarray, y: np.ndarray, predict: Callable[[np.ndarray], np.ndarray],
             truth: Callable[[np.ndarray], np.ndarray] | None = None, title: str = "",
             ax: Any = None, ylim: tuple[float, float] = (-1.5, 1.5)) -> Any:
    """Data points, a fitted curve ``predict`` and optionally the true curve, on [0, 1]."""
    ax = _axes(ax)
    grid = np.linspace(0.0, 1.0, 400)
    if truth is not None:
        ax.plot(grid, truth(grid), color="tab:green", label="truth")
    ax.plot(grid, predict(grid), color="tab:red", label="fit")
    ax.scatter(x, y, facecolors="none", edgecolors="tab:blue", label="data")
    ax.set(xlabel="x", ylabel="y", title=title, ylim=ylim)
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_errors(values: Sequence[float], curves: dict[str, Sequence[float]], xlabel: str,
                ylabel: str = "error", logy: bool = False, logx: bool = False,
                ax: Any = None) -> Any:
    """Several error curves against a common x axis (e.g. training/validation vs M)."""
    ax = _axes(ax)
    for label, curve in curves.items():
        ax.plot(values, curve, marker="o", label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.legend()
    return ax
