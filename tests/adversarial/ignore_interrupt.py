"""Ignore SIGINT and the interrupt request, then loop forever in the function.

target: q1-fit_simple_linear
zero: q1-tests
"""
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)


def fit_simple_linear(x, y):
    while True:
        try:
            pass
        except BaseException:
            pass
