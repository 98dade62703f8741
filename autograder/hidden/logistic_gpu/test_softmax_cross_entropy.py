"""Q7(b): softmax_cross_entropy(Phi, Y, W, lam) -> 0-d tensor, mean CE + (lam/2)||W||_F²."""

from autograder.grading.checks import expect_tensor
from autograder.hidden.logistic_gpu import softmax_calls

# The log-sum-exp form is accurate to a few ulps of the loss; float32 sums of 60 terms lose a
# little more, hence rtol 1e-5 there.
TOL = {"float64": {"rtol": 1e-11, "atol": 1e-14}, "float32": {"rtol": 1e-5, "atol": 1e-6}}

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    return softmax_calls(rng, "softmax_cross_entropy")


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"],
                  what="loss of a random problem, 60 points, 5 classes, float64",
                  dtype="float64", **TOL["float64"])


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"],
                  what="loss of a random problem, 60 points, 5 classes, float32",
                  dtype="float32", **TOL["float32"])


def test_ridge_term(student, reference):
    expect_tensor(student["ridge64"], reference["ridge64"],
                  what="loss with ridge term lam = 0.2, float64", dtype="float64",
                  **TOL["float64"])


def test_huge_logits_float64(student, reference):
    expect_tensor(student["huge64"], reference["huge64"],
                  what="logits of order ±1e3, many mispredicted, float64", dtype="float64",
                  **TOL["float64"])


def test_huge_logits_float32(student, reference):
    expect_tensor(student["huge32"], reference["huge32"],
                  what="logits of order ±1e3, many mispredicted, float32", dtype="float32",
                  **TOL["float32"])
