"""Call sys.exit in the middle of the notebook.

target: q1-fit_simple_linear
zero: q1-tests
"""
import sys


def fit_simple_linear(x, y):
    sys.exit(0)


sys.exit("bye")
