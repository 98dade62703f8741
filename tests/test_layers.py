"""autograder/ is layered by job: workflow → grading → sandbox, never the other way.

A lower layer that imports a higher one drags the TA workflow (gradebook, reports) into the
sandbox launcher or the grading core; this test reads every module's imports (top level and
inside functions) and fails on any upward one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "autograder"
#: What each layer may import of ``autograder`` (besides itself).
ALLOWED = {
    "sandbox": set(),
    "grading": {"sandbox", "hidden", "mistakes"},
    "hidden": {"grading"},
    "mistakes": {"mistakes"},
    "workflow": {"grading", "sandbox", "hidden", "mistakes"},
}


def _layer(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def _imported_layers(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "autograder" and len(parts) > 1 and parts[1] in ALLOWED:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p) in ALLOWED)


def test_every_layer_has_modules():
    assert {_layer(p) for p in MODULES} == set(ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down(path):
    layer = _layer(path)
    upward = _imported_layers(path) - ALLOWED[layer] - {layer}
    assert not upward, f"{path.relative_to(ROOT)} ({layer}) imports {sorted(upward)}"
