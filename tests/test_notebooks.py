"""Every solution notebook executes from top to bottom without error."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from conftest import SOLUTIONS
from nbclient import NotebookClient


@pytest.mark.slow
@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_notebook_executes(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    elapsed = time.perf_counter() - start
    print(f"{notebook.parent.name}: executed in {elapsed:.1f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
