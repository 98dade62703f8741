"""Raise a tests cell's points, rename its grade id and add a fake graded cell.

target: q1-fit_simple_linear
zero: q1-tests
edit: inflate q1-tests
"""


def fit_simple_linear(x, y):
    return 0.0, 0.0
