"""Run a student's kernel with as few privileges as the platform allows.

The kernel is started through ``python -m autograder.sandbox.limits POLICY -- KERNEL_ARGV``,
which applies resource limits and a scrubbed environment, starts a new session (its own
process group), joins the kernel's cgroups, lays out the kernel's filesystem
(:mod:`autograder.sandbox.mounts`: the course root hidden, a size-limited private ``/tmp``
holding the working folder, the Python installation reachable) and execs the kernel

* inside bubblewrap where it works (Linux with user namespaces): the mounts above in their
  own mount namespace, no network, its own PID namespace, all capabilities dropped;
* without bubblewrap, when the grader is root: the same mounts, made here in a private
  mount namespace, but no network or PID namespace;
* otherwise (an unprivileged grader without bubblewrap) in a private copy of the notebook's
  folder on the grader's disk, with a logged warning.

When the grader is root the kernel always runs as an unprivileged uid of its own (never
the host's root, whatever the Python installation's permissions); ``docs/security.md``
lists what holds on which platform.
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
from collections.abc import Mapping
from dataclasses import dataclass, field

from autograder.sandbox import mounts

log = logging.getLogger(__name__)

#: Environment variables passed to the kernel; everything else is dropped.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
            "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "PYDEVD_DISABLE_FILE_VALIDATION",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def kernel_environment(source: Mapping[str, str], matplotlib_backend: str) -> dict[str, str]:
    """A kernel's environment: the kept variables of ``source``, its own folders for
    matplotlib and IPython, and (``AUTOGRADER_THREADS``, set by a parallel batch) no more
    BLAS/OpenMP threads than its share of the cores."""
    env = {key: source[key] for key in KEPT_ENV if key in source}
    env.update(MPLBACKEND=matplotlib_backend, MPLCONFIGDIR="/tmp/matplotlib",
               IPYTHONDIR="/tmp/ipython", PYTHONDONTWRITEBYTECODE="1")
    threads = source.get("AUTOGRADER_THREADS")
    if threads:
        env.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
    return env


@dataclass
class Policy:
    """What the kernel may see and use."""

    cwd: str                                           # the notebook's folder (copied)
    hide: list[str] = field(default_factory=list)      # replaced by empty tmpfs
    expose: list[str] = field(default_factory=list)    # mounted back read-only
    reachable: list[str] = field(default_factory=list)  # the Python installation
    writable: list[str] = field(default_factory=list)  # mounted read-write (sockets)
    workdir_copy: str | None = None                    # host copy, without private mounts
    memory_bytes: int = 8 * 1024**3
    cpu_seconds: int = 900
    file_bytes: int = 256 * 1024**2
    disk_bytes: int = 512 * 1024**2                    # the private /tmp (working folder)
    open_files: int = 1024
    processes: int = 512                               # RLIMIT_NPROC, enforced for uid only
    uid: int | None = None                             # run as this uid (grader is root)
    cgroups: list[str] = field(default_factory=list)   # cgroup folders to join
    use_bwrap: bool = True
    private_mounts: bool = False                       # root: mounts made by the launcher


@functools.lru_cache(maxsize=4)
def bwrap_works(uid: int | None = None) -> bool:
    """Whether bubblewrap can create our namespaces here (as ``uid``, when given)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    as_user = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    try:
        probe = subprocess.run([bwrap, *_namespace_args(), "--ro-bind", "/", "/",
                                "true"], capture_output=True, timeout=20, **as_user)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _namespace_args() -> list[str]:
    # No --new-session: the kernel has no controlling terminal to abuse, and the
    # interrupt goes by message, not by a signal to the session. Never started as root:
    # its user namespace would map the kernel's user to the host's root.
    return ["--unshare-all", "--unshare-user", "--die-with-parent", "--cap-drop", "ALL"]


def bwrap_argv(plan: list[mounts.Mount] | None, argv: list[str]) -> list[str]:
    """The bubblewrap command line that runs ``argv``: with ``plan`` (an unprivileged
    grader: bubblewrap makes the mounts), or in the mounts the launcher made (root)."""
    args = ["bwrap", *_namespace_args(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for device in sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/*")):
        args += ["--dev-bind", device, device]  # GPUs stay usable in the sandbox
    args += mounts.bwrap_args(plan) if plan is not None else ["--bind", "/tmp", "/tmp"]
    args += ["--chdir", mounts.WORKDIR, "--setenv", "HOME", mounts.WORKDIR, "--", *argv]
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
    # The grading process bounds its own heap (RLIMIT_DATA, see grading.preprocessors);
    # the kernel has its address-space and cgroup limits instead.
    resource.setrlimit(resource.RLIMIT_DATA, (resource.getrlimit(resource.RLIMIT_DATA)[1],) * 2)


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG). A change of
    uid clears it: call it after :func:`drop_privileges`."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG, kept across exec


def join_cgroups(policy: Policy) -> None:
    """Move this process (root, not yet sandboxed) into the kernel's cgroups."""
    for group in policy.cgroups:
        with open(os.path.join(group, "cgroup.procs"), "w") as handle:
            handle.write(str(os.getpid()))


def mount_plan(policy: Policy) -> list[mounts.Mount] | None:
    """The kernel's mounts (:mod:`autograder.sandbox.mounts`), where it gets private ones."""
    if not (policy.use_bwrap or policy.private_mounts):
        return None
    return mounts.plan(source=policy.cwd, hide=policy.hide, expose=policy.expose,
                       reachable=policy.reachable, writable=policy.writable,
                       disk_bytes=policy.disk_bytes)


def drop_privileges(policy: Policy) -> None:
    """Become the kernel's unprivileged uid (a root grader), or refuse to go on as root."""
    if policy.uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(policy.uid)
        os.setuid(policy.uid)
    if os.geteuid() == 0 or os.getuid() == 0:
        raise RuntimeError("refusing to start a kernel as root (no unprivileged uid given)")


def main(argv: list[str]) -> None:
    """``python -m autograder.sandbox.limits POLICY_JSON -- KERNEL_ARGV...``: exec the kernel."""
    policy = Policy(**json.loads(argv[0]))
    kernel = argv[argv.index("--") + 1:]
    if os.getsid(0) != os.getpid():  # jupyter_client may have made a session already
        os.setsid()
    join_cgroups(policy)  # while still root
    plan = mount_plan(policy)
    if policy.private_mounts:  # root: the mounts are made here, then the uid is dropped
        mounts.enter(plan, policy.uid if policy.uid is not None else os.getuid())
        os.chdir(mounts.WORKDIR)
        os.environ["HOME"] = mounts.WORKDIR
        plan = None
    elif policy.workdir_copy:
        os.chdir(policy.workdir_copy)
        os.environ["HOME"] = policy.workdir_copy
    if policy.use_bwrap:
        kernel = bwrap_argv(plan, kernel)
    apply_limits(policy)
    drop_privileges(policy)
    die_with_parent()  # after setuid, which clears it
    # In its own PID namespace the kernel's parent is PID 1, which ipykernel's parent
    # poller takes for a dead parent; bwrap --die-with-parent does that job instead.
    os.environ.pop("JPY_PARENT_PID", None)
    # The kernel's own stdout (connection banners) is not the notebook's output.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.execvp(kernel[0], kernel)


if __name__ == "__main__":
    main(sys.argv[1:])
