"""TA and instructor workflow: the course (``course``), ``collect``, parallel ``grade``,
``report``, ``release`` and ``demo``. Builds on ``autograder.grading`` and
``autograder.sandbox``; nothing below imports it.
"""
