"""Q6(b): l2_gradient(Phi, y, w, lam) -> tensor (M,), Phi.T((μ − y) μ (1 − μ)) / N + lam w."""


from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import classification_problem, expect_scaled, tensors

# Sums of N terms that may cancel: atol relative to the largest entry, as for Q2.
TOL = {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 60, 5)
    w = rng.normal(size=6)
    Phi_w, y_w = classification_problem(rng, 60, 5)
    return {
        "random64": Call("l2_gradient", *tensors("float64", Phi, y, w), 0.0),
        "random32": Call("l2_gradient", *tensors("float32", Phi, y, w), 0.0),
        "ridge64": Call("l2_gradient", *tensors("float64", Phi, y, w), 0.3),
        # large weights: many confidently right and wrong points, where μ(1 − μ) is tiny
        "wrong64": Call("l2_gradient", *tensors("float64", Phi_w, y_w, 3.0 * rng.normal(size=6)),
                        0.0),
    }


def test_random_float64(student, reference):
    expect_scaled(student["random64"], reference["random64"],
                  what="ℓ2 gradient of a random 60x6 problem, float64", dtype="float64", tol=TOL)


def test_random_float32(student, reference):
    expect_scaled(student["random32"], reference["random32"],
                  what="ℓ2 gradient of a random 60x6 problem, float32", dtype="float32", tol=TOL)


def test_ridge_term(student, reference):
    expect_scaled(student["ridge64"], reference["ridge64"],
                  what="ℓ2 gradient with ridge term lam = 0.3, float64", dtype="float64", tol=TOL)


def test_large_weights(student, reference):
    expect_scaled(student["wrong64"], reference["wrong64"],
                  what="ℓ2 gradient at large random weights, float64", dtype="float64", tol=TOL)
