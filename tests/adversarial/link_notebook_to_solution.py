"""Submit a link to the solution notebook instead of a notebook.

target: q1-fit_simple_linear
zero: every tests cell
blank_others: true
link: regression.ipynb -> {course}/solutions/01-regression/regression.ipynb
"""
