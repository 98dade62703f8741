"""Q5: one_hot(labels, num_classes) -> Y of shape (N, K)."""

import numpy as np

from autograder.grading.checks import expect_array, expect_raises
from autograder.grading.probe import Call

# Exact 0/1 entries, float64 as documented (an int64 array would be a different answer).
TOL = {"rtol": 0.0, "atol": 0.0, "dtypes": ("float64",)}

# The main correctness check: partial credit needs it.
MAIN = ("test_random",)


def calls(rng):
    return {
        "random": Call("one_hot", rng.integers(0, 7, size=50), 7),
        "absent_classes": Call("one_hot", rng.integers(0, 3, size=10), 6),
        "no_labels": Call("one_hot", np.zeros(0, dtype=np.int64), 4),
        "too_large": Call("one_hot", np.array([0, 1, 5]), 5),
        "negative": Call("one_hot", np.array([0, -1, 2]), 3),
    }


def test_random(student, reference):
    expect_array(student["random"], reference["random"], what="50 random labels, K = 7", **TOL)


def test_absent_classes(student, reference):
    expect_array(student["absent_classes"], reference["absent_classes"],
                 what="labels in 0..2 with num_classes = 6 (three classes never occur)", **TOL)


def test_no_labels(student, reference):
    expect_array(student["no_labels"], reference["no_labels"], what="N = 0 labels, K = 4", **TOL)


def test_label_too_large(student):
    expect_raises(student["too_large"], ["ValueError"], what="a label equal to num_classes")


def test_negative_label(student):
    expect_raises(student["negative"], ["ValueError"], what="a label of -1")
