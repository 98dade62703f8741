"""`autograder report --all --no-feedback` on a synthetic class of 1,000 students × 3 assignments.

The course is the repository's (released with stock nbgrader); the gradebook holds 3,000
graded submissions written in bulk (scores per grade cell, submission times, some late, some
not accepted), every submission has its ``timestamp.txt`` and an autograded notebook whose
question cells carry verdict records (failed checks, matched misconceptions) and about 400 KB
of outputs, as the demo's graded notebooks do. The notebooks are hard links to 24 prototypes
per assignment, so they are read from the page cache: the figure is the report's own work.

The report writes grades CSVs, the course summary and the class report (CSV, PNG, HTML).
Last line: ``report_seconds=<wall seconds of the command>``.
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import nbformat
from nbgrader.api import Comment, Grade, Gradebook, Student, SubmittedAssignment, SubmittedNotebook

from autograder.grading.runner import question_module
from autograder.grading.timestamps import format_timestamp, naive_utc
from autograder.grading.verdict import RECORD_KEY, graded_questions
from autograder.mistakes import named_mistakes
from autograder.workflow import demo, release
from autograder.workflow.course import Course

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = 1000
PROTOTYPES = 24
#: Outputs a graded notebook carries (its plots), as measured on the demo's: 420-480 KB.
OUTPUT_BYTES = 400_000


def prototype(source: Path, release_nb: Path, rng: random.Random,
              ability: float) -> tuple[nbformat.NotebookNode, dict[str, float]]:
    """A graded notebook (verdict records in the question cells, plots' worth of outputs)
    and the share of each grade cell's points it earned."""
    nb = nbformat.read(release_nb, as_version=4)
    questions = graded_questions(nbformat.read(source, as_version=4))
    earned = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        if grade_id not in questions:
            earned[grade_id] = rng.choice([0.0, 0.5, 1.0]) if rng.random() < 0.7 else None
            continue
        question = questions[grade_id]
        tests = sorted(n for n in vars(question_module(question)) if n.startswith("test_"))
        right = rng.random() < 0.3 + 0.65 * ability
        failed = [] if right else rng.sample(tests, rng.randint(1, len(tests)))
        named = named_mistakes(question)
        misconception = rng.choice(named).feedback.name if failed and named and \
            rng.random() < 0.5 else None
        cell.metadata[RECORD_KEY] = {
            "question": question, "passed": len(tests) - len(failed), "total": len(tests),
            "failures": [{"check": t, "message": f"random 30x5 problem: max relative error "
                                                f"{rng.random():.3g} (tolerance 1e-08)"}
                         for t in failed],
            "misconception": misconception}
        earned[grade_id] = 1.0 if not failed else 0.0
    padding = base64.b64encode(rng.randbytes(OUTPUT_BYTES * 3 // 4)).decode()
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    first_code.outputs = [nbformat.v4.new_output("display_data", data={"image/png": padding})]
    return nb, earned


def build(folder: Path) -> Course:
    course = demo.make_course(ROOT, folder)
    release.generate(course)
    rng = random.Random(0)
    students = [f"s{i:04d}" for i in range(STUDENTS)]
    abilities = {s: rng.random() for s in students}
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        gb.db.add_all(Student(id=s, lms_user_id=str(10000 + i)) for i, s in enumerate(students))
        gb.db.commit()
        for assignment in course.assignments():
            _submissions(course, gb, assignment, students, abilities, rng)
    return course


def _submissions(course: Course, gb: Gradebook, assignment: str, students: list[str],
                 abilities: dict[str, float], rng: random.Random) -> None:
    (name,) = course.notebooks(assignment)
    source = course.path("source_directory") / assignment / f"{name}.ipynb"
    release_nb = course.path("release_directory") / assignment / f"{name}.ipynb"
    graded_dir = folder_of(course, "autograded_directory", assignment)
    prototypes = []
    for k in range(PROTOTYPES):
        nb, earned = prototype(source, release_nb, rng, (k + 0.5) / PROTOTYPES)
        path = graded_dir / f".prototype-{k}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        prototypes.append((path, earned))
    master = gb.find_assignment(assignment)
    due = course.due_date(assignment)
    for student in students:
        path, earned = prototypes[min(PROTOTYPES - 1, int(abilities[student] * PROTOTYPES))]
        late = rng.random() < 0.15
        when = due + (timedelta(days=rng.choice([0.5, 1.5, 2.5, 11])) if late
                      else -timedelta(hours=5))
        folder = course.path("submitted_directory") / student / assignment
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(format_timestamp(when) + "\n")
        target = course.path("autograded_directory") / student / assignment
        target.mkdir(parents=True)
        os.link(path, target / f"{name}.ipynb")
        submission = SubmittedAssignment(assignment=master, student_id=student,
                                         timestamp=naive_utc(when))
        for notebook in master.notebooks:
            nb = SubmittedNotebook(notebook=notebook, assignment=submission)
            for cell in notebook.grade_cells:
                share = earned.get(cell.name)
                manual = cell.cell_type == "markdown"
                score = None if share is None else share * cell.max_score
                Grade(cell_id=cell.id, notebook=nb, auto_score=None if manual else score,
                      manual_score=score if manual else None,
                      needs_manual_grade=manual and share is None)
            for cell in notebook.solution_cells:
                Comment(cell_id=cell.id, notebook=nb)
        gb.db.add(submission)
    gb.db.commit()


def folder_of(course: Course, trait: str, assignment: str) -> Path:
    return course.path(trait) / ".prototypes" / assignment


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        course = build(Path(scratch) / "course")
        print(f"built {STUDENTS} students × {len(course.assignments())} assignments in "
              f"{time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "--root", str(course.root),
                        "report", "--all", "--no-feedback"], check=True,
                       stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        out = course.root / "out"
        print("wrote", ", ".join(sorted(p.name for p in out.iterdir())))
        print(f"load average while it ran: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"report_seconds={seconds:.2f}")


if __name__ == "__main__":
    main()
