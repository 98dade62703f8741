"""Run hidden pytest modules against decoded answers, in the grading process.

A question is a module ``autograder/hidden/<package>/test_<name>.py``, named in a grade
cell of a solution notebook by a marker line ``# autograder: <package>.<name>``. The
module defines

* ``calls(rng) -> dict[str, Call]``: the inputs sent to the student's kernel (seeded
  random problems and fixed edge cases);
* ``MAIN``: a tuple naming the question's main correctness check(s), tests that no
  non-answer (zeros, the starting point returned unchanged, the stub) can pass. Partial
  credit requires every main check to pass: failing one earns 0 for the question;
* ordinary pytest tests that receive the fixtures ``student`` and ``reference`` (call name
  -> :class:`~autograder.grading.answers.Answer`) and ``inputs`` (call name -> :class:`Call`).
  Every test takes ``student``: a check that does not look at the answer decides nothing.

:func:`run_questions` runs those tests with pytest, in this process, and returns one
:class:`QuestionResult` per question with the student-facing failure messages;
:func:`run_subjects` does the same for several answer sets (the repository's tests grade the
reference and the whole mistake catalogue in one session).
"""

from __future__ import annotations

import functools
import importlib
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder.grading.answers import Answer
from autograder.grading.checks import CheckFailed
from autograder.grading.probe import Call

HIDDEN_DIR = Path(__file__).parents[1] / "hidden"
MARKER = re.compile(r"^# autograder: ([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\s*$", re.MULTILINE)
#: The subject :func:`run_questions` grades (one student's answers).
STUDENT = "student"


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str = ""


