"""Q5: predict(Phi, w) -> labels 0.0/1.0 (1 where Phi @ w > 0), in Phi's dtype and device."""

from autograder.grading.checks import expect_tensor
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import classification_problem, tensor

EXACT = {"rtol": 0.0, "atol": 0.0}  # labels are 0 or 1: no rounding to allow for

# The main correctness check: partial credit needs it.
MAIN = ("test_random_float64",)


def calls(rng):
    Phi, _ = classification_problem(rng, 40, 3)
    w = rng.normal(size=4)
    Phi_b, _ = classification_problem(rng, 12, 3)
    Phi_b[::3] = 0.0  # every third point has u = 0 exactly: on the boundary μ = 1/2
    w_b = rng.normal(size=4)
    return {
        "random64": Call("predict", tensor(Phi, "float64"), tensor(w, "float64")),
        "random32": Call("predict", tensor(Phi, "float32"), tensor(w, "float32")),
        "boundary64": Call("predict", tensor(Phi_b, "float64"), tensor(w_b, "float64")),
    }


def test_random_float64(student, reference):
    expect_tensor(student["random64"], reference["random64"], what="40 random points, float64",
                  dtype="float64", **EXACT)


def test_random_float32(student, reference):
    expect_tensor(student["random32"], reference["random32"], what="40 random points, float32",
                  dtype="float32", **EXACT)


def test_boundary(student, reference):
    expect_tensor(student["boundary64"], reference["boundary64"],
                  what="points on the decision boundary u = 0 (class 0) and off it, float64",
                  dtype="float64", **EXACT)
