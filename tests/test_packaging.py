"""pyproject.toml and environment.yml name the same dependencies, with sensible bounds."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(r): r.replace(" ", "") for r in requirements}


def _environment() -> dict[str, str]:
    pip_section = (ROOT / "environment.yml").read_text().split("- pip:", 1)[1]
    entries = re.findall(r"^\s+- ([^#\n]+?)\s*$", pip_section, re.M)
    pip = [e for e in entries if not e.startswith("-e")]
    return {_name(r): r.replace(" ", "") for r in pip}


def test_same_dependencies_with_same_bounds():
    assert _pyproject() == _environment()


def test_torch_is_pinned_to_the_local_cpu_wheel():
    assert _pyproject()["torch"] == "torch==2.13.0"


def test_every_dependency_is_bounded():
    for name, requirement in _pyproject().items():
        assert "==" in requirement or ("<" in requirement and ">=" in requirement), name
