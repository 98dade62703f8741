"""Raise an exception whose message is 64 MB (a 2.7 GiB worker, a 572 MiB notebook).

target: q3-empirical_risk
keep_reference: true
"""
raise ValueError("z" * (64 * 1024 * 1024))
