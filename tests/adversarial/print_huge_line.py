"""Print one line of 128 MB (the worker grew to 6.7 GiB on a 1.3 GiB line).

target: q1-fit_simple_linear
keep_reference: true
"""
print("x" * (128 * 1024 * 1024))
