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
import sqlalchemy
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


def _schema(db_url: str) -> dict:
    engine = sqlalchemy.create_engine(db_url)
    try:
        found = sqlalchemy.inspect(engine)
        with engine.connect() as connection:
            version = connection.execute(sqlalchemy.text(
                "SELECT version_num FROM alembic_version")).scalars().all()
            courses = connection.execute(sqlalchemy.text("SELECT id FROM course")).scalars().all()
        return {"version": version, "courses": courses,
                "tables": {t: sorted(c["name"] for c in found.get_columns(t))
                           for t in found.get_table_names()},
                "indexes": {t: sorted(i["name"] for i in found.get_indexes(t))
                            for t in found.get_table_names()}}
    finally:
        engine.dispose()


def test_a_new_gradebook_is_made_as_stock_nbgrader_makes_it(tmp_path):
    nbgrader_speedups.install()
    assert nbgrader.api.Gradebook.__init__ is nbgrader_speedups._open_gradebook
    stock, ours = f"sqlite:///{tmp_path / 'stock.db'}", f"sqlite:///{tmp_path / 'ours.db'}"
    gradebook = object.__new__(nbgrader.api.Gradebook)
    nbgrader_speedups._STOCK_GRADEBOOK_INIT(gradebook, stock, course_id="course101")
    gradebook.close()
    with nbgrader.api.Gradebook(ours, course_id="course101"):
        pass
    assert _schema(ours) == _schema(stock)
    assert _schema(ours)["courses"] == ["course101"]


def test_gradebooks_of_one_database_share_an_engine_but_not_across_a_fork(tmp_path):
    """The compiled queries are kept between openings; a forked child uses its own engine,
    and what it writes reaches the parent's next reading."""
    nbgrader_speedups.install()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with nbgrader.api.Gradebook(url) as first:
        first.add_student("alice")
        engine = first.engine
    with nbgrader.api.Gradebook(url) as second:
        assert second.engine is engine
        assert [s.id for s in second.students] == ["alice"]
    pid = os.fork()
    if pid == 0:  # the child: its own engine, a student added
        code = 1
        try:
            with nbgrader.api.Gradebook(url) as child:
                child.add_student("bob")
                code = 0 if child.engine is not engine else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with nbgrader.api.Gradebook(url) as third:
        assert sorted(s.id for s in third.students) == ["alice", "bob"]


def test_a_gradebook_removed_and_made_again_gets_its_tables(tmp_path):
    nbgrader_speedups.install()
    path = tmp_path / "gradebook.db"
    with nbgrader.api.Gradebook(f"sqlite:///{path}") as gradebook:
        gradebook.add_student("alice")
    path.unlink()
    with nbgrader.api.Gradebook(f"sqlite:///{path}") as gradebook:
        assert gradebook.students == []
        gradebook.add_student("bob")
    assert _schema(f"sqlite:///{path}")["version"] == [nbgrader_speedups.alembic_head()]


def test_each_in_memory_gradebook_is_its_own_database():
    nbgrader_speedups.install()
    with nbgrader.api.Gradebook("sqlite://") as first:
        first.add_student("alice")
        with nbgrader.api.Gradebook("sqlite://") as second:
            assert second.engine is not first.engine
            assert second.students == []
