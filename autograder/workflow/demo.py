"""The main job on a demo class: release, submissions, parallel grading, reports.

``python -m autograder demo`` builds a throw-away course in ``out/demo/course`` (a copy of
this repository's configuration, solutions and lib, with nbgrader's SQLite gradebook),
releases every assignment with stock nbgrader, writes a demo class of submissions per
assignment, grades them in parallel and writes the reports into ``out/demo``: grades, the
class report and the grades for Canvas and Moodle.

The class: nine special cases (:func:`submissions`: the reference, a blank notebook, late,
broken and noisy ones) and :data:`GENERATED` students whose answers are drawn, question by
question, from the reference, the catalogue's mistakes, valid alternatives and non-answers
(:func:`generated_class`), more often right the abler the student.
"""

from __future__ import annotations

import csv
import inspect
import random
import re
import shutil
import sys
import types
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nbformat

from autograder.grading.reference import names_used
from autograder.grading.timestamps import format_timestamp
from autograder.mistakes import Entry, catalogue
from autograder.workflow import grade, lms, release, report
from autograder.workflow.control import answer_sources, filled
from autograder.workflow.course import Course

DUE = datetime(2026, 10, 9, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
COPIED = ("nbgrader_config.py", "solutions", "lib")
NOISE = ("\nimport sys, warnings\nprint('debugging...', file=sys.stderr)\n"
         "warnings.warn('a harmless warning')\n")
#: Generated students per assignment, besides the special cases.
GENERATED = 31
#: The special student the demo roster leaves without an LMS id (an error row in the exports).
NO_LMS_ID = "no_timestamp"


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


def entry_source(entry: Entry) -> str:
    """A catalogue entry as a student's answer cell: the module helpers it uses, then the
    entry itself under the name the notebook asks for."""
    module = sys.modules[entry.implementation.__module__]
    parts = [_undecorated(inspect.getsource(f)) for f in _helpers(entry.implementation, module)]
    own = _undecorated(inspect.getsource(entry.implementation))
    parts.append(own.replace(f"def {entry.name}(", f"def {entry.function}(", 1))
    return "\n\n".join(parts)


def _undecorated(source: str) -> str:
    return source[source.index("def "):] if source.startswith("@") else source


def _helpers(function: Callable[..., Any], module: types.ModuleType) -> list[Callable[..., Any]]:
    """The module's functions that ``function`` calls or takes as defaults, dependencies first."""
    found: list[Callable[..., Any]] = []

    def visit(f: Callable[..., Any]) -> None:
        used = [module.__dict__.get(name) for name in names_used(f.__code__)]
        used += [*(f.__defaults__ or ()), *(f.__kwdefaults__ or {}).values()]
        for g in used:
            if inspect.isfunction(g) and g.__module__ == module.__name__ and g is not function \
                    and g.__name__ != "<lambda>" and g not in found:
                visit(g)
                found.append(g)

    visit(function)
    return found


def with_entry(source: Path, release_nb: Path, entry: Entry) -> nbformat.NotebookNode:
    """The reference's answers with ``entry`` in place of its function."""
    return filled(release_nb, answer_sources(source), lambda _, code: entry_source(entry)
                  if _defined(code) == entry.function else code)


def _defined(code: str) -> str | None:
    function = re.search(r"^def (\w+)\(", code, re.MULTILINE)
    return function[1] if function else None


def generated_class(source: Path, release_nb: Path, count: int = GENERATED,
                    seed: int = 0) -> dict[str, tuple[nbformat.NotebookNode, timedelta]]:
    """``count`` students, the same in every assignment: each has an ability (drawn once)
    that decides how often an answer is the reference's; the others are drawn from the
    question's catalogue. About one in six hands in one to three days late."""
    answers = answer_sources(source)
    entries: dict[str, list[Entry]] = {}
    for entry in catalogue():
        entries.setdefault(entry.function, []).append(entry)
    students = {}
    for i in range(1, count + 1):
        ability = random.Random(seed * 1000 + i).random()
        rng = random.Random(zlib.crc32(f"{seed}/{i}/{source.parent.name}".encode()))

        def answer(_: int, code: str, rng: random.Random = rng, ability: float = ability) -> str:
            return _drawn(code, entries.get(_defined(code) or "", []), ability, rng)

        late = rng.random() < 1 / 6
        offset = timedelta(days=rng.uniform(0.2, 3.0)) if late else timedelta(hours=-5)
        students[f"student{i:02d}"] = (filled(release_nb, answers, answer), offset)
    return students


def _drawn(reference: str, entries: list[Entry], ability: float, rng: random.Random) -> str:
    """One answer: the reference (often, for an able student), else a catalogue entry."""
    if not entries or rng.random() < 0.3 + 0.65 * ability:
        return reference
    kind = rng.choices(["mistake", "alternative", "non_answer"], [0.8, 0.1, 0.1])[0]
    choices = [e for e in entries if e.kind == kind] or \
        [e for e in entries if e.kind == "mistake"]
    return entry_source(rng.choice(choices))


def write_roster(students: list[str], path: Path) -> Path:
    """A roster in nbgrader's import format with made-up LMS ids (Canvas user ids are
    numbers); :data:`NO_LMS_ID` has none, to show the exports' error rows."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email", "lms_user_id"])
        for number, student in enumerate(sorted(students), start=1):
            lms_id = "" if student == NO_LMS_ID else str(40000 + number)
            writer.writerow([student, "Demo", student.replace("_", " ").title(),
                             f"{student}@example.edu", lms_id])
    return path


def write_class(course: Course, assignment: str, generated: int = GENERATED) -> None:
    """The special cases and ``generated`` students drawn from the catalogue, handed in."""
    for notebook in course.notebooks(assignment):
        source = course.path("source_directory") / assignment / f"{notebook}.ipynb"
        release_nb = course.path("release_directory") / assignment / f"{notebook}.ipynb"
        everyone = {**submissions(source, release_nb),
                    **generated_class(source, release_nb, generated)}
        for student, (content, offset) in everyone.items():
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


def run(repo: Path, out: Path, jobs: int | None = None
        ) -> tuple[dict[str, list[report.Row]], list[lms.Export]]:
    """The demo class graded and reported into ``out``; the grade table and the exports."""
    course = prepare(repo, out)
    for assignment in course.assignments():
        write_class(course, assignment)
        outcomes = grade.grade(course, assignment, jobs=jobs, submission_timeout=300)
        grade.save_outcomes(outcomes, course.outcomes_path(assignment))
    rows = report.report(course, course.assignments(), out)
    students = sorted({row.student for table in rows.values() for row in table})
    roster = write_roster(students, course.root / "students.csv")
    return rows, [lms.export_course(course, name, out, roster) for name in lms.FORMATS]
