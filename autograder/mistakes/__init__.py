"""A catalogue of answers a student may write, one module per assignment.

Each entry stands in for a student's function and says what its grade must be:

* ``@mistake``: a realistic wrong answer; it must fail at least one hidden check of its
  question, with the same verdicts on every seed;
* ``@alternative``: a correct answer written another way (another solver, another stable
  formula); it must earn full marks on every question that uses it, and pass the visible
  checks;
* ``@non_answer``: something that is not an answer (zeros, the starting point returned
  unchanged); it must earn 0 on its question.

The repository's tests (``tests/test_catalogue.py``) grade every entry on 20 seeds and
measure the share of mistakes the notebook's visible checks catch. The hidden tests are only
as good as the mistakes they are known to catch and the alternatives they are known to pass.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("mistake", "alternative", "non_answer")


@dataclass(frozen=True)
class Entry:
    kind: str       # one of KINDS
    question: str   # e.g. "regression.simple_linear"
    function: str   # the student function it replaces
    name: str
    description: str
    implementation: Callable[..., Any]


_CATALOGUE: list[Entry] = []


def _register(kind: str, question: str,
              function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(implementation: Callable[..., Any]) -> Callable[..., Any]:
        doc = (implementation.__doc__ or implementation.__name__).strip().splitlines()[0]
        _CATALOGUE.append(Entry(kind, question, function, implementation.__name__, doc,
                                implementation))
        return implementation

    return register


def mistake(question: str, function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a wrong ``function`` for ``question``."""
    return _register("mistake", question, function)


def alternative(question: str,
                function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a correct ``function`` written another way."""
    return _register("alternative", question, function)


def non_answer(question: str,
               function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a non-answer to ``question`` (it must earn 0)."""
    return _register("non_answer", question, function)


def catalogue() -> list[Entry]:
    """Every registered entry, importing the catalogue modules on first use."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return list(_CATALOGUE)


def all_mistakes() -> list[Entry]:
    """The entries of kind ``mistake``."""
    return [entry for entry in catalogue() if entry.kind == "mistake"]
