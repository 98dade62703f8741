"""A catalogue of realistic wrong answers, one module per assignment.

Each entry stands in for a student's function. The repository's tests
(``tests/test_mistakes.py``) run every entry through its question's hidden tests and
require that it fails at least one of them: the hidden tests are only as good as the
mistakes they are known to catch.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mistake:
    question: str   # e.g. "regression.simple_linear"
    function: str   # the student function it replaces
    name: str
    description: str
    implementation: Callable[..., Any]


_CATALOGUE: list[Mistake] = []


def mistake(question: str, function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a wrong ``function`` for ``question``."""

    def register(implementation: Callable[..., Any]) -> Callable[..., Any]:
        doc = (implementation.__doc__ or implementation.__name__).strip().splitlines()[0]
        _CATALOGUE.append(Mistake(question, function, implementation.__name__, doc,
                                  implementation))
        return implementation

    return register


def all_mistakes() -> list[Mistake]:
    """Every registered mistake, importing the catalogue modules on first use."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return list(_CATALOGUE)
