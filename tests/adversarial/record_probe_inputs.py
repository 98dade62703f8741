"""Record every input the hidden tests pass, and print them after every later cell.

Only calls made by the grader's probe are recorded (the visible checks' inputs are public).

target: q1-fit_simple_linear
keep_reference: true
absent: LEAKED \[[^\]]
"""
import inspect

_reference = fit_simple_linear  # noqa: F821
_recorded = []


def fit_simple_linear(x, y):
    if any(frame.function == "_autograder_probe" for frame in inspect.stack()):
        _recorded.append((list(x), list(y)))
    return _reference(x, y)


get_ipython().events.register(  # noqa: F821
    "post_run_cell", lambda *args: print("LEAKED", _recorded[:5]))
