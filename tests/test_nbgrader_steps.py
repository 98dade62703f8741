"""What the grader changes in how nbgrader's own steps run: the same verdicts, less CPU."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import nbgrader.api
import nbgrader.dbutil
import pytest
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooOldError, ValidationError

from autograder.grading import nbgrader_speedups

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "01-regression" / "regression.ipynb"


def _graded_cell() -> nbformat.NotebookNode:
    nb = nbformat.read(SOLUTION, as_version=4)
    return copy.deepcopy(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")))


@pytest.mark.parametrize("change", [
    {"points": "lots"}, {"grade": "yes"}, {"grade_id": 7}, {"unknown": 1}, {"locked": None},
    {}, {"solution": True, "grade": True, "points": -1}])
def test_metadata_is_judged_as_jsonschema_judges_it(change):
    """Checking the schema once changes no verdict and no error message."""
    nbgrader_speedups.install()
    cell = _graded_cell()
    cell.metadata.nbgrader.update(change)
    validator = MetadataValidator()
    try:
        jsonschema.validate(cell.metadata.nbgrader, validator.schema)  # stock, unpatched
        expected = None
    except jsonschema.ValidationError as error:
        expected = error.message
    try:
        validator.validate_cell(cell)
        got = None
    except ValidationError as error:
        got = error.message
    if expected is not None:
        assert got == expected
    else:  # the schema passes it; nbgrader's own rules may still refuse it, as before
        assert got is None or "schema" not in got


def test_an_old_schema_version_is_still_refused():
    nbgrader_speedups.install()
    cell = _graded_cell()
    cell.metadata.nbgrader["schema_version"] = 1
    with pytest.raises(SchemaTooOldError):
        MetadataValidator().validate_cell(cell)


def test_the_gradebook_version_is_the_one_alembic_prints(monkeypatch):
    """A new gradebook records the head revision of nbgrader's migrations, as the
    ``alembic heads`` command nbgrader runs would print it."""
    bin_dir = str(Path(sys.executable).parent)  # the environment's alembic command
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '')}")
    with nbgrader.dbutil._temp_alembic_ini("sqlite:////tmp/unused.db") as ini:
        printed = subprocess.run(["alembic", "-c", ini, "heads"], capture_output=True,
                                 text=True, check=True).stdout.split()[0]
    assert nbgrader_speedups.alembic_head() == printed
    assert nbgrader.api.get_alembic_version is nbgrader_speedups.alembic_head


def test_grading_one_assignment_loads_only_its_catalogue_module():
    """A1's misconception matching must not import A3's catalogue (which imports torch:
    2 s of CPU in every grading process)."""
    code = ("import sys; from autograder import mistakes; "
            "mistakes.named_mistakes('regression.simple_linear'); "
            "print(sorted(m for m in sys.modules if m.startswith('autograder.mistakes.')), "
            "'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.split() == ["['autograder.mistakes.regression']", "False"]
