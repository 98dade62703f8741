"""The demo class: a catalogue entry handed in as a student's notebook (its source, the module
helpers it calls, under the name the notebook asks for) is graded exactly as the entry itself;
the generated students are the same in every assignment and draw from the whole catalogue."""

from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
import pytest
from conftest import SOLUTIONS, release_of
from subjects import entries_of, entry_id, one_torch_thread, questions_using

from autograder.grading.reference import reference_source, reference_with
from autograder.grading.verdict import grade_namespaces
from autograder.workflow import demo


def _handed_in(notebook: nbformat.NotebookNode, path: Path) -> dict:
    """The namespace a kernel would build from the handed-in notebook's code."""
    nbformat.write(notebook, path)
    namespace: dict = {"__name__": "student"}
    exec(compile(reference_source(path), "<handed in>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("source", SOLUTIONS, ids=lambda p: p.parent.name)
def test_an_entry_handed_in_is_graded_as_the_entry(source: Path, tmp_path: Path):
    subjects = {}
    for entry in entries_of(source):
        questions = questions_using(source, entry.function)
        notebook = demo.with_entry(source, release_of(source), entry)
        subjects[f"handed in {entry_id(entry)}"] = (_handed_in(notebook, tmp_path / "s.ipynb"),
                                                    questions)
        subjects[entry_id(entry)] = (reference_with(source, entry.function,
                                                    entry.implementation), questions)
    with one_torch_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mistakes overflow on purpose
        results = grade_namespaces(subjects, source, seed=3)
    differ = [name for name in subjects if not name.startswith("handed in ") and
              {q: r.verdicts() for q, r in results[name].items()} !=
              {q: r.verdicts() for q, r in results[f"handed in {name}"].items()}]
    assert differ == []


def test_the_generated_class_draws_from_the_catalogue():
    source = next(s for s in SOLUTIONS if s.parent.name == "02-regularization")
    first = demo.generated_class(source, release_of(source), count=demo.GENERATED)
    again = demo.generated_class(source, release_of(source), count=demo.GENERATED)
    assert list(first) == [f"student{i:02d}" for i in range(1, demo.GENERATED + 1)]
    assert first == again  # seeded: the same class on every run
    handed_in = "\n".join(cell.source for nb, _ in first.values() for cell in nb.cells)
    drawn = {e.name for e in entries_of(source) if demo.entry_source(e) in handed_in}
    assert len(drawn) >= 10
    late = [offset for _, offset in first.values() if offset.total_seconds() > 0]
    assert 0 < len(late) < demo.GENERATED / 2
