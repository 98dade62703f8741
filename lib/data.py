"""Small data sets for the assignments: generated with a seed, or from the lecture.

Nothing here downloads anything; real data sets come bundled with scikit-learn.
"""

from __future__ import annotations

import numpy as np


def housing_prices() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's motivating example: a city's housing price by year.

    Returns
    -------
    years : ndarray of shape (3,), float64
        2021, 2022, 2023.
    prices : ndarray of shape (3,), float64
        2, 3, 4.
    """
    return np.array([2021.0, 2022.0, 2023.0]), np.array([2.0, 3.0, 4.0])


def word_coordinates() -> tuple[list[str], np.ndarray]:
    """Touretzky's word coordinates from the lecture: (gender, age) for eight words.

    Returns
    -------
    words : list of 8 str
    coordinates : ndarray of shape (8, 2), float64
    """
    words = ["grandfather", "man", "adult", "woman", "boy", "child", "girl", "infant"]
    coordinates = np.array([[1, 9], [1, 7], [5, 7], [9, 7], [1, 2], [5, 2], [9, 2], [5, 1]],
                           dtype=np.float64)
    return words, coordinates


def sinusoid(n: int, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bishop's synthetic data: ``y = sin(2πx) + ε``, ``x ~ U[0, 1]``, ``ε ~ N(0, noise²)``.

    Returns
    -------
    x : ndarray of shape (n,), float64, sorted
    y : ndarray of shape (n,), float64
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, size=n))
    return x, np.sin(2 * np.pi * x) + noise * rng.standard_normal(n)


def true_function(x: np.ndarray) -> np.ndarray:
    """The noiseless curve ``sin(2πx)`` behind :func:`sinusoid`."""
    return np.sin(2 * np.pi * np.asarray(x, dtype=np.float64))


def train_val_test_split(n: int, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
                         seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``range(n)`` at random into disjoint train, validation and test indices.

    The lecture's D = D_train ∪ D_validation ∪ D_test: train to fit, validation to
    select a model, test only once, at the end, to estimate generalization.

    Returns
    -------
    train, validation, test : ndarrays of int64 indices, together a permutation of range(n)
    """
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError("fractions must be three non-negative numbers summing to 1")
    order = np.random.default_rng(seed).permutation(n)
    n_train = round(fractions[0] * n)
    n_val = round(fractions[1] * n)
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
