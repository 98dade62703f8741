"""Regenerate the student release with stock nbgrader and pack the student bundle."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from autograder.workflow.course import Course

#: Files written for students (README, their own pyproject.toml and environment.yml, ...):
#: copied to the bundle's root as they lie here (package data of a non-editable install).
STUDENT_FILES = Path(__file__).parent / "student_bundle"
REQUIRED_STUDENT_FILES = ("README.md", "pyproject.toml", "environment.yml")
#: Folders of the course root in the bundle: the helper package the notebooks import.
COURSE_FOLDERS = ("lib",)
SKIPPED = ("__pycache__", ".ipynb_checkpoints")


def generate(course: Course, assignments: list[str] | None = None) -> None:
    """``nbgrader generate_assignment --force`` for each assignment, then the due dates."""
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    for assignment in assignments or course.assignments():
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"generate_assignment {assignment} failed:\n{result.get('error')}")
    course.sync_due_dates()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part in SKIPPED for part in p.parts))


def bundle_contents(course: Course) -> dict[str, Path]:
    """Name in the bundle -> file: the release, lib and the student files; ValueError
    naming whatever is missing (a bundle is complete or not written at all)."""
    missing = [name for name in REQUIRED_STUDENT_FILES if not (STUDENT_FILES / name).is_file()]
    contents = {str(p.relative_to(STUDENT_FILES)): p for p in _files(STUDENT_FILES)}
    release = course.path("release_directory")
    for assignment in course.assignments():
        for notebook in course.notebooks(assignment):
            if not (release / assignment / f"{notebook}.ipynb").is_file():
                missing.append(f"{release.name}/{assignment}/{notebook}.ipynb (run "
                               "`autograder release` first)")
    contents.update({f"assignments/{p.relative_to(release)}": p for p in _files(release)})
    for name in COURSE_FOLDERS:
        files = _files(course.root / name)
        missing += [] if files else [f"{name}/ in {course.root}"]
        contents.update({str(p.relative_to(course.root)): p for p in files})
    if missing:
        raise ValueError("the student bundle would be incomplete; missing: " + ", ".join(missing))
    return contents


def bundle(course: Course, path: Path) -> Path:
    """A zip for students: release, lib, their own environment; no solutions, no
    autograder. Written to a temporary file first: a failure leaves no partial zip."""
    contents = bundle_contents(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, file in sorted(contents.items()):
                archive.write(file, name)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path
