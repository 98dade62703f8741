"""Two of nbgrader's own steps, made cheap without changing what they decide.

Installed on import (``nbgrader_config.py`` and :mod:`autograder.workflow.course` import
this module), so stock ``nbgrader`` commands run with the course's configuration gain them
too:

* **The gradebook's schema version.** Every new gradebook asks nbgrader's
  ``get_alembic_version``, which runs the ``alembic heads`` command in a subprocess: 2.5 s of
  wall time per new gradebook (each batch's control course, each Dask worker's scratch
  course, each test's course). :func:`alembic_head` reads the same head revision from the
  same migration scripts with alembic's API, once per process.
* **Cell metadata.** nbgrader validates each cell's metadata with ``jsonschema.validate``,
  which checks the schema itself against JSON Schema's meta-schema on every call: 65 ms of
  CPU per notebook, twice per submission. :func:`_validate` compiles the schema once, and
  raises the same error (the best match among all).
"""

from __future__ import annotations

import functools
import json
import types
from typing import Any

import jsonschema
import nbgrader.api
import nbgrader.nbgraderformat.common
from jsonschema.exceptions import best_match
from nbgrader.dbutil import ALEMBIC_DIR


@functools.cache
def alembic_head() -> str:
    """The head revision of nbgrader's gradebook migrations (what ``alembic heads`` prints
    first), read in this process."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError(f"nbgrader's migrations in {ALEMBIC_DIR} have no head revision")
    return head


@functools.lru_cache(maxsize=8)
def _validator(schema: str) -> Any:
    parsed = json.loads(schema)
    cls = jsonschema.validators.validator_for(parsed)
    cls.check_schema(parsed)  # what jsonschema.validate does first, every time
    return cls(parsed)


def _validate(instance: Any, schema: dict[str, Any]) -> None:
    """``jsonschema.validate``, with the schema checked once: the same error (the best
    match among all) for an invalid instance."""
    error = best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Point nbgrader at :func:`alembic_head` and, in its metadata validator
    (``nbgrader.nbgraderformat.common``, its only user of ``jsonschema``), at
    :func:`_validate`."""
    nbgrader.api.get_alembic_version = alembic_head
    module = nbgrader.nbgraderformat.common
    if getattr(module.jsonschema, "validate", None) is not _validate:
        module.jsonschema = types.SimpleNamespace(**{**vars(jsonschema), "validate": _validate})


install()
