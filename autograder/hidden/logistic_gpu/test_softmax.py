"""Q7(a): softmax(U) -> tensor (N, K), row-wise exp(u_ik) / Σ_j exp(u_ij), stable."""

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import tensor

# A stable softmax is accurate to a few ulps relative; atol is the smallest normal number, so
# probabilities that underflow to subnormals or zero pass.
TOL = {"float64": {"rtol": 1e-12, "atol": 2.3e-308}, "float32": {"rtol": 1e-5, "atol": 1.2e-38}}

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    huge = rng.uniform(-1e4, 1e4, size=(6, 4))
    huge[0, 0] = 1e4  # a row maximum that overflows exp in both dtypes ...
    huge[1] = rng.uniform(-1e4, -5e3, size=4)  # ... and a row far below the matrix's maximum
    return {
        "random64": Call("softmax", tensor(rng.normal(scale=3.0, size=(20, 5)), "float64")),
        "random32": Call("softmax", tensor(rng.normal(scale=3.0, size=(20, 5)), "float32")),
        "huge32": Call("softmax", tensor(huge, "float32")),
        "huge64": Call("softmax", tensor(huge, "float64")),
        "two_classes": Call("softmax", tensor(rng.normal(scale=5.0, size=(10, 2)), "float64")),
        "one_class": Call("softmax", tensor(rng.normal(size=(4, 1)), "float64")),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"],
                  what="softmax of random 20x5 logits, float64", dtype="float64", **TOL["float64"])


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"],
                  what="softmax of random 20x5 logits, float32", dtype="float32", **TOL["float32"])


def test_huge_logits_float32(student, reference):
    expect_tensor(student["huge32"], reference["huge32"],
                  what="logits up to 1e4 in magnitude, float32", dtype="float32",
                  **TOL["float32"])


def test_huge_logits_float64(student, reference):
    expect_tensor(student["huge64"], reference["huge64"],
                  what="logits up to 1e4 in magnitude, float64", dtype="float64",
                  **TOL["float64"])


def test_two_classes(student, reference):
    expect_tensor(student["two_classes"], reference["two_classes"],
                  what="K = 2 (the logistic model), float64", dtype="float64", **TOL["float64"])


def test_one_class(student, reference):
    expect_tensor(student["one_class"], reference["one_class"],
                  what="K = 1 (every probability is 1), float64", dtype="float64",
                  **TOL["float64"])
