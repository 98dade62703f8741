"""Read the source notebook or the hidden tests from disk, by relative and absolute paths.

target: q1-fit_simple_linear
zero: q1-tests, q2-polynomial-tests, q2-gaussian-tests, q3-risk-tests, q3-lstsq-tests, q4-tests, q4-population-tests, q5-tests
blank_others: true
"""
import glob
import json

candidates = []
for pattern in ["../../../solutions/*/*.ipynb", "../../../../solutions/*/*.ipynb",
                "{course}/solutions/*/*.ipynb", "{repo}/solutions/*/*.ipynb",
                "{repo}/autograder/hidden/*/*.py", "{course}/gradebook.db"]:
    candidates += glob.glob(pattern)
for path in candidates:
    try:
        if path.endswith(".ipynb"):
            for cell in json.load(open(path))["cells"]:
                if cell["metadata"].get("nbgrader", {}).get("solution"):
                    exec("".join(cell["source"]), globals())
    except Exception:
        pass
