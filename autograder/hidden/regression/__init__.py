"""Hidden tests of Assignment 1 (solutions/01-regression/regression.ipynb)."""
