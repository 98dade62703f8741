"""Two of nbgrader's own steps, made cheap without changing what they decide.

Installed on import (``nbgrader_config.py`` and :mod:`autograder.workflow.course` import
this module), so stock ``nbgrader`` commands run with the course's configuration gain them
too:

* **The gradebook's schema version.** Every new gradebook asks nbgrader's
  ``get_alembic_version``, which runs the ``alembic heads`` command in a subprocess: 2.5 s of
  wall time per new gradebook (each batch's control course, each Dask worker's scratch
  course, each test's course). :func:`alembic_head` reads the same head revision from the
  same migration scripts with alembic's API, once per process.
* **Opening a gradebook.** nbgrader opens its gradebook about eleven times per graded
  submission (each step opens its own), and each ``Gradebook(...)`` makes a new SQLAlchemy
  engine: every query is compiled again (the compiled-statement cache lives in the engine)
  and ``create_all`` asks for each of its 13 tables. :func:`_open_gradebook` reuses one engine
  per database in a process (never across a fork; in-memory databases are not shared) and
  calls ``create_all`` only when a table is missing. ``close()`` still disposes the engine's
  connections, as before.
* **Cell metadata.** nbgrader validates each cell's metadata with ``jsonschema.validate``,
  which checks the schema itself against JSON Schema's meta-schema on every call: 65 ms of
  CPU per notebook, twice per submission. :func:`_validate` compiles the schema once, and
  raises the same error (the best match among all).
"""

from __future__ import annotations

import collections
import functools
import json
import os
import threading
import types
from typing import Any

import jsonschema
import nbgrader
import nbgrader.api
import nbgrader.nbgraderformat.common
import sqlalchemy
from jsonschema.exceptions import best_match
from nbgrader.dbutil import ALEMBIC_DIR
from sqlalchemy.orm import scoped_session, sessionmaker

#: Engines kept per process: a batch uses one or two gradebooks; tests make many.
MAX_ENGINES = 8
_engines: collections.OrderedDict[str, sqlalchemy.Engine] = collections.OrderedDict()
_engines_lock = threading.Lock()
#: A forked child's inherited engines: kept referenced, never used (closing their
#: connections from here, even by garbage collection, would touch the parent's).
_inherited: list[sqlalchemy.Engine] = []
_STOCK_GRADEBOOK_INIT = nbgrader.api.Gradebook.__init__


def _after_fork_in_child() -> None:
    global _engines_lock
    _engines_lock = threading.Lock()  # a thread of the parent may have held it at the fork
    _inherited.extend(_engines.values())
    _engines.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


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


def _in_memory(db_url: str) -> bool:
    url = sqlalchemy.engine.make_url(db_url)
    return (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")) \
        or "mode=memory" in db_url


def shared_engine(db_url: str) -> sqlalchemy.Engine:
    """This process's engine for ``db_url`` (a new one after a fork, which sets the
    parent's aside, and for each in-memory SQLite database, which lives and dies with its
    engine)."""
    if _in_memory(db_url):
        return sqlalchemy.create_engine(db_url, echo=False, future=True)
    with _engines_lock:
        engine = _engines.get(db_url)
        if engine is None:
            engine = _engines[db_url] = sqlalchemy.create_engine(db_url, echo=False, future=True)
            while len(_engines) > MAX_ENGINES:
                _engines.popitem(last=False)[1].dispose()
        _engines.move_to_end(db_url)
        return engine


def _open_gradebook(self: nbgrader.api.Gradebook, db_url: str,
                    course_id: str = "default_course", authenticator: Any = None) -> None:
    """``Gradebook.__init__`` of nbgrader 0.9, on this process's engine for the database,
    with ``create_all`` only where a table is missing (it would create nothing otherwise)."""
    self.engine = shared_engine(db_url)
    self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
    tables = set(sqlalchemy.inspect(self.engine).get_table_names())
    if not tables.issuperset(nbgrader.api.Base.metadata.tables):
        nbgrader.api.Base.metadata.create_all(bind=self.engine)
    if not tables:  # a new database: nbgrader records its schema's version, as stock does
        version = nbgrader.api.get_alembic_version()
        self.db.execute(sqlalchemy.text(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"))
        self.db.execute(sqlalchemy.text("INSERT INTO alembic_version (version_num) "
                                        "VALUES (:version)"), {"version": version})
        self.db.commit()
    self.check_course(course_id=course_id)
    self.course_id = course_id
    self.authenticator = authenticator


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
    """Point nbgrader at :func:`alembic_head`, its gradebook at :func:`_open_gradebook`
    (on nbgrader 0.9, whose ``__init__`` it follows; another version keeps its own) and, in
    its metadata validator (``nbgrader.nbgraderformat.common``, its only user of
    ``jsonschema``), at :func:`_validate`."""
    nbgrader.api.get_alembic_version = alembic_head
    if nbgrader.__version__.startswith("0.9.") \
            and nbgrader.api.Gradebook.__init__ is _STOCK_GRADEBOOK_INIT:
        nbgrader.api.Gradebook.__init__ = _open_gradebook
    module = nbgrader.nbgraderformat.common
    if getattr(module.jsonschema, "validate", None) is not _validate:
        module.jsonschema = types.SimpleNamespace(**{**vars(jsonschema), "validate": _validate})


install()
