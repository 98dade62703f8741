"""Unit tests of the helper package students import."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import QUESTIONS
from subjects import (
    called_function,
    lib_candidates,
    public_lib_functions,
    visible_outcome,
)

import lib
from autograder.grading.reference import reference_namespace, reference_with
from autograder.grading.verdict import grade_namespaces


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


# -- no lib function is the answer to a graded question ---------------------------------------


@pytest.mark.parametrize(("notebook", "question"), QUESTIONS,
                         ids=[f"{nb.parent.name}:{q}" for nb, q in QUESTIONS])
def test_no_lib_function_answers_a_question(notebook, question):
    """Every public lib function, handed in as the answer (tests/subjects.lib_candidates:
    by position, or by name with the sizes the answer implies), earns 0 and fails the
    question's visible checks."""
    function = called_function(question)
    reference = reference_namespace(notebook)[function]
    candidates = {f"{name} ({how})": candidate
                  for name, lib_function in public_lib_functions().items()
                  for how, candidate in lib_candidates(reference, lib_function).items()}
    subjects = {name: (reference_with(notebook, function, candidate), (question,))
                for name, candidate in candidates.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = grade_namespaces(subjects, notebook, seed=0)
    plt.close("all")  # the plotting helpers, tried as answers, drew figures
    earning = {name: r[question].fraction for name, r in results.items()
               if r[question].fraction > 0}
    assert earning == {}
    plausible = [name for name, r in results.items() if r[question].passed > 0]
    passing = [name for name in plausible if visible_outcome(
        notebook, question, function, candidates[name]).outcome == "pass"]
    assert passing == []


def test_check_raises():
    def fails():
        raise ValueError("bad")

    lib.checks.check_raises(fails, ValueError, "bad input")
    with pytest.raises(AssertionError, match="returned normally"):
        lib.checks.check_raises(lambda: 1, ValueError, "bad input")
    with pytest.raises(AssertionError, match="raised IndexError"):
        lib.checks.check_raises(lambda: [][1], ValueError, "bad input")
