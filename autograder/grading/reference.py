"""The reference solution, read from the solution notebook (its one source of truth).

There is no hand-kept copy of any reference function. The grading process builds a
namespace by executing, in order, the solution notebook's code cells tagged ``setup``
(imports) and its autograded-answer cells (nbgrader ``solution`` cells), with the
``### BEGIN/END SOLUTION`` marker lines dropped. The namespace is cached per notebook
file and modification time, so a TA who edits a solution never grades against a stale one.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def is_reference_cell(cell: Any) -> bool:
    """A code cell that belongs to the reference: tagged ``setup`` or an answer cell."""
    if cell.cell_type != "code":
        return False
    nbgrader = cell.metadata.get("nbgrader", {})
    return "setup" in cell.metadata.get("tags", []) or (
        nbgrader.get("solution", False) and not nbgrader.get("grade", False))


def reference_source(notebook: Path) -> str:
    """The Python source of the reference solution in ``notebook``."""
    nb = nbformat.read(notebook, as_version=4)
    blocks = []
    for cell in nb.cells:
        if is_reference_cell(cell):
            lines = [line for line in cell.source.splitlines()
                     if line.strip() not in SOLUTION_MARKERS]
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


@functools.lru_cache(maxsize=16)
def _namespace(path: str, mtime_ns: int) -> dict[str, Any]:
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict[str, Any] = {"__name__": f"reference:{Path(path).stem}"}
    with contextlib.redirect_stdout(io.StringIO()):  # setup cells may print (the device)
        exec(compile(reference_source(Path(path)), f"<reference {path}>", "exec"), namespace)
    return namespace


def reference_namespace(notebook: Path) -> dict[str, Any]:
    """A fresh copy of the reference namespace of ``notebook`` (safe to modify)."""
    path = Path(notebook).resolve()
    return dict(_namespace(str(path), path.stat().st_mtime_ns))


def rebound(namespace: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``namespace`` whose own functions look up globals in the copy.

    reference_namespace() copies the dict but its functions keep the cached original as their
    globals: replacing fit_ridge in the copy would not reach the select_lambda that calls it.
    """
    copied = dict(namespace)
    for name, value in namespace.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is not copied and \
                value.__module__ == namespace.get("__name__"):
            function = types.FunctionType(value.__code__, copied, value.__name__,
                                          value.__defaults__, value.__closure__)
            function.__kwdefaults__ = value.__kwdefaults__
            copied[name] = function
    return copied


def names_used(code: types.CodeType) -> set[str]:
    """The global names ``code`` and the functions defined inside it refer to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= names_used(const)
    return names


def reference_with(notebook: Path, function: str,
                   implementation: Callable[..., Any]) -> dict[str, Any]:
    """The reference namespace with ``function`` replaced, for every function that calls it."""
    namespace = rebound(reference_namespace(notebook))
    namespace[function] = implementation
    return namespace
