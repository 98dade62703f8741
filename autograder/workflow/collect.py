"""Bring submissions into ``submitted/<student>/<assignment>/`` with their time stamp.

Sources: a folder of notebooks (``<student>.ipynb`` or ``<student>/<notebook>.ipynb``) or
an LMS zip download, whose file names are matched by a regular expression with the named
groups ``student`` and, optionally, ``timestamp`` (nbgrader's ``FileNameCollectorPlugin``
does the matching, as in ``nbgrader zip_collect``). Without a time stamp in the name, the
file's modification time is used.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin

from autograder.workflow.course import Course

DEFAULT_PATTERN = r"(?P<student>[^/_]+)(?:_(?P<timestamp>[0-9T:\-. ]+))?(?:_[^/]*)?\.ipynb$"


def _candidates(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" not in path.parts:
            yield path


def collect(course: Course, source: Path, assignment: str,
            pattern: str | None = None) -> list[tuple[str, str]]:
    """Copy each student's notebook in; returns (student, what happened) pairs."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = source
        if source.suffix == ".zip":
            folder = Path(scratch)
            with zipfile.ZipFile(source) as archive:
                archive.extractall(folder)
        collector = FileNameCollectorPlugin(named_regexp=pattern or DEFAULT_PATTERN)
        notebooks = course.notebooks(assignment)
        results = []
        for path in _candidates(folder):
            relative = str(path.relative_to(folder))
            student_from_dir = path.parent.name if path.parent != folder else None
            info = collector.collect(relative if student_from_dir is None else path.name)
            student = student_from_dir or (info or {}).get("student")
            if not student:
                results.append((relative, "skipped: file name does not match the pattern"))
                continue
            target_dir = course.path("submitted_directory") / student / assignment
            target_dir.mkdir(parents=True, exist_ok=True)
            name = path.name if path.stem in notebooks or len(notebooks) != 1 else \
                f"{notebooks[0]}.ipynb"
            shutil.copy2(path, target_dir / name)
            stamp = (info or {}).get("timestamp") or datetime.fromtimestamp(
                path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            (target_dir / "timestamp.txt").write_text(str(stamp))
            results.append((student, f"{name} submitted at {stamp}"))
    return results
