"""What a student or a TA does in JupyterLab, done through its visible UI with Playwright.

JupyterLab's UI is asynchronous: every helper waits on a selector or a state (an output
appearing, the kernel going idle, no cell left queued), never on a fixed delay.
"""

from __future__ import annotations

import re
from typing import Any

from browser.lab import LabServer

#: Milliseconds for anything a kernel computes (imports of torch included) on 2 busy cores.
KERNEL_TIMEOUT = 180_000
#: Milliseconds for the UI itself to react.
UI_TIMEOUT = 60_000

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
#: A line that ends a traceback as IPython prints it: "NotImplementedError: ...".
EXCEPTION_LINE = re.compile(r"^\w*(Error|Exception)\b", re.MULTILINE)
#: The nbgrader parts meant for instructors, or for nbgrader's exchange, as a user sees them.
INSTRUCTOR_COMMANDS = ("Formgrader", "Create assignment", "Assignment List", "Course List")


def open_notebook(page: Any, server: LabServer, path: str, cells: int) -> Any:
    """Opens ``path`` in JupyterLab and waits until its ``cells`` cells are all shown and its
    kernel is idle; returns the cells."""
    page.set_default_timeout(UI_TIMEOUT)
    page.goto(server.page_url(f"lab/tree/{path}?reset"))  # none of the earlier tabs
    selector = f"{NOTEBOOK} .jp-Notebook .jp-Cell"
    page.wait_for_function("([selector, count]) => document.querySelectorAll(selector).length"
                           " === count", arg=[selector, cells])
    wait_until_idle(page)
    return page.locator(selector)


def open_lab(page: Any, server: LabServer, path: str = "lab") -> None:
    """Opens JupyterLab with a fresh workspace, or Notebook 7's file page (``path="tree"``),
    and waits until it is restored: the Launcher, or the file list, is shown (before that,
    focus moves around)."""
    page.set_default_timeout(UI_TIMEOUT)
    page.goto(server.page_url(f"{path}?reset" if path == "lab" else path))
    page.locator(".jp-Launcher" if path == "lab" else ".jp-DirListing-item").first.wait_for()


def choose(page: Any, menu: str, *items: str) -> None:
    """Clicks a menu of the main menu bar, then its items, e.g. ``("Run", "Run All Cells")``."""
    page.get_by_role("menuitem", name=menu, exact=True).click()
    for item in items:  # an item's accessible name includes its shortcut: match its label
        page.locator(".lm-Menu .lm-Menu-itemLabel", has_text=exact(item)).click()


def exact(text: str) -> re.Pattern[str]:
    return re.compile(f"^{re.escape(text)}$")


def wait_until_idle(page: Any) -> None:
    """The notebook's kernel is idle and no cell is queued or running (``[*]``)."""
    page.locator(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=KERNEL_TIMEOUT)
    page.wait_for_function(
        """selector => ![...document.querySelectorAll(selector)]
                         .some(prompt => prompt.textContent.includes('*'))""",
        arg=f"{NOTEBOOK} .jp-InputPrompt", timeout=KERNEL_TIMEOUT)


def wait_for_output(page: Any, cell: Any, text: str) -> None:
    """Waits until ``cell`` shows ``text`` in its outputs and its kernel is idle again."""
    cell.locator(".jp-OutputArea").filter(has_text=text).wait_for(timeout=KERNEL_TIMEOUT)
    wait_until_idle(page)


def prompt(cell: Any) -> str:
    """The execution prompt: ``[ ]:`` never run, ``[3]:`` run third."""
    return (cell.locator(".jp-InputPrompt").text_content() or "").strip()


def outputs(cell: Any) -> str:
    area = cell.locator(".jp-OutputArea")
    return (area.first.text_content() or "") if area.count() else ""


def raised(cell: Any) -> bool:
    """Whether the cell shows a traceback (an exception line in an stderr-style output)."""
    errors = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    return any(EXCEPTION_LINE.search(text) for text in errors.all_text_contents())


def type_into(page: Any, cell: Any, text: str) -> None:
    """Replaces the cell's source with ``text``, as pasted: no auto-indent, no auto-brackets."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def instructor_tools(page: Any) -> list[str]:
    """The nbgrader menus and commands for instructors or for its exchange that the page
    shows: the Nbgrader menu, the Create Assignment side bar, command palette entries."""
    found = []
    if page.get_by_role("menuitem", name="Nbgrader", exact=True).count():
        found.append("Nbgrader menu")
    if page.locator(".lm-TabBar-tab").filter(has_text="Create Assignment").count():
        found.append("Create Assignment side bar")
    return found + [f"command palette: {label}" for label in palette_commands(page)
                    if label in INSTRUCTOR_COMMANDS]


def palette_commands(page: Any) -> list[str]:
    """Every command the command palette shows (JupyterLab; not Notebook 7's file page)."""
    choose(page, "View", "Activate Command Palette")
    labels = page.locator(".lm-CommandPalette .lm-CommandPalette-itemLabel:visible")
    labels.first.wait_for()  # the palette renders its whole list at once, when shown
    found = labels.all_text_contents()
    page.keyboard.press("Escape")
    return found
