"""Q5: predict(Phi, w) -> labels 0.0/1.0 (1 where Phi @ w > 0), in Phi's dtype and device."""

import numpy as np

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import classification_problem, tensor

EXACT = {"rtol": 0.0, "atol": 0.0}  # labels are 0 or 1: no rounding to allow for
# Logits every random problem contains, so that no verdict depends on the seed: both classes,
# and logits in (0, 1/2] that a threshold on u at 1/2 (instead of 0) gets wrong.
SET_LOGITS = np.array([0.1, 0.3, 0.45, -0.2, -2.0, 2.0])

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def _problem(rng, n, on_boundary=0):
    """A random n x 4 problem whose last feature is adjusted on six rows to give SET_LOGITS,
    and ``on_boundary`` other rows set to 0 (u = 0 exactly: on the boundary μ = 1/2)."""
    Phi, _ = classification_problem(rng, n, 3)
    w = rng.normal(size=4)
    w[-1] = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)
    rows = rng.permutation(n)
    designed, zero = rows[:len(SET_LOGITS)], rows[len(SET_LOGITS):len(SET_LOGITS) + on_boundary]
    Phi[designed, -1] = (SET_LOGITS - Phi[designed, :-1] @ w[:-1]) / w[-1]
    Phi[zero] = 0.0
    return Phi, w


def calls(rng):
    Phi, w = _problem(rng, 40)
    Phi_b, w_b = _problem(rng, 12, on_boundary=4)
    return {
        "random64": Call("predict", tensor(Phi, "float64"), tensor(w, "float64")),
        "random32": Call("predict", tensor(Phi, "float32"), tensor(w, "float32")),
        "boundary64": Call("predict", tensor(Phi_b, "float64"), tensor(w_b, "float64")),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"],
                  what="40 random points (some logits in (0, 1/2]), float64", dtype="float64",
                  **EXACT)


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"], what="40 random points, float32",
                  dtype="float32", **EXACT)


def test_boundary(student, reference):
    expect_tensor(student["boundary64"], reference["boundary64"],
                  what="points on the decision boundary u = 0 (class 0) and off it, float64",
                  dtype="float64", **EXACT)
