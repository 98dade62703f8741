"""Headless Chromium for the browser tests (``pytest -m browser`` runs them alone).

Debian's ``chromium`` package, driven by Playwright from pip with ``executable_path``
pointing at it (Playwright's own browser download does not work offline). Where neither
can be had, every browser test is skipped with the reason. On a failing test the page's
screenshot is saved to ``out/test-artifacts/browser/<test>.png``, so a failing run shows
what the browser saw; the ``steps`` fixture adds a screenshot after each named step, and
JupyterLab's server log, both kept only when a test fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from browser.lab import LabServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("AUTOGRADER_TEST_ARTIFACTS", ROOT / "out" / "test-artifacts"))
#: Without the background-networking flags Chromium keeps dialling Google's hosts, which a
#: closed network refuses (slow starts, console noise).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def chromium_executable() -> str | None:
    """``AUTOGRADER_CHROMIUM``, else the first Chromium or Chrome on PATH."""
    explicit = os.environ.get("AUTOGRADER_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set AUTOGRADER_CHROMIUM)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(node: pytest.Item) -> bool:
    report = getattr(node, "report_call", None)
    return report is not None and report.failed


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _artifact(name: str) -> Path:
    """A path under ``out/test-artifacts/browser`` named after a test."""
    ARTIFACTS.joinpath("browser").mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / "browser" / _safe(name)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page; ``page.problems`` collects console errors and uncaught exceptions,
    ``page.failed_responses`` the HTTP responses with an error status."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.problems = []
    page.failed_responses = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(
        f"console error: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and page.failed_responses.append(
        f"HTTP {r.status} {r.request.method} {r.url}"))
    yield page
    if _failed(request.node):
        page.screenshot(path=f"{_artifact(request.node.name)}.png", full_page=True)
    context.close()


class Steps:
    """Named steps of a browser test, each followed by a screenshot of the page.

    Where a step fails, its screenshot is taken at the failure and the step's name is added
    to the error. The screenshots are kept only when the test fails (``steps`` fixture)."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.taken: list[Path] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            error.add_note(f"browser step: {name}")
            with suppress(Exception):  # a page that crashed must not hide the step's error
                self._screenshot(f"{name} (failed)")
            raise
        self._screenshot(name)

    def _screenshot(self, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{_safe(name)}.png"
        self.page.screenshot(path=str(path))
        self.taken.append(path)


@pytest.fixture
def steps(page: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Steps]:
    taken = Steps(page, tmp_path / "steps")
    yield taken
    if _failed(request.node) and taken.taken:
        folder = _artifact(request.node.name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for path in taken.taken:
            shutil.copy(path, folder / path.name)


@pytest.fixture(scope="module")
def start_lab(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LabServer]]:
    """Starts JupyterLab servers for a test module (see ``lab.py``) and stops them, with their
    kernels, after it. A process that outlives its server's shutdown fails the module; a
    server's log is kept where a test of the module failed."""
    servers: list[LabServer] = []
    failed_before = request.session.testsfailed

    def start(root: Path, config_path: Path | None = None) -> LabServer:
        servers.append(LabServer(root, tmp_path_factory.mktemp("jupyter"), config_path))
        return servers[-1]

    yield start
    leftovers = [process for server in servers for process in server.stop()]
    if request.session.testsfailed > failed_before:
        for number, server in enumerate(servers):
            shutil.copy(server.log_path, f"{_artifact(request.node.name)}-server{number}.log")
    if leftovers:
        pytest.fail("processes outlived JupyterLab's shutdown (killed):\n" + "\n".join(leftovers))
