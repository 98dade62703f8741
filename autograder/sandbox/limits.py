"""Run a student's kernel with as few privileges as the platform allows.

The kernel is started through ``python -m autograder.sandbox.limits POLICY -- KERNEL_ARGV``,
which applies resource limits and a scrubbed environment, starts a new session (its own
process group), and, where bubblewrap works (Linux with user namespaces), execs the kernel
inside it with

* the course root hidden behind an empty tmpfs, only ``lib/`` and the virtual environment
  mounted back read-only: no ``solutions/``, no ``autograder/`` (hidden tests, reference
  loader), no gradebook, no other submissions, no output folders;
* a private writable copy of the notebook's folder mounted at the folder's own path, so
  the kernel sees its data files but writes nothing the grader keeps;
* no network (the kernel talks to the grader over Unix sockets in a private folder), its
  own PID namespace, all capabilities dropped and, when the grader is root, uid ``nobody``.

Where bubblewrap is missing the limits and the environment still apply and a warning is
logged; ``docs/security.md`` lists what holds on which platform.
"""

from __future__ import annotations

import functools
import glob
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

#: Environment variables passed to the kernel; everything else is dropped.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
            "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "PYDEVD_DISABLE_FILE_VALIDATION",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass
class Policy:
    """What the kernel may see and use."""

    cwd: str
    hide: list[str] = field(default_factory=list)      # replaced by empty tmpfs
    expose: list[str] = field(default_factory=list)    # mounted back read-only
    writable: list[str] = field(default_factory=list)  # mounted read-write (sockets, workdir)
    workdir_copy: str | None = None                    # mounted at cwd, read-write
    memory_bytes: int = 8 * 1024**3
    cpu_seconds: int = 900
    file_bytes: int = 256 * 1024**2
    open_files: int = 1024
    processes: int = 512                               # RLIMIT_NPROC, enforced for uid only
    uid: int | None = None                             # run as this uid (grader is root)
    cgroups: list[str] = field(default_factory=list)   # cgroup folders to join
    use_bwrap: bool = True


@functools.lru_cache(maxsize=4)
def bwrap_works(uid: int | None = None) -> bool:
    """Whether bubblewrap can create our namespaces here (as ``uid``, when given)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    as_user = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    try:
        probe = subprocess.run([bwrap, *_namespace_args(uid is None), "--ro-bind", "/", "/",
                                "true"], capture_output=True, timeout=20, **as_user)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _namespace_args(as_root: bool) -> list[str]:
    # No --new-session: the kernel has no controlling terminal to abuse, and the
    # interrupt goes by message, not by a signal to the session.
    args = ["--unshare-all", "--unshare-user", "--die-with-parent", "--cap-drop", "ALL"]
    if as_root:
        args += ["--uid", "65534", "--gid", "65534"]
    return args


def bwrap_argv(policy: Policy, argv: list[str]) -> list[str]:
    """The bubblewrap command line that runs ``argv`` under ``policy``."""
    args = ["bwrap", *_namespace_args(os.geteuid() == 0), "--ro-bind", "/", "/", "--dev", "/dev",
            "--proc", "/proc", "--tmpfs", "/tmp"]
    for device in sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/*")):
        args += ["--dev-bind", device, device]  # GPUs stay usable in the sandbox
    for path in policy.hide:
        if os.path.exists(path):
            args += ["--tmpfs", path] if os.path.isdir(path) else ["--ro-bind", "/dev/null", path]
    for path in policy.expose:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in policy.writable:
        args += ["--bind", path, path]
    if policy.workdir_copy:
        args += ["--bind", policy.workdir_copy, policy.cwd]
    args += ["--chdir", policy.cwd, "--", *argv]
    return args


def apply_limits(policy: Policy) -> None:
    """Resource limits for this process and everything it starts."""
    limits = {
        resource.RLIMIT_AS: policy.memory_bytes,
        resource.RLIMIT_CPU: policy.cpu_seconds,
        resource.RLIMIT_FSIZE: policy.file_bytes,
        resource.RLIMIT_NOFILE: policy.open_files,
        resource.RLIMIT_CORE: 0,
    }
    if policy.uid is not None:  # counted per user: only meaningful for a dedicated uid
        limits[resource.RLIMIT_NPROC] = policy.processes
    if not policy.memory_bytes:  # GPU drivers reserve huge address spaces: no RLIMIT_AS
        del limits[resource.RLIMIT_AS]
    for kind, value in limits.items():
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))


def _die_with_parent() -> None:
    """Ask Linux to kill the kernel when the grading process dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG, kept across exec


def main(argv: list[str]) -> None:
    """``python -m autograder.sandbox.limits POLICY_JSON -- KERNEL_ARGV...``: exec the kernel."""
    policy = Policy(**json.loads(argv[0]))
    kernel = argv[argv.index("--") + 1:]
    if os.getsid(0) != os.getpid():  # jupyter_client may have made a session already
        os.setsid()
    for group in policy.cgroups:  # while still root: join the kernel's cgroups
        with open(os.path.join(group, "cgroup.procs"), "w") as handle:
            handle.write(str(os.getpid()))
    apply_limits(policy)
    if policy.uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(policy.uid)
        os.setuid(policy.uid)
    _die_with_parent()  # after setuid, which clears it
    # In its own PID namespace the kernel's parent is PID 1, which ipykernel's parent
    # poller takes for a dead parent; bwrap --die-with-parent does that job instead.
    os.environ.pop("JPY_PARENT_PID", None)
    # The kernel's own stdout (connection banners) is not the notebook's output.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    if policy.use_bwrap:
        kernel = bwrap_argv(policy, kernel)
    os.execvp(kernel[0], kernel)


if __name__ == "__main__":
    main(sys.argv[1:])
