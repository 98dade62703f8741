"""Shared fixtures: the repository's solution notebooks and their graded questions."""

from __future__ import annotations

import re
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


#: What differs between any two runs of the same notebook, warm or cold: a cell that reads
#: a clock prints other times and plots other curves; message ids, addresses and dates.
CLOCK = re.compile(r"perf_counter|time\.time|monotonic|time_it|timer\(|%%?time")
TIME = re.compile(r"\d\s*(ms|s|µs|seconds)\b")
NUMBER = re.compile(r"\d+(\.\d+)?(e[-+]?\d+)?")
VOLATILE = re.compile(r"[0-9a-f]{8,}(-[0-9a-f]+)*(_\d+)*|0x[0-9a-f]+|datetime\.datetime\([^)]*\)")


def graded_notebooks(course, assignment: str) -> dict[str, list]:
    """Each student's autograded notebooks as the TA and the student see them (cells:
    type, source, outputs), less what differs between any two runs (see ``CLOCK``) and the
    course's own folder (``{course}``)."""
    found = {}
    for folder in sorted(course.path("autograded_directory").glob(f"*/{assignment}")):
        found[folder.parent.name] = [
            [(cell.cell_type, cell.source.replace(str(course.root), "{course}"),
              [text.replace(str(course.root), "{course}") for text in _outputs(cell)],
              cell.get("execution_count"))
             for cell in nbformat.read(path, as_version=4).cells]
            for path in sorted(folder.glob("*.ipynb"))]
    return found


def first_difference(a: list, b: list) -> str:
    """Where two students' notebooks from :func:`graded_notebooks` first differ, for a
    failure message: notebook and cell index, and both versions of that cell."""
    for n, (left, right) in enumerate(zip(a, b, strict=False)):
        for i, (x, y) in enumerate(zip(left, right, strict=False)):
            if x != y:
                return f"notebook {n}, cell {i}:\n{str(x)[:1500]}\n---\n{str(y)[:1500]}"
        if len(left) != len(right):
            return f"notebook {n}: {len(left)} cells against {len(right)}"
    return f"{len(a)} notebooks against {len(b)}"


def _outputs(cell) -> list[str]:
    """The outputs as text: streams joined (how a kernel's writes are cut into messages
    depends on timing), times masked, and a timed cell's images by their count only."""
    timed = bool(CLOCK.search(cell.source))
    texts: list[str] = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and texts and texts[-1].startswith(output.name):
            texts[-1] += output.text
            continue
        if output.output_type == "stream":
            texts.append(f"{output.name}:{output.text}")
            continue
        data = {key: ("<image>" if timed and key.startswith("image/") else value)
                for key, value in output.get("data", {}).items()}
        texts.append(repr((output.output_type, data, output.get("ename"),
                           output.get("evalue"), output.get("traceback"))))
    return [VOLATILE.sub("#", "\n".join(_untimed(line) for line in text.split("\n")))
            for text in texts]


def _untimed(line: str) -> str:
    """A line that shows a time with its numbers masked (and their padding)."""
    return " ".join(NUMBER.sub("#", line).split()) if TIME.search(line) else line
