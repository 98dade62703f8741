"""Submit a link to the solution notebook instead of a notebook.

target: q1-fit_simple_linear
zero: q1-tests, q2-polynomial-tests, q2-gaussian-tests, q3-risk-tests, q3-lstsq-tests, q4-tests, q4-population-tests, q5-tests
blank_others: true
link: regression.ipynb -> {course}/solutions/01-regression/regression.ipynb
"""
