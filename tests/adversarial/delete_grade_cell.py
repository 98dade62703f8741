"""Delete the tests cell of a question answered wrongly.

target: q1-fit_simple_linear
zero: q1-tests
edit: delete q1-tests
"""


def fit_simple_linear(x, y):
    return 0.0, 0.0
