"""Display a 64 MB "image" and many 4 MiB ones (display_data passed untouched).

target: q2-gaussian_design
keep_reference: true
"""
from IPython.display import display

display({"image/png": "iVBORw0KGgo" + "A" * (64 * 1024 * 1024)}, raw=True)
for _ in range(40):
    display({"image/png": "iVBORw0KGgo" + "A" * (4 * 1024 * 1024)}, raw=True)
