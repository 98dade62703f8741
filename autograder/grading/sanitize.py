"""A sanitize step for nbgrader's autograde: forget nbgrader metadata it cannot trust.

nbgrader's ``DeduplicateIds`` empties the metadata of a duplicated grade cell, and its
``CheckCellMetadata`` then rejects the empty metadata, failing the whole submission: a
student who copied a tests cell lost every point. A graded cell the gradebook does not
know (a student-made "bonus" cell) fails the submission in the same way. This step, placed
after ``DeduplicateIds``, turns both into ordinary cells, so that the notebook is graded on
the cells the instructor released, once each.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool


class ForgetUnknownCells(NbGraderPreprocessor):
    """Drop empty nbgrader metadata and metadata naming cells the gradebook does not know."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            known = {cell.name for cell in notebook.source_cells}
        for cell in nb.cells:
            meta = cell.get("metadata", {})
            if "nbgrader" not in meta:
                continue
            grade_id = meta["nbgrader"].get("grade_id")
            if not meta["nbgrader"] or grade_id not in known:
                if meta["nbgrader"]:
                    self.log.warning("Ignoring nbgrader metadata of unknown cell %r", grade_id)
                del meta["nbgrader"]
        return nb, resources
