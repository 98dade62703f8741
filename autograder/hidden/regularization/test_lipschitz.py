"""Q3(a): ridge_lipschitz(Phi, lam) -> L = σ_max(Φ)²/N + 2λ."""

import numpy as np

from autograder.grading.checks import expect_scalar
from autograder.grading.probe import Call

TOL = {"rtol": 1e-9}  # an SVD and an eigenvalue solver agree to ~1e-14

# The main correctness check: partial credit needs it.
MAIN = ("test_tall",)


def calls(rng):
    scaled = rng.normal(size=(12, 4)) * np.array([1.0, 10.0, 0.1, 1.0])
    return {
        "tall": Call("ridge_lipschitz", rng.normal(size=(20, 5)), 0.0),
        "wide": Call("ridge_lipschitz", rng.normal(size=(6, 15)), float(rng.uniform(0.1, 1.0))),
        "scaled_columns": Call("ridge_lipschitz", scaled, 0.0),
        "rank_one": Call("ridge_lipschitz", np.outer(rng.normal(size=9), rng.normal(size=3)), 0.05),
    }


def test_tall(student, reference):
    expect_scalar(student["tall"], reference["tall"], what="random 20x5 matrix, λ = 0", **TOL)


def test_wide_with_lambda(student, reference):
    expect_scalar(student["wide"], reference["wide"], what="random 6x15 matrix, λ > 0", **TOL)


def test_scaled_columns(student, reference):
    expect_scalar(student["scaled_columns"], reference["scaled_columns"],
                  what="columns of very different scales, λ = 0", **TOL)


def test_rank_one(student, reference):
    expect_scalar(student["rank_one"], reference["rank_one"],
                  what="a rank-one 9x3 matrix, λ = 0.05", **TOL)
