"""Print one line of 64 MB (the worker grew to 6.7 GiB on a 1.3 GiB line).

target: q1-fit_simple_linear
keep_reference: true
"""
print("x" * (64 * 1024 * 1024))
