"""Show the hidden tests' inputs while they run: a display update and a background thread.

target: q5-one_hot
keep_reference: true
absent: LEAKED-(update|thread) \[
"""
import inspect
import threading
import time

from IPython.display import display, update_display

display("waiting", display_id="autograder-leak")
_reference = one_hot  # noqa: F821


def _later(labels):
    time.sleep(0.5)
    print("LEAKED-thread", list(labels))


def one_hot(labels, num_classes):
    if any(frame.function == "_autograder_probe" for frame in inspect.stack()):
        update_display(f"LEAKED-update {list(labels)}", display_id="autograder-leak")
        threading.Thread(target=_later, args=(labels,)).start()
    return _reference(labels, num_classes)
