"""The grading run: what names the kernels' cgroups and private folders, so that a run
cleans up its own leftovers and never another grader's.

Several graders may share a machine (two TAs, two courses). Every cgroup and private
folder a kernel gets is named ``autograder-kernel-<run>-<random>``, where ``<run>`` is
``<pid of the process that started the run>-<random>``. Forked workers inherit it with the
process's memory; it is never passed on through the environment, since two graders started
by one process (a script, a test) would then share a run and sweep each other's kernels.
"""

from __future__ import annotations

import os
import re
import secrets

PREFIX = "autograder-kernel-"
RUN = f"{os.getpid()}-{secrets.token_hex(4)}"
_NAME = re.compile(rf"^{PREFIX}(\d+)-([0-9a-f]{{8}})-")


def prefix(run: str = RUN) -> str:
    """The name prefix of every cgroup and private folder of ``run``."""
    return f"{PREFIX}{run}-"


def is_stale(name: str) -> bool:
    """Whether ``name`` belongs to a run whose starting process has exited."""
    found = _NAME.match(name)
    if found is None or f"{found[1]}-{found[2]}" == RUN:
        return False
    try:
        os.kill(int(found[1]), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


def matches(name: str, run: str = RUN) -> bool:
    return name.startswith(prefix(run))
