"""Everyone the tests grade in process: the reference, the release stub, the catalogue
(mistakes, valid alternatives, non-answers), an all-zeros answer per question and the public
``lib`` functions tried as answers; and a runner for a notebook's visible checks.

A subject is a namespace (the reference's, with one function replaced) and the questions it
is graded on: its own question and every question whose reference calls the replaced
function (select_lambda calls fit_ridge), so that a mistake's effect on later questions is
graded too.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import io
import itertools
import sys
import types
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from conftest import QUESTIONS, release_of

import lib
from autograder.grading.answers import Answer
from autograder.grading.probe import Call
from autograder.grading.reference import (
    names_used,
    rebound,
    reference_namespace,
    reference_source,
    reference_with,
)
from autograder.grading.runner import QuestionResult, make_calls, question_in, run_subjects
from autograder.grading.verdict import is_grade_code_cell, subjects_answers
from autograder.mistakes import Entry, catalogue

SEEDS = tuple(range(20))
ENTRIES = catalogue()


def questions_of(notebook: Path) -> list[str]:
    return [q for nb, q in QUESTIONS if nb == notebook]


def notebook_of(question: str) -> Path:
    return next(nb for nb, q in QUESTIONS if q == question)


def entries_of(notebook: Path, kind: str | None = None) -> list[Entry]:
    own = set(questions_of(notebook))
    return [e for e in ENTRIES if e.question in own and kind in (None, e.kind)]


def entry_id(entry: Entry) -> str:
    return f"{entry.kind}:{entry.question}:{entry.name}"


def called_function(question: str) -> str:
    """The student function a question's calls go to (one per question)."""
    functions = {call.function for call in make_calls(question, 0).values()}
    assert len(functions) == 1, f"{question} calls {functions}"
    return functions.pop()


