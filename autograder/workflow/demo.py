"""The main job on a demo class: release, submissions, parallel grading, reports.

``python -m autograder demo`` builds a throw-away course in ``out/demo/course`` (a copy of
this repository's configuration, solutions and lib, with nbgrader's SQLite gradebook),
releases every assignment with stock nbgrader, writes a demo class of submissions per
assignment, grades them in parallel and writes the reports into ``out/demo``.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat

from autograder.grading.timestamps import format_timestamp
from autograder.workflow import grade, release, report
from autograder.workflow.control import answer_sources, filled
from autograder.workflow.course import Course

DUE = datetime(2026, 10, 9, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
COPIED = ("nbgrader_config.py", "solutions", "lib")
NOISE = ("\nimport sys, warnings\nprint('debugging...', file=sys.stderr)\n"
         "warnings.warn('a harmless warning')\n")


def submissions(source: Path, release_nb: Path) -> dict[str, tuple[object, timedelta | None]]:
    """The demo class: student -> (notebook or raw text, time after the due date)."""
    answers = answer_sources(source)
    half = len(answers) // 2
    early = timedelta(hours=-5)
    return {
        "reference": (filled(release_nb, answers), early),
        "blank": (nbformat.read(release_nb, as_version=4), early),
        "partly_right": (filled(release_nb, answers, lambda i, code: code if i < half
                                else "raise NotImplementedError()"), early),
        "late_2_5_days": (filled(release_nb, answers), timedelta(days=2.5)),
        "late_11_days": (filled(release_nb, answers), timedelta(days=11)),
        "invalid_json": ('{"cells": [ this is not JSON', early),
        "infinite_loop": (filled(release_nb, answers, lambda i, code: code if i
                                 else "while True:\n    pass\n" + code), early),
        "stderr_noise": (filled(release_nb, answers, lambda i, code: code + NOISE), early),
        "no_timestamp": (filled(release_nb, answers), None),
    }


def write_class(course: Course, assignment: str) -> None:
    for notebook in course.notebooks(assignment):
        source = course.path("source_directory") / assignment / f"{notebook}.ipynb"
        release_nb = course.path("release_directory") / assignment / f"{notebook}.ipynb"
        for student, (content, offset) in submissions(source, release_nb).items():
            folder = course.path("submitted_directory") / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{notebook}.ipynb"
            if isinstance(content, str):
                target.write_text(content)
            else:
                nbformat.write(content, target)
            if offset is not None:
                (folder / "timestamp.txt").write_text(format_timestamp(DUE + offset))


def make_course(repo: Path, folder: Path) -> Course:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in COPIED:
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, folder / name)
    due = {a.name: DUE.isoformat() for a in (repo / "solutions").iterdir() if a.is_dir()}
    return Course.load(folder, LatePolicy={"due_dates": due},
                       HiddenTestsExecute={"timeout": 15})


def prepare(repo: Path, out: Path) -> Course:
    """The demo course in ``out/course``, released, and the student bundle in ``out``."""
    course = make_course(repo, out / "course")
    release.generate(course)
    release.bundle(course, out / "student-bundle.zip")
    return course


def run(repo: Path, out: Path, jobs: int | None = None) -> dict[str, list[report.Row]]:
    course = prepare(repo, out)
    for assignment in course.assignments():
        write_class(course, assignment)
        outcomes = grade.grade(course, assignment, jobs=jobs, submission_timeout=300)
        grade.save_outcomes(outcomes, course.outcomes_path(assignment))
    return report.report(course, course.assignments(), out)
