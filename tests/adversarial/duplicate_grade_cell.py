"""Duplicate a tests cell to be counted twice.

target: q1-fit_simple_linear
keep_reference: true
edit: duplicate q1-tests
"""
