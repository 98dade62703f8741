"""Run hidden pytest modules against decoded answers, in the grading process.

A question is a module ``autograder/hidden/<package>/test_<name>.py``, named in a grade
cell of a solution notebook by a marker line ``# autograder: <package>.<name>``. The
module defines

* ``calls(rng) -> dict[str, Call]``: the inputs sent to the student's kernel (seeded
  random problems and fixed edge cases), and
* ordinary pytest tests that receive the fixtures ``student`` and ``reference`` (call name
  -> :class:`~autograder.grading.answers.Answer`) and ``inputs`` (call name -> :class:`Call`).

:func:`run_questions` runs those tests with pytest, in this process, and returns one
:class:`QuestionResult` per question with the student-facing failure messages.
"""

from __future__ import annotations

import importlib
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.grading.answers import Answer
from autograder.grading.checks import CheckFailed
from autograder.grading.probe import Call

HIDDEN_DIR = Path(__file__).parents[1] / "hidden"
MARKER = re.compile(r"^# autograder: ([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\s*$", re.MULTILINE)


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str = ""


@dataclass
class QuestionResult:
    question: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.checks else 0.0

    def failures(self) -> list[str]:
        return [check.message for check in self.checks if not check.passed]


def question_in(source: str) -> str | None:
    """The question id named by a grade cell's marker line, if any (``package.name``)."""
    found = MARKER.findall(source)
    if len(found) != 1:
        return None
    package, name = found[0]
    return f"{package}.{name}" if question_path(f"{package}.{name}").is_file() else None


def question_path(question: str) -> Path:
    package, name = question.split(".")
    return HIDDEN_DIR / package / f"test_{name}.py"


def question_rng(seed: int, question: str) -> np.random.Generator:
    """An RNG for one question, from the submission's seed (stable across processes)."""
    return np.random.default_rng([seed, zlib.crc32(question.encode())])


def make_calls(question: str, seed: int) -> dict[str, Call]:
    """The calls to probe for ``question``: its module's ``calls(rng)``."""
    package, name = question.split(".")
    module = importlib.import_module(f"autograder.hidden.{package}.test_{name}")
    calls = module.calls(question_rng(seed, question))
    if not calls or not all(isinstance(c, Call) for c in calls.values()):
        raise TypeError(f"{question}: calls() must return a non-empty dict of Call")
    return calls


class _AnswersPlugin:
    """Feeds answers to the hidden tests and records each test's outcome."""

    def __init__(self, student: Mapping[str, Mapping[str, Answer]],
                 reference: Mapping[str, Mapping[str, Answer]],
                 inputs: Mapping[str, Mapping[str, Call]]) -> None:
        self.data = {"student": student, "reference": reference, "inputs": inputs}
        self.by_path = {str(question_path(q).resolve()): q for q in inputs}
        self.results: dict[str, QuestionResult] = {q: QuestionResult(q) for q in inputs}

    def _question(self, request: Any) -> str:
        return self.by_path[str(Path(request.node.path).resolve())]

    @pytest.fixture
    def student(self, request: Any) -> Mapping[str, Answer]:
        return self.data["student"][self._question(request)]

    @pytest.fixture
    def reference(self, request: Any) -> Mapping[str, Answer]:
        return self.data["reference"][self._question(request)]

    @pytest.fixture
    def inputs(self, request: Any) -> Mapping[str, Call]:
        return self.data["inputs"][self._question(request)]

    def pytest_runtest_makereport(self, item: Any, call: Any) -> None:
        if call.when != "call" and call.excinfo is None:
            return
        question = self.by_path.get(str(Path(item.path).resolve()))
        if question is None:
            return
        if call.excinfo is None:
            self.results[question].checks.append(CheckResult(item.name, True))
        elif call.excinfo.errisinstance(CheckFailed):
            self.results[question].checks.append(
                CheckResult(item.name, False, str(call.excinfo.value)))
        else:
            # A bug in a hidden test or an answer no check anticipated: fail the check
            # without showing the test's source or values.
            self.results[question].checks.append(CheckResult(
                item.name, False, f"{_describe_test(item)}: could not be checked "
                f"({call.excinfo.typename})"))


def _describe_test(item: Any) -> str:
    doc = (getattr(item.function, "__doc__", None) or item.name).strip().splitlines()[0]
    return doc.rstrip(".")


def run_questions(student: Mapping[str, Mapping[str, Answer]],
                  reference: Mapping[str, Mapping[str, Answer]],
                  inputs: Mapping[str, Mapping[str, Call]]) -> dict[str, QuestionResult]:
    """Run the hidden tests of every question in ``inputs``; one pytest session in all."""
    plugin = _AnswersPlugin(student, reference, inputs)
    paths = sorted({str(question_path(q)) for q in inputs})
    # Plugins the hidden tests do not need; unraisableexception would run gc.collect()
    # over the grader's whole heap at the end of every session (0.1 s per submission).
    quiet = ["cacheprovider", "terminal", "unraisableexception", "threadexception",
             "faulthandler", "stepwise", "logging"]
    args = [*paths, *(arg for name in quiet for arg in ("-p", f"no:{name}")), "--capture=no",
            "--import-mode=importlib", "--rootdir", str(HIDDEN_DIR), "-c", "/dev/null",
            "-W", "ignore"]
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"hidden tests could not run (pytest exit code {code})")
    for question, result in plugin.results.items():
        if not result.checks:
            raise RuntimeError(f"{question}: no hidden test ran")
    return plugin.results
