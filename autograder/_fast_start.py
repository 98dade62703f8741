"""Imported first by the command line (``autograder``), before any Jupyter package: what
its start-up need not pay for.

``jsonschema`` (imported by nbformat, hence by every nbgrader step) imports the optional
``rfc3987_syntax``, which builds a parser for IRIs at import time: 0.9 s of CPU in every
``autograder`` command, longer than the rest of nbgrader's imports. Only a format checker
asking for the ``iri`` formats would use it; no schema the grader checks (notebooks,
nbgrader metadata) does, and jsonschema skips those formats without it.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
