"""Import the reference solution through the autograder package and use it.

target: q1-fit_simple_linear
zero: every tests cell
blank_others: true
"""
try:
    from autograder.grading.reference import reference_namespace

    globals().update(reference_namespace("solutions/01-regression/regression.ipynb"))
except Exception as error:
    print("import failed:", type(error).__name__)
try:
    import autograder.hidden.regression.test_simple_linear as hidden  # noqa: F401

    print("hidden tests imported")
except Exception as error:
    print("hidden import failed:", type(error).__name__)
