"""Regenerate the student release with stock nbgrader and pack the student bundle."""

from __future__ import annotations

import zipfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder.workflow.course import Course

#: What students get: the release, the helper package and what installs it.
BUNDLE_CONTENT = ("assignments", "lib", "environment.yml", "pyproject.toml")
#: Files written for students (README, ...): copied to the bundle's root as they lie here.
STUDENT_FILES = Path(__file__).parent / "student_bundle"


def generate(course: Course, assignments: list[str] | None = None) -> None:
    """``nbgrader generate_assignment --force`` for each assignment, then the due dates."""
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    for assignment in assignments or course.assignments():
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"generate_assignment {assignment} failed:\n{result.get('error')}")
    course.sync_due_dates()


def bundle(course: Course, path: Path) -> Path:
    """A zip for students: release, lib, environment; no solutions, no autograder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(STUDENT_FILES.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(STUDENT_FILES))
        for name in BUNDLE_CONTENT:
            source = course.root / name
            files = [source] if source.is_file() else sorted(source.rglob("*"))
            for file in files:
                if file.is_file() and "__pycache__" not in file.parts and \
                        ".ipynb_checkpoints" not in file.parts:
                    archive.write(file, file.relative_to(course.root))
    return path
