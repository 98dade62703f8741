"""The course's autograder: hidden tests, grading glue for nbgrader, sandbox, TA commands."""

import os
import sys

# nbgrader's gradebook runs the `alembic` command of the environment it is installed in;
# when .venv/bin/python or .venv/bin/autograder is called without activating the venv,
# that command is not on PATH. Put this interpreter's scripts folder there.
_scripts = os.path.dirname(sys.executable)
if _scripts not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _scripts + os.pathsep + os.environ.get("PATH", "")
