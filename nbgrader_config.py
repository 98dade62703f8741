"""nbgrader configuration for the course; stock ``nbgrader`` commands read it from the root.

    nbgrader generate_assignment 01-regression --force   # solutions/ -> assignments/
    nbgrader autograde 01-regression                     # submitted/ -> gradebook.db
    nbgrader export                                      # gradebook -> grades.csv
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from autograder.preprocessors import HiddenTestsExecute

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "intro-deep-learning"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# Notebooks are committed without outputs; the release carries none either.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograde: nbgrader's own pipeline, with Execute replaced by HiddenTestsExecute, which
# runs the kernel in a sandbox and decides every hidden-test verdict outside it (see
# docs/architecture.md). The verdict replaces the grade cell's outputs, so stderr noise
# and warnings in a correct submission never cost points.
c.Autograde.autograde_preprocessors = [
    HiddenTestsExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.HiddenTestsExecute.timeout = 120          # seconds per cell (and per probe)
c.HiddenTestsExecute.interrupt_on_timeout = True
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = [("nbgrader",)]
c.IgnorePattern.pattern = r".*(UserWarning|RuntimeWarning|DeprecationWarning|FutureWarning).*"
