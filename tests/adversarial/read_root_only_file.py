"""Read a root-only file (mode 0600 in a 0700 folder) holding the reference, and root's home.

target: q1-fit_simple_linear
zero: q1-tests
needs_root: true
"""
import os

try:
    exec(open("{secret}/q1.py").read())
except Exception as error:
    print("secret:", type(error).__name__)
try:
    print("root's home:", os.listdir("/root"), open("/proc/self/uid_map").read())
except Exception as error:
    print("root's home:", type(error).__name__)
