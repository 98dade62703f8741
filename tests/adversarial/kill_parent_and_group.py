"""Kill the kernel's parent, its process group and every process it can signal.

target: q1-fit_simple_linear
zero: q1-tests
needs_isolation: true
"""
import os
import signal


def fit_simple_linear(x, y):
    for action in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                   lambda: os.killpg(0, signal.SIGKILL),
                   lambda: os.kill(-1, signal.SIGKILL)):
        try:
            action()
        except Exception:
            pass
    return 0.0, 0.0
