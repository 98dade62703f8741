"""Unit tests of the helper package students import."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import lib


def test_housing_prices_match_the_lecture():
    years, prices = lib.data.housing_prices()
    assert years.tolist() == [2021, 2022, 2023] and prices.tolist() == [2, 3, 4]


def test_word_coordinates_match_the_lecture():
    words, coords = lib.data.word_coordinates()
    assert words[0] == "grandfather" and coords.shape == (8, 2)
    assert coords[words.index("infant")].tolist() == [5, 1]


def test_sinusoid_is_seeded_sorted_and_noisy():
    x1, y1 = lib.data.sinusoid(50, seed=3)
    x2, y2 = lib.data.sinusoid(50, seed=3)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert np.all(np.diff(x1) >= 0) and np.all((x1 >= 0) & (x1 <= 1))
    residual = y1 - lib.data.true_function(x1)
    assert 0.15 < residual.std() < 0.45  # noise 0.3


def test_split_is_a_disjoint_cover():
    train, val, test = lib.data.train_val_test_split(20, (0.6, 0.2, 0.2), seed=1)
    assert (len(train), len(val), len(test)) == (12, 4, 4)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(20))


def test_split_rejects_bad_fractions():
    with pytest.raises(ValueError):
        lib.data.train_val_test_split(10, (0.5, 0.5, 0.5))


def test_check_close_passes_and_reports(capsys):
    lib.checks.check_close([1.0, 2.0], np.array([1.0, 2.0 + 1e-12]), "pair")
    assert "✔ pair" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"max absolute error 0\.5"):
        lib.checks.check_close([1.0, 2.5], [1.0, 2.0], "pair")
    with pytest.raises(AssertionError, match=r"shape \(3,\), expected \(2,\)"):
        lib.checks.check_close([1.0, 2.0, 3.0], [1.0, 2.0], "pair")
    with pytest.raises(AssertionError, match="NaN"):
        lib.checks.check_close([np.nan], [1.0], "nan")


def test_check_shape_and_true():
    lib.checks.check_shape(np.zeros((2, 3)), (2, 3), "zeros")
    with pytest.raises(AssertionError):
        lib.checks.check_shape(np.zeros(3), (3, 1), "zeros")
    with pytest.raises(AssertionError):
        lib.checks.check_true(False, "never")


def test_best_device_is_usable():
    import torch

    device = lib.device.best_device()
    assert torch.zeros(2, device=device).device.type == device.type
    assert lib.device.describe(device)


def test_plots_draw():
    x, y = lib.data.sinusoid(10)
    ax = lib.plotting.plot_fit(x, y, lib.data.true_function, lib.data.true_function, "t")
    assert len(ax.lines) == 2
    ax = lib.plotting.plot_errors([1, 2, 3], {"a": [3, 2, 1], "b": [1, 2, 3]}, "M", logy=True)
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
