"""The course as the command line sees it: configuration, assignments, gradebook.

Everything is read from the root ``nbgrader_config.py`` through nbgrader's own
``CourseDirectory``, so the command line and stock ``nbgrader`` agree on every path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.grading.late import LatePolicy, parse_due_date

#: The lecture's grading policy: three assignments at 25% each, the final project 25%.
ASSIGNMENT_WEIGHT = 0.25
PROJECT_WEIGHT = 0.25


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

    def sync_due_dates(self) -> None:
        """Write the configured due dates into the gradebook, where nbgrader reads them."""
        due = self.late_policy().due_dates
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            for assignment in self.assignments():
                if assignment in due:
                    gb.update_or_create_assignment(assignment,
                                                   duedate=parse_due_date(due[assignment]))

    def students_submitted(self, assignment: str) -> list[str]:
        folder = self.path("submitted_directory")
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())