@dataclass
class QuestionResult:
    question: str
    checks: list[CheckResult] = field(default_factory=list)
    main: tuple[str, ...] = ()

    @property
    def passed(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def total(self) -> int:
        return len(self.checks)

    @property
    def main_passed(self) -> bool:
        """Every main correctness check ran and passed."""
        outcome = {check.name: check.passed for check in self.checks}
        return bool(self.main) and all(outcome.get(name, False) for name in self.main)

    @property
    def fraction(self) -> float:
        """The share of the points earned: checks passed / total, or 0 if a main check failed."""
        return self.passed / self.total if self.checks and self.main_passed else 0.0

    def failures(self) -> list[str]:
        return [check.message for check in self.checks if not check.passed]

    def verdicts(self) -> tuple[tuple[str, bool], ...]:
        """(check, passed) for every check, in a fixed order (to compare gradings)."""
        return tuple(sorted((check.name, check.passed) for check in self.checks))


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


def question_module(question: str) -> ModuleType:
    package, name = question.split(".")
    return importlib.import_module(f"autograder.hidden.{package}.test_{name}")


def main_checks(question: str) -> tuple[str, ...]:
    """The module's ``MAIN``; a missing or wrong declaration stops grading with a clear error."""
    module = question_module(question)
    main = getattr(module, "MAIN", None)
    tests = {name for name in vars(module) if name.startswith("test_")}
    if not isinstance(main, tuple) or not main or not set(main) <= tests:
        raise TypeError(f"{question}: MAIN must be a non-empty tuple of the module's test "
                        f"names (the main correctness checks), not {main!r}")
    return main


def question_rng(seed: int, question: str) -> np.random.Generator:
    """An RNG for one question, from the submission's seed (stable across processes)."""
    return np.random.default_rng([seed, zlib.crc32(question.encode())])


def make_calls(question: str, seed: int) -> dict[str, Call]:
    """The calls to probe for ``question``: its module's ``calls(rng)``."""
    calls = question_module(question).calls(question_rng(seed, question))
    if not calls or not all(isinstance(c, Call) for c in calls.values()):
        raise TypeError(f"{question}: calls() must return a non-empty dict of Call")
    return calls


class _AnswersPlugin:
    """Feeds answers to the hidden tests and records each test's outcome, per subject.

    Every test is parametrized by ``autograder_subject``: the subjects that answered its
    question (one student when grading; the reference and the catalogue in the tests).
    """

    def __init__(self, subjects: Mapping[str, Mapping[str, Mapping[str, Answer]]],
                 reference: Mapping[str, Mapping[str, Answer]],
                 inputs: Mapping[str, Mapping[str, Call]],
                 references: Mapping[str, Mapping[str, Mapping[str, Answer]]],
                 main_only: frozenset[str]) -> None:
        self.data = {"subjects": subjects, "reference": reference, "inputs": inputs,
                     "references": references}
        self.main_only = main_only
        self.by_path = {_resolved(question_path(q)): q for q in inputs}
        self.results = {s: {q: QuestionResult(q, main=main_checks(q)) for q in answers}
                        for s, answers in subjects.items()}

    def _question(self, node: Any) -> str:
        return self.by_path[_resolved(node.path)]

    def pytest_generate_tests(self, metafunc: Any) -> None:
        question = self._question(metafunc.definition)
        if "student" not in metafunc.fixturenames:
            raise TypeError(f"{question}: {metafunc.function.__name__} does not take `student`")
        main = metafunc.function.__name__ in main_checks(question)
        names = [s for s, answers in self.data["subjects"].items()
                 if question in answers and (main or s not in self.main_only)]
        metafunc.parametrize("autograder_subject", names, ids=names)

    @pytest.fixture
    def autograder_subject(self) -> str:  # always parametrized by pytest_generate_tests
        raise RuntimeError("autograder_subject is not parametrized")

    @pytest.fixture
    def student(self, request: Any, autograder_subject: str) -> Mapping[str, Answer]:
        return self.data["subjects"][autograder_subject][self._question(request.node)]

    @pytest.fixture
    def reference(self, request: Any, autograder_subject: str) -> Mapping[str, Answer]:
        own = self.data["references"].get(autograder_subject)
        return (self.data["reference"] if own is None else own)[self._question(request.node)]

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        """A test no subject takes (every subject graded on main checks only) is dropped, not
        reported as skipped."""
        dropped = [item for item in items
                   if item.callspec.params.get("autograder_subject") not in self.data["subjects"]]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item.callspec.params.get(
                "autograder_subject") in self.data["subjects"]]

    @pytest.fixture
    def inputs(self, request: Any) -> Mapping[str, Call]:
        return self.data["inputs"][self._question(request.node)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        """Record the outcome, and report it without pytest's traceback rendering (which
        reads the test's source: about 20 ms per failed check)."""
        outcome = "passed" if call.excinfo is None else \
            "skipped" if call.excinfo.errisinstance(pytest.skip.Exception) else "failed"
        report = pytest.TestReport(item.nodeid, item.location, {}, outcome,
                                   None if call.excinfo is None else call.excinfo.exconly(),
                                   call.when, duration=call.duration, start=call.start,
                                   stop=call.stop)
        question = self.by_path.get(_resolved(item.path))
        if question is not None and (call.when == "call" or call.excinfo is not None):
            self._record(item, call, question)
        return report

    def _record(self, item: Any, call: Any, question: str) -> None:
        checks = self.results[item.callspec.params["autograder_subject"]][question].checks
        if call.excinfo is None:
            checks.append(CheckResult(item.originalname, True))
        elif call.excinfo.errisinstance(CheckFailed):
            checks.append(CheckResult(item.originalname, False, str(call.excinfo.value)))
        else:
            # A bug in a hidden test or an answer no check anticipated: fail the check
            # without showing the test's source or values.
            checks.append(CheckResult(item.originalname, False, f"{_describe_test(item)}: could "
                                      f"not be checked ({call.excinfo.typename})"))


@functools.lru_cache(maxsize=256)
def _resolved(path: Path) -> str:
    """The resolved path as text (pytest asks for every test's module, many times)."""
    return str(Path(path).resolve())


def _describe_test(item: Any) -> str:
    doc = (getattr(item.function, "__doc__", None) or item.originalname).strip().splitlines()[0]
    return doc.rstrip(".")


def run_subjects(subjects: Mapping[str, Mapping[str, Mapping[str, Answer]]],
                 reference: Mapping[str, Mapping[str, Answer]],
                 inputs: Mapping[str, Mapping[str, Call]], *,
                 references: Mapping[str, Mapping[str, Mapping[str, Answer]]] | None = None,
                 main_only: frozenset[str] = frozenset()
                 ) -> dict[str, dict[str, QuestionResult]]:
    """Grade several answer sets (subject -> question -> call -> Answer) in one pytest session.

    Each subject is graded on the questions it answers, against ``reference`` or, for a
    subject in ``references``, its own (to compare an answer with a catalogued mistake's);
    subjects in ``main_only`` run their questions' main checks only. Returns subject ->
    question -> result.
    """
    plugin = _AnswersPlugin(subjects, reference, inputs, references or {}, main_only)
    questions = {q for answers in subjects.values() for q in answers}
    paths = sorted({str(question_path(q)) for q in questions})
    # Plugins the hidden tests do not need (their fixtures are this plugin's: student,
    # reference, inputs); unraisableexception would run gc.collect() over the grader's
    # whole heap at the end of every session (0.1 s per submission), and registering the
    # others costs 11 ms per session. A hidden test that wanted one fails the control.
    quiet = ["cacheprovider", "terminal", "unraisableexception", "threadexception",
             "faulthandler", "stepwise", "logging", "doctest", "junitxml", "pastebin",
             "legacypath", "tmpdir", "monkeypatch", "recwarn", "setuponly", "setupplan",
             "unittest", "debugging", "python_path", "subtests"]
    # No plugin from the environment's entry points either: they cost 40 ms per session, and
    # one such as pytest-randomly would reorder and reseed the hidden tests.
    args = [*paths, *(arg for name in quiet for arg in ("-p", f"no:{name}")), "--capture=no",
            "--disable-plugin-autoload",
            "--import-mode=importlib", "--rootdir", str(HIDDEN_DIR), "-c", "/dev/null",
            "-W", "ignore"]
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"hidden tests could not run (pytest exit code {code})")
    for subject, results in plugin.results.items():
        for question, result in results.items():
            if not result.checks:
                raise RuntimeError(f"{question}: no hidden test ran for {subject}")
    return plugin.results


def run_questions(student: Mapping[str, Mapping[str, Answer]],
                  reference: Mapping[str, Mapping[str, Answer]],
                  inputs: Mapping[str, Mapping[str, Call]]) -> dict[str, QuestionResult]:
    """Run the hidden tests of every question in ``inputs``; one pytest session in all."""
    return run_subjects({STUDENT: {q: student[q] for q in inputs}}, reference, inputs)[STUDENT]
