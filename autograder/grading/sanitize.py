"""Sanitize steps for nbgrader's autograde: refuse links, forget metadata it cannot trust.

nbgrader copies a submission's files into ``autograded/`` following symbolic links, and
reads a linked notebook through its link: a link to ``solutions/`` (or to any file the
grader can read) would be graded, or read by the student's code, as the student's own.
:class:`RefuseLinks`, the first sanitize step, fails a submission whose folder holds a
link or anything else that is not a plain file or folder, with a message naming them,
before any of its code runs (nbgrader then removes what it copied).

nbgrader's ``DeduplicateIds`` empties the metadata of a duplicated grade cell, and its
``CheckCellMetadata`` then rejects the empty metadata, failing the whole submission: a
student who copied a tests cell lost every point. A graded cell the gradebook does not
know (a student-made "bonus" cell) fails the submission in the same way. This step, placed
after ``DeduplicateIds``, turns both into ordinary cells, so that the notebook is graded on
the cells the instructor released, once each.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from nbformat import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool


class SubmissionFilesError(RuntimeError):
    """A submission holds files that the grader must not read."""


def unsafe_entries(folder: str) -> list[str]:
    """What in ``folder`` (itself included) is a link or not a plain file or folder."""
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        return [f"{folder} (the submission folder itself is not a plain folder)"]
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = os.path.join(top, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                found.append(f"{os.path.relpath(path, folder)} -> {os.readlink(path)}")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(f"{os.path.relpath(path, folder)} (not a plain file)")
    return sorted(found)


class RefuseLinks(NbGraderPreprocessor):
    """Fail the submission if its folder holds links or special files (never follow them)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(coursedir.submitted_directory, info["student"],
                                       info["assignment"])
        found = [f"{folder} -> {os.readlink(folder)}"] if os.path.islink(folder) else \
            unsafe_entries(folder)
        if found:
            raise SubmissionFilesError(
                "the submission holds symbolic links or special files, which the grader never "
                f"follows: {'; '.join(found)[:500]}. Not graded: replace them with the files "
                "themselves and collect again")
        return nb, resources


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
