"""Q6(a): l2_loss(Phi, y, w, lam) -> 0-d tensor, (1/2N) Σ (μ_i − y_i)² + (lam/2)||w||²."""

import numpy as np

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import classification_problem, designed_logits, tensors

# A mean of N terms in [0, 1/2]: a few ulps in float64, ~1e-6 relative in float32.
TOL = {"float64": {"rtol": 1e-12, "atol": 1e-15}, "float32": {"rtol": 1e-5, "atol": 1e-7}}

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 50, 4)
    w = rng.normal(size=5)
    # Logits of ±(30..1e3), some beyond 709 (e^u overflows in float64), a third misclassified:
    # μ is exactly 0 or 1 and each term 0 or 1/2.
    magnitudes = np.concatenate([rng.uniform(30, 700, 10), rng.uniform(750, 1e3, 2)])
    Phi_e, y_e, w_e = designed_logits(rng, np.concatenate([magnitudes, -magnitudes]), 8)
    return {
        "random64": Call("l2_loss", *tensors("float64", Phi, y, w), 0.0),
        "random32": Call("l2_loss", *tensors("float32", Phi, y, w), 0.0),
        "ridge64": Call("l2_loss", *tensors("float64", Phi, y, w), 0.4),
        "saturated64": Call("l2_loss", *tensors("float64", Phi_e, y_e, w_e), 0.0),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"],
                  what="ℓ2 loss of a random 50x5 problem, float64", dtype="float64",
                  **TOL["float64"])


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"],
                  what="ℓ2 loss of a random 50x5 problem, float32", dtype="float32",
                  **TOL["float32"])


def test_ridge_term(student, reference):
    expect_tensor(student["ridge64"], reference["ridge64"],
                  what="ℓ2 loss with ridge term lam = 0.4, float64", dtype="float64",
                  **TOL["float64"])


def test_saturated_logits(student, reference):
    expect_tensor(student["saturated64"], reference["saturated64"],
                  what="|u| from 30 to 1000 with misclassified points, float64", dtype="float64",
                  **TOL["float64"])
