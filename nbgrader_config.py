"""nbgrader configuration for the course; stock ``nbgrader`` commands read it from the root.

    nbgrader generate_assignment 01-regression --force   # solutions/ -> assignments/
    nbgrader autograde 01-regression                     # submitted/ -> gradebook.db
    nbgrader export                                      # gradebook -> grades.csv
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

import autograder.grading.nbgrader_speedups  # noqa: F401 (nbgrader's steps, made cheap)
from autograder.grading.active_content import RemoveActiveContent
from autograder.grading.late import LatePolicy, StrictLatePenalties
from autograder.grading.preprocessors import HiddenTestsExecute
from autograder.grading.sanitize import ForgetUnknownCells, RefuseLinks

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

# Sanitize: nbgrader's own steps, plus one that refuses a submission holding symbolic links
# (nbgrader would follow them) and one that turns duplicated or unknown graded cells into
# ordinary cells instead of failing the submission (autograder/grading/sanitize.py).
c.Autograde.sanitize_preprocessors = [
    RefuseLinks,
    ClearOutput,
    DeduplicateIds,
    ForgetUnknownCells,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]

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
    StrictLatePenalties,  # nbgrader's AssignLatePenalties on strictly read submission times
    CheckCellMetadata,
    RemoveActiveContent,
]
c.HiddenTestsExecute.timeout = 120          # seconds per cell (and per probe)
c.HiddenTestsExecute.interrupt_on_timeout = True
# Probes run in the notebook's own kernel once its last cell has run, when none of its
# outputs is kept any more: no hidden-test input can reach the graded notebook or the
# feedback. A second kernel runs the cells again only where the first one died.
c.HiddenTestsExecute.separate_probe_kernel = False

# What a kernel's outputs may cost (docs/security.md). Enforced by the grader as messages
# arrive: larger outputs are cut, with a note the TA and the student read.
c.HiddenTestsExecute.max_output_bytes = 2 * 1024**2           # one output (text, image)
c.HiddenTestsExecute.max_cell_output_bytes = 4 * 1024**2      # all outputs of a cell
c.HiddenTestsExecute.max_notebook_output_bytes = 16 * 1024**2  # all outputs of a notebook
c.BoundedKernelClient.max_message_bytes = 8 * 1024**2  # a larger message part is refused
c.BoundedKernelClient.queued_messages = 16             # per socket, before the kernel waits
# What a kernel may use: its private /tmp (its working folder, all it may write) and memory.
c.SandboxedKernelManager.disk_bytes = 512 * 1024**2
c.SandboxedKernelManager.group_memory_bytes = 6 * 1024**3
# Kernels forked warm from one factory per batch (`autograder grade`), in the same sandbox;
# False: every kernel starts cold. Where the platform cannot have them, kernels start cold.
c.SandboxedKernelManager.warm = True
c.ClearMetadataPreprocessor.enabled = True
# "autograder": the verdict record HiddenTestsExecute writes into each question cell (failed
# checks, misconception named), read back by the class report (autograder/workflow/analytics.py).
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = [("nbgrader",), ("autograder",)]
c.IgnorePattern.pattern = r".*(UserWarning|RuntimeWarning|DeprecationWarning|FutureWarning).*"

# Late policy of Lecture 1: 10% of the earned score per started day late, not accepted after
# 10 days (autograder/grading/late.py). Due dates live here, with a time zone; `autograder release`
# and `autograder grade` copy them into the gradebook, where nbgrader reads them.
c.AssignLatePenalties.plugin_class = LatePolicy
c.LatePolicy.due_dates = {
    "01-regression": "2026-10-09 23:59 +08:00",
    "02-regularization": "2026-10-30 23:59 +08:00",
    "03-logistic-gpu": "2026-11-20 23:59 +08:00",
}
c.LatePolicy.grace_seconds = 0

# Grading on a Dask cluster (`autograder grade --scheduler`, docs/cluster.md): Assignment 3's
# submissions go to workers started with a GPU resource where the cluster has any.
c.ClusterGrading.gpu_assignments = ["03-logistic-gpu"]

# Feedback shows answers, outputs and the hidden tests' messages, never their source, and
# nothing that runs in the student's browser (autograder/grading/active_content.py).
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests,
                                    ClearMarkScheme, RemoveActiveContent]
