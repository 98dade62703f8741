"""A catalogue of answers a student may write, one module per assignment.

Each entry stands in for a student's function and says what its grade must be:

* ``@mistake``: a realistic wrong answer; it must fail at least one hidden check of its
  question, with the same verdicts on every seed;
* ``@alternative``: a correct answer written another way (another solver, another stable
  formula); it must earn full marks on every question that uses it, and pass the visible
  checks;
* ``@non_answer``: something that is not an answer (zeros, the starting point returned
  unchanged); it must earn 0 on its question.

A mistake may carry :class:`Feedback` for students: a short name for what was done, a hint
and the slide of Lecture 1 to read again. A student whose failed answer matches it (see
:mod:`autograder.grading.misconceptions`) is told so. Mistakes whose answers cannot be told
apart from another entry's on the hidden tests' inputs stay unnamed: a test proves that no
entry matches a named mistake it is not.

The repository's tests (``tests/test_catalogue.py``) grade every entry on 20 seeds and
measure the share of mistakes the notebook's visible checks catch. The hidden tests are only
as good as the mistakes they are known to catch and the alternatives they are known to pass.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("mistake", "alternative", "non_answer")

#: The slides of Lecture 1 that feedback points to (several slides share a title: the topic
#: in brackets tells them apart).
SLIDES = {
    "data-format": "“Data Format” (one-hot encoding; training, validation and test sets)",
    "tensors": "“Data Format” (tensors, for computation on GPUs)",
    "optimization": "“Optimization” (the empirical loss R_emp)",
    "generalization": "“Generalization” (doing well on new, unseen data)",
    "simple-linear": "“Linear Regression” (the solution ŵ0, ŵ1 from ∂R_emp = 0)",
    "population-loss": "“Linear Regression” (the loss L(f1, f2) = ∫ p(x)‖f1 − f2‖²)",
    "basis-functions": "“Example of Basis Functions” (polynomials, Gaussians)",
    "basis-models": "“Linear Basis Models” (the design matrix Φ and ‖Φw − y‖²/(2N))",
    "normal-equations": "“Linear Regression” (∇R_emp(ŵ) = 0 ⇔ Φᵀ(Φŵ − y) = 0)",
    "ridge": "“Linear Regression” (ridge regression and its solution)",
    "regularization": "“Regularization and generalization”",
    "gradient-descent": "“Optimization Algorithms” (gradient descent and its step size)",
    "subgradient": "“Optimization Algorithms” (subgradients of ‖·‖₁, proximal methods, ADMM)",
    "logistic": "“Logistic Regression” (μ = 1/(1 + e^(−u)), softmax)",
    "logistic-loss": "“Logistic Regression” (ℓ2 loss and cross-entropy)",
    "newton": "“Optimization” (gradient descent against Newton's method)",
}


@dataclass(frozen=True)
class Feedback:
    """What a student whose failed answer matches a mistake is told.

    ``name`` says what the answer does ("λ in place of 2Nλ"), ``hint`` how to see what the
    lecture asks for, ``slide`` a key of :data:`SLIDES`. Never the reference's code, the
    hidden tests or their inputs.
    """

    name: str
    hint: str
    slide: str

    def __post_init__(self) -> None:
        if self.slide not in SLIDES:
            raise ValueError(f"unknown slide {self.slide!r}; one of {', '.join(SLIDES)}")

    def text(self) -> str:
        return (f"Your answer matches a common mistake: {self.name}. {self.hint} "
                f"See Lecture 1, slide {SLIDES[self.slide]}.")


@dataclass(frozen=True)
class Entry:
    kind: str       # one of KINDS
    question: str   # e.g. "regression.simple_linear"
    function: str   # the student function it replaces
    name: str
    description: str
    implementation: Callable[..., Any]
    feedback: Feedback | None = None  # mistakes only; None: not named to students


_CATALOGUE: list[Entry] = []


def _register(kind: str, question: str, function: str, feedback: Feedback | None = None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(implementation: Callable[..., Any]) -> Callable[..., Any]:
        doc = (implementation.__doc__ or implementation.__name__).strip().splitlines()[0]
        _CATALOGUE.append(Entry(kind, question, function, implementation.__name__, doc,
                                implementation, feedback))
        return implementation

    return register


def mistake(question: str, function: str, feedback: Feedback | None = None
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a wrong ``function`` for ``question``; with
    ``feedback``, a student whose answer matches it is told what it does."""
    return _register("mistake", question, function, feedback)


def alternative(question: str,
                function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a correct ``function`` written another way."""
    return _register("alternative", question, function)


def non_answer(question: str,
               function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a non-answer to ``question`` (it must earn 0)."""
    return _register("non_answer", question, function)


@functools.cache
def _modules() -> frozenset[str]:
    """The catalogue's modules, one per assignment (read once: asked per failed question)."""
    return frozenset(module.name for module in pkgutil.iter_modules(__path__))


def catalogue() -> list[Entry]:
    """Every registered entry, importing the catalogue modules on first use."""
    for module in sorted(_modules()):
        importlib.import_module(f"{__name__}.{module}")
    return list(_CATALOGUE)


def load_for(question: str) -> None:
    """Import the catalogue module of ``question`` ("regression.simple_linear": the module
    ``regression``) only: another assignment's module may import torch (2 s of CPU)."""
    module = question.split(".", 1)[0]
    if module in _modules():
        importlib.import_module(f"{__name__}.{module}")


def all_mistakes() -> list[Entry]:
    """The entries of kind ``mistake``."""
    return [entry for entry in catalogue() if entry.kind == "mistake"]


def named_mistakes(question: str) -> list[Entry]:
    """The mistakes of ``question`` that students may be told about."""
    load_for(question)
    return [e for e in _CATALOGUE if e.kind == "mistake" and e.question == question
            and e.feedback is not None]


def modified_in_place(argument: str, slide: str) -> Feedback:
    """The feedback of every "the caller's argument is overwritten" mistake."""
    return Feedback(f"{argument} modified in place",
                    f"`w = {argument}` does not copy: the in-place update `-=` then overwrites "
                    f"the caller's {argument}. Start from a copy, or write `w = w - ...`.", slide)
