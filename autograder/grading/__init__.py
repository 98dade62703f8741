"""Grading core: probe the student's kernel, decode its answers, judge them here.

``probe`` (the only code sent to the kernel), ``answers`` (strict decoding), ``checks``
(student-facing assertions), ``reference`` (the solution notebook's namespace), ``runner``
(hidden pytest modules), ``verdict`` (answers to cell outputs), and the nbgrader pieces
``preprocessors``, ``sanitize`` and ``late``. Imports ``autograder.sandbox``, never
``autograder.workflow``.
"""
