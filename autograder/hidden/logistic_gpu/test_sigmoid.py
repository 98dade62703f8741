"""Q1(a): sigmoid(u) -> tensor of u's shape, dtype and device; stable for |u| up to 1e4."""

import numpy as np

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import tensor

# A stable sigmoid is accurate to a few ulps in relative terms; atol is the dtype's smallest
# normal number, so values that underflow to subnormals or zero (σ(−100) in float32) pass.
TOL = {"float64": {"rtol": 1e-12, "atol": 2.3e-308}, "float32": {"rtol": 1e-5, "atol": 1.2e-38}}
EXTREME = np.array([-1e4, -1e3, -100.0, -40.0, -20.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 20.0, 40.0,
                    100.0, 1e3, 1e4])


# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def _random_logits(rng):
    """40 logits of moderate size: 36 random in [-20, 20] (no overflow, nothing a clamp to
    ±30 would change) and ±12, ±15, where 1 + tanh(u/2) has already lost 5 digits in float64:
    a verdict that does not depend on how far the random ones happen to reach."""
    return rng.permutation(np.concatenate([np.clip(rng.normal(scale=8.0, size=36), -20, 20),
                                           [-15.0, -12.0, 12.0, 15.0]]))


def calls(rng):
    return {
        "random64": Call("sigmoid", tensor(_random_logits(rng), "float64")),
        "random32": Call("sigmoid", tensor(_random_logits(rng), "float32")),
        "extreme64": Call("sigmoid", tensor(np.concatenate([EXTREME, [-800.0, 800.0]]), "float64")),
        "extreme32": Call("sigmoid", tensor(EXTREME, "float32")),
        # moderate logits (|u| ≤ 5): this check is about the shape, not the tails
        "matrix": Call("sigmoid", tensor(np.clip(rng.normal(scale=3.0, size=(4, 6)), -5, 5),
                                         "float64")),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"], what="40 random logits, float64",
                  dtype="float64", **TOL["float64"])


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"], what="40 random logits, float32",
                  dtype="float32", **TOL["float32"])


def test_extreme_float64(student, reference):
    expect_tensor(student["extreme64"], reference["extreme64"],
                  what="logits from -1e4 to 1e4 (and ±800), float64", dtype="float64",
                  **TOL["float64"])


def test_extreme_float32(student, reference):
    expect_tensor(student["extreme32"], reference["extreme32"],
                  what="logits from -1e4 to 1e4, float32", dtype="float32", **TOL["float32"])


def test_keeps_shape(student, reference):
    expect_tensor(student["matrix"], reference["matrix"], what="a 4x6 matrix of logits, float64",
                  dtype="float64", **TOL["float64"])