@functools.cache
def questions_using(notebook: Path, function: str) -> tuple[str, ...]:
    """The questions whose called function is ``function`` or calls it, directly or not."""
    namespace = reference_namespace(notebook)
    own = {name: f for name, f in namespace.items() if isinstance(f, types.FunctionType)
           and f.__module__ == namespace["__name__"]}

    def uses(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name == function:
            return True
        callees = names_used(own[name].__code__) & set(own) - seen if name in own else set()
        return any(uses(callee, seen | {name}) for callee in callees)

    return tuple(q for q in questions_of(notebook) if uses(called_function(q)))


def stub_namespace(notebook: Path) -> dict[str, Any]:
    """The functions exactly as the release hands them to students (stubs that raise)."""
    namespace: dict[str, Any] = {}
    source = reference_source(release_of(notebook))
    assert "NotImplementedError" in source
    exec(compile(source, str(release_of(notebook)), "exec"), namespace)
    return namespace


def _zeros_like(value: Any) -> Any:
    torch = sys.modules.get("torch")
    if isinstance(value, np.ndarray):
        return np.zeros_like(value)
    if torch is not None and isinstance(value, torch.Tensor):
        return torch.zeros_like(value)
    if isinstance(value, tuple | list):
        return type(value)(_zeros_like(item) for item in value)
    if isinstance(value, bool | int | float | np.generic):
        return type(value)(0)
    return value


def zeros_answer(reference: Callable[..., Any]) -> Callable[..., Any]:
    """The reference's result with every number replaced by 0: right shape, no content."""
    return lambda *args: _zeros_like(reference(*args))


def subjects(notebook: Path) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
    """Name -> (namespace, questions) for everyone graded on ``notebook``."""
    everyone = {"reference": (reference_namespace(notebook), tuple(questions_of(notebook))),
                "stub": (stub_namespace(notebook), tuple(questions_of(notebook)))}
    for entry in entries_of(notebook):
        everyone[entry_id(entry)] = (reference_with(notebook, entry.function, entry.implementation),
                                     questions_using(notebook, entry.function))
    for question in questions_of(notebook):
        function = called_function(question)
        zeros = zeros_answer(reference_namespace(notebook)[function])
        everyone[f"zeros:{question}"] = (reference_with(notebook, function, zeros), (question,))
    return everyone


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """PyTorch on one thread: these tensors are tiny, and on a busy 2-core machine two threads
    waiting for each other make the catalogue's torch answers six times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@functools.cache
def calls_of(notebook: Path, seed: int) -> dict[str, dict[str, Call]]:
    return {question: make_calls(question, seed) for question in questions_of(notebook)}


@functools.cache
def answers(notebook: Path, seed: int) -> dict[str, dict[str, dict[str, Answer]]]:
    """subject -> question -> call -> Answer for everyone graded on ``notebook`` (computed once
    per seed: the catalogue's and the misconceptions' tests share them)."""
    with one_torch_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mistakes overflow on purpose
        return subjects_answers(subjects(notebook), calls_of(notebook, seed))


@functools.cache
def grid(notebook: Path) -> dict[int, dict[str, dict[str, QuestionResult]]]:
    """seed -> subject -> question -> result, for every subject of ``notebook`` and every seed."""
    results = {}
    for seed in SEEDS:
        everyone = answers(notebook, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results[seed] = run_subjects(everyone, everyone["reference"], calls_of(notebook, seed))
    return results


# -- visible checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Visible:
    """What the visible cells did: "pass", "caught" (an AssertionError of lib.checks) or
    "crash" (any other exception, e.g. a raw NumPy error), with the message."""

    outcome: str
    message: str = ""


def _code_cells(notebook: Path) -> list[Any]:
    return [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]


def _defining_cell(cells: list[Any], function: str) -> int:
    return next(i for i, c in enumerate(cells) if f"def {function}(" in c.source and
                c.metadata.get("nbgrader", {}).get("solution"))


def _grade_cell(cells: list[Any], question: str) -> int:
    return next(i for i, c in enumerate(cells) if is_grade_code_cell(c) and
                question_in(c.source) == question)


def _run(cells: Iterable[Any], namespace: dict[str, Any], name: str) -> None:
    import matplotlib.pyplot as plt

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in cells:
                exec(compile(cell.source, f"<{name}>", "exec"), namespace)
    finally:
        plt.close("all")


def _copy_values(namespace: dict[str, Any]) -> dict[str, Any]:
    """A rebound copy in which arrays and tensors are copies too (a mistake may write into
    them)."""
    torch = sys.modules.get("torch")
    arrays = (np.ndarray,) if torch is None else (np.ndarray, torch.Tensor)
    copied = rebound(namespace)
    for name, value in copied.items():
        if isinstance(value, arrays):
            copied[name] = copy.deepcopy(value)
    return copied


@functools.cache
def _state_before(notebook: Path, index: int) -> dict[str, Any]:
    """The notebook's namespace, run with the reference, before code cell ``index``."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    _run(_code_cells(notebook)[:index], namespace, notebook.name)
    return namespace


def visible_outcome(notebook: Path, question: str, function: str,
                    implementation: Callable[..., Any]) -> Visible:
    """Run the notebook from ``function``'s cell to ``question``'s visible checks, with
    ``implementation`` in place of the reference's ``function``."""
    cells = _code_cells(notebook)
    start, end = _defining_cell(cells, function), _grade_cell(cells, question)
    namespace = _copy_values(_state_before(notebook, start))
    _run(cells[start:start + 1], namespace, "reference")
    namespace[function] = implementation
    try:
        _run(cells[start + 1:end + 1], namespace, question)
    except AssertionError as exc:
        return Visible("caught", str(exc))
    except Exception as exc:  # a crash is an outcome to report
        return Visible("crash", f"{type(exc).__name__}: {exc}")
    return Visible("pass")


# -- lib functions as answers -----------------------------------------------------------------


def public_lib_functions() -> dict[str, Callable[..., Any]]:
    found = {}
    for module_name in lib.__all__:
        module = getattr(lib, module_name)
        for name, value in vars(module).items():
            if inspect.isfunction(value) and not name.startswith("_") and \
                    value.__module__ == module.__name__:
                found[f"lib.{module_name}.{name}"] = value
    return found


def _required(function: Callable[..., Any]) -> list[str]:
    return [p.name for p in inspect.signature(function).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def lib_candidates(reference: Callable[..., Any],
                   function: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
    """Ways a student could hand in ``function`` as the answer ``reference`` asks for.

    By position; and by name (the answer's parameters whose names ``function`` shares),
    each other required parameter set to 0 or to a size of the reference's result (an M
    the student would know from the question).
    """
    answer_names = list(inspect.signature(reference).parameters)
    shared = [name for name in _required(function) if name in answer_names]
    missing = [name for name in _required(function) if name not in answer_names]
    candidates: dict[str, Callable[..., Any]] = {"positional": function}
    if not shared or len(missing) > 2:
        return candidates
    for choice in itertools.product(range(4), repeat=len(missing)):

        def by_name(*args: Any, _choice: tuple[int, ...] = choice) -> Any:
            given = dict(zip(answer_names, args, strict=False))
            sizes = [0, *np.shape(reference(*args))]
            fill = {name: sizes[i] if i < len(sizes) else 0 for name, i in
                    zip(missing, _choice, strict=True)}
            return function(**{name: given[name] for name in shared}, **fill)

        candidates[f"by name, fill {choice}"] = by_name
    return candidates
