"""Print lines without pause for the whole cell, as many messages.

target: q2-polynomial_design
keep_reference: true
"""
import time

_line = "y" * 1000
_end = time.monotonic() + 3
while time.monotonic() < _end:
    print(_line)
