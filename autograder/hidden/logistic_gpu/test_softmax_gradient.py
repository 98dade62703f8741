"""Q7(c): softmax_gradient(Phi, Y, W, lam) -> (M, K) tensor, Φᵀ(softmax(ΦW) − Y)/N + lam W."""

from autograder.hidden.logistic_gpu import expect_scaled, softmax_calls

# Sums of N terms that may cancel: atol relative to the largest entry, as for Q2.
TOL = {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    return softmax_calls(rng, "softmax_gradient")


def test_random_float64(student, reference):
    expect_scaled(student["random64"], reference["random64"],
                  what="gradient of a random problem, 60 points, 5 classes, float64",
                  dtype="float64", tol=TOL)


def test_random_float32(student, reference):
    expect_scaled(student["random32"], reference["random32"],
                  what="gradient of a random problem, 60 points, 5 classes, float32",
                  dtype="float32", tol=TOL)


def test_ridge_term(student, reference):
    expect_scaled(student["ridge64"], reference["ridge64"],
                  what="gradient with ridge term lam = 0.2, float64", dtype="float64", tol=TOL)


def test_huge_logits_float64(student, reference):
    expect_scaled(student["huge64"], reference["huge64"],
                  what="logits of order ±1e3, float64", dtype="float64", tol=TOL)


def test_huge_logits_float32(student, reference):
    expect_scaled(student["huge32"], reference["huge32"],
                  what="logits of order ±1e3, float32", dtype="float32", tol=TOL)
