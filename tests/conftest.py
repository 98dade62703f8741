"""Shared fixtures: the repository's solution notebooks and their graded questions."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.grading.verdict import graded_questions

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))


def questions_of(notebook: Path) -> list[str]:
    return sorted(set(graded_questions(nbformat.read(notebook, as_version=4)).values()))


QUESTIONS = [(nb, q) for nb in SOLUTIONS for q in questions_of(nb)]


def release_of(source: Path) -> Path:
    return ROOT / "assignments" / source.parent.name / source.name


def make_course(tmp: Path) -> Path:
    """A throw-away copy of the course (config, solutions, release, lib) to grade in."""
    for name in ("nbgrader_config.py", "solutions", "assignments", "lib"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, tmp / name)
    return tmp


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
