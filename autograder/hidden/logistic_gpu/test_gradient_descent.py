"""Q3: gradient_descent(Phi, y, w0, lr, num_steps, lam) -> (w, losses of shape (num_steps + 1,))."""

import numpy as np

from autograder.grading.checks import expect_items, expect_tensor, expect_unchanged
from autograder.grading.probe import Call
from autograder.hidden.logistic_gpu import classification_problem, tensor

# 25 steps amplify rounding only mildly (the iteration is a contraction at this step size):
# float64 answers agree to ~1e-13, float32 ones to ~1e-6; the tolerances leave a margin.
TOL = {"float64": {"rtol": 1e-9, "atol": 1e-11}, "float32": {"rtol": 1e-4, "atol": 1e-5}}


def _args(Phi, y, w0, lr, steps, lam, dtype):
    return tensor(Phi, dtype), tensor(y, dtype), tensor(w0, dtype), lr, steps, lam


# The main correctness check: partial credit needs it.
MAIN = ("test_weights_float64",)


def calls(rng):
    Phi, y = classification_problem(rng, 50, 4)
    w0 = 0.1 * rng.normal(size=5)
    Phi_s, y_s = classification_problem(rng, 40, 2, separable=True)
    return {
        "gd64": Call("gradient_descent", *_args(Phi, y, w0, 1.0, 25, 0.01, "float64")),
        "w0_after": Call("gradient_descent", *_args(Phi, y, w0, 1.0, 25, 0.01, "float64"), echo=2),
        "gd32": Call("gradient_descent", *_args(Phi, y, w0, 1.0, 25, 0.01, "float32")),
        "zero_steps": Call("gradient_descent", *_args(Phi, y, w0, 1.0, 0, 0.01, "float64")),
        "separable32": Call("gradient_descent", *_args(Phi_s, y_s, np.zeros(3), 2.0, 40, 0.0,
                                                       "float32")),
    }


def _result(student, reference, name, what, dtype, part):
    items = expect_items(student[name], 2, what=what)
    ref = reference[name].items
    index = {"weights": 0, "losses": 1}[part]
    expect_tensor(items[index], ref[index], what=f"{what}: {part}", dtype=dtype, **TOL[dtype])


def test_weights_float64(student, reference):
    _result(student, reference, "gd64", "25 steps on a random 50x5 problem, float64", "float64",
            "weights")


def test_losses_float64(student, reference):
    _result(student, reference, "gd64", "25 steps on a random 50x5 problem, float64", "float64",
            "losses")


def test_weights_float32(student, reference):
    _result(student, reference, "gd32", "25 steps on a random 50x5 problem, float32", "float32",
            "weights")


def test_zero_steps(student, reference):
    _result(student, reference, "zero_steps", "num_steps = 0 (w0 and E(w0) only)", "float64",
            "losses")


def test_separable_float32(student, reference):
    _result(student, reference, "separable32", "40 steps on separable data, float32", "float32",
            "losses")


def test_leaves_w0_alone(student, reference):
    expect_unchanged(student["w0_after"], reference["w0_after"], argument="w0",
                     what="25 steps on a random 50x5 problem, float64")
