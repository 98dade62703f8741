"""Overwrite the gradebook, grades CSV, feedback and another student's submission.

target: q1-fit_simple_linear
keep_reference: true
"""
import glob
import os

for pattern in ["../../../gradebook.db", "{course}/gradebook.db", "{course}/out/*.csv",
                "{course}/out/grades-*.csv", "{course}/feedback/*/*/*.html",
                "{course}/submitted/honest/01-regression/regression.ipynb",
                "../../../submitted/honest/01-regression/regression.ipynb",
                "{course}/autograded/honest/01-regression/regression.ipynb"]:
    for path in glob.glob(pattern) or [pattern]:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write("owned")
        except Exception:
            pass
