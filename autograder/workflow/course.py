"""The course as the command line sees it: configuration, assignments, gradebook.

Everything is read from the root ``nbgrader_config.py`` through nbgrader's own
``CourseDirectory``, so the command line and stock ``nbgrader`` agree on every path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.grading import nbgrader_speedups  # noqa: F401 (installs on import)
from autograder.grading.late import LatePolicy, parse_due_date

#: The lecture's grading policy: three assignments at 25% each, the final project 25%.
ASSIGNMENT_WEIGHT = 0.25
PROJECT_WEIGHT = 0.25
#: A student id is a folder name everywhere (submitted/, autograded/, feedback/): no path
#: separators, no leading dot (".", ".."), nothing a terminal would interpret.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
#: Largest notebook collected or graded: a submission is code and a few plots.
MAX_NOTEBOOK_BYTES = 64 * 1024**2


def is_student_id(text: str) -> bool:
    return STUDENT_ID.fullmatch(text) is not None


def printable(text: str, limit: int = 80) -> str:
    """``text`` safe to print on a terminal: control and format characters (escape
    sequences, carriage returns, bidirectional overrides) shown as escapes, long text cut."""
    shown = "".join(ascii(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
                    else c for c in text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


@dataclass
class Course:
    root: Path
    config: Config

    @classmethod
    def load(cls, root: Path | str = ".", **overrides: dict) -> Course:
        """Read ``root/nbgrader_config.py``; ``overrides`` are extra config sections."""
        root = Path(root).resolve()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        for section, values in overrides.items():
            for key, value in values.items():
                config[section][key] = value
        return cls(root, config)

    @property
    def coursedir(self) -> CourseDirectory:
        return CourseDirectory(config=self.config)

    def path(self, name: str) -> Path:
        """A course folder by its CourseDirectory trait name, e.g. ``"submitted_directory"``."""
        return self.root / getattr(self.coursedir, name)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def assignments(self) -> list[str]:
        """Assignment ids: the folders of the source directory, in order."""
        return sorted(p.name for p in self.path("source_directory").iterdir() if p.is_dir())

    def notebooks(self, assignment: str) -> list[str]:
        return sorted(p.stem for p in (self.path("source_directory") / assignment).glob("*.ipynb"))

    def late_policy(self) -> LatePolicy:
        return LatePolicy(config=self.config)

    def due_date(self, assignment: str) -> datetime | None:
        """The configured due date of ``assignment`` (aware, UTC), if it has one."""
        text = self.late_policy().due_dates.get(assignment)
        return parse_due_date(text).replace(tzinfo=UTC) if text else None

    def outcomes_path(self, assignment: str) -> Path:
        """Where ``grade`` records how each submission's grading ended (course state)."""
        return self.root / "out" / "grading" / f"{assignment}.json"

    def sync_due_dates(self) -> None:
        """Write the configured due dates into the gradebook, where nbgrader reads them."""
        due = self.late_policy().due_dates
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            for assignment in self.assignments():
                if assignment in due:
                    gb.update_or_create_assignment(assignment,
                                                   duedate=parse_due_date(due[assignment]))

    def students_submitted(self, assignment: str) -> list[str]:
        """Folder names in submitted/ with this assignment (as nbgrader's ``*`` glob sees
        them: hidden folders are not students); whether each is a safe id is checked later."""
        folder = self.path("submitted_directory")
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if not p.name.startswith(".") and (p / assignment).is_dir())
