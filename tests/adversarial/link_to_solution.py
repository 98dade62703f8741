"""A blank notebook whose folder holds a link to the solution notebook, read and executed.

target: q1-fit_simple_linear
zero: every tests cell
blank_others: true
link: reference.ipynb -> {course}/solutions/01-regression/regression.ipynb
"""
import json

for cell in json.load(open("reference.ipynb"))["cells"]:
    if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
        exec("".join(cell["source"]), globals())
