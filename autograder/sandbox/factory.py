"""The warm-kernel factory: a process that has imported the kernel's libraries once and
forks one fresh kernel per submission.

A cold kernel starts a Python interpreter and imports ipykernel, numpy, matplotlib, torch
and ``lib`` for every submission: most of the CPU a submission costs. The factory pays
that once per grading process. It is started by the grader (:mod:`autograder.sandbox.warm`)
as ``python -m autograder.sandbox.factory SOCKET PRELOAD_JSON``, with the kernels'
environment, before any student code exists; it imports the kernel machinery and the
assignment's libraries, and never runs student code, never reads a submission and never
imports anything of the grader's but this sandbox package.

For each kernel the grader connects to the factory's Unix socket (a root-only folder) and
sends the kernel's :class:`~autograder.sandbox.limits.Policy`, command line and
environment, with a pidfd of the grading process. The factory forks; the child makes
itself the sandbox bubblewrap makes for a cold kernel, then becomes the kernel:

* joins the kernel's cgroups and starts a session (as the cold launcher does);
* private mounts (the same plan: course hidden, ``lib`` and the environment read-only, a
  size-limited private ``/tmp`` holding the working folder), everything else made
  read-only, a minimal ``/dev``; new network (loopback only), IPC, UTS and cgroup
  namespaces; no capability left in its bounding set, no new privileges;
* a new PID namespace: its first process mounts a private ``/proc`` and reaps, the kernel
  is its only child; both run as the kernel's unprivileged uid;
* the kernel applies the resource limits, drops to its uid and starts ipykernel in the
  already warm interpreter.

The child the grader holds (by pidfd) waits for the namespace's first process and kills
it when the grading process exits; the namespace's first process takes every process of
the kernel with it. Each kernel serves one submission and is killed after it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import struct
import sys
import tempfile
import traceback
from typing import Any

from autograder.sandbox import limits, mounts

_CLONE_NEWCGROUP, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x02000000, 0x04000000, 0x08000000
_CLONE_NEWPID, _CLONE_NEWNET = 0x20000000, 0x40000000
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP, _PR_SET_CHILD_SUBREAPER = 38, 24, 36
#: What every kernel imports while it starts (ipykernel, its debugger, IPython's extras).
KERNEL = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
          "IPython.core.debugger", "IPython.core.completerlib", "IPython.extensions.storemagic",
          "sqlite3")
#: Modules never imported ahead: they look for a running IPython shell when imported
#: (the inline backend registers its figure hooks then).
NOT_AHEAD = ("matplotlib_inline", "ipykernel_launcher")
#: The matplotlib backend the factory imported matplotlib with (the kernels' default).
_BACKEND = os.environ.get("MPLBACKEND")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    if _libc().prctl(option, value, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl({option}): {os.strerror(error)}")


def _unshare(flags: int) -> None:
    if _libc().unshare(flags) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare({flags:#x}): {os.strerror(error)}")


# -- the factory ---------------------------------------------------------------------------
def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` (those that cannot be imported are left to the kernel); returns
    the ones that failed."""
    failed = []
    for name in [*KERNEL, *modules]:
        if name.split(".")[0] in NOT_AHEAD:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # an instructor's import that fails fails in the kernel, as before
            failed.append(name)
    return failed


def main(argv: list[str]) -> None:
    """``python -m autograder.sandbox.factory SOCKET PRELOAD_JSON``: serve until killed."""
    limits.die_with_parent()
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)  # a kernel's orphaned processes are reaped here
    if sys.path and sys.path[0] in ("", os.getcwd()):  # as ipykernel_launcher does
        del sys.path[0]
    failed = preload(json.loads(argv[1]))
    gc.collect()
    gc.freeze()  # kernels inherit the heap; their collections skip (and do not copy) it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(argv[0])
    listener.listen(16)
    error = _self_test()
    modules = sorted({name.split(".")[0] for name in sys.modules})
    print("ready " + json.dumps({"modules": modules, "failed": failed, "error": error}),
          flush=True)
    while True:
        _reap()
        if select.select([listener], [], [], 1.0)[0]:
            connection, _ = listener.accept()
            connection.settimeout(10)
            with connection, contextlib.suppress(OSError):  # a grader gone mid-request
                _serve(listener, connection)


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _serve(listener: socket.socket, connection: socket.socket) -> None:
    """Read one request, fork its kernel, answer with the kernel's pid and a pidfd."""
    data, fds, _, _ = socket.recv_fds(connection, 1 << 20, 1)
    while chunk := connection.recv(1 << 20):
        data += chunk
    try:
        request = json.loads(data)
        if len(fds) != 1:
            raise ValueError("a request carries the grading process's pidfd")
    except ValueError as error:
        connection.sendall(json.dumps({"error": str(error)}).encode())
        for fd in fds:
            os.close(fd)
        return
    pid = os.fork()
    if pid == 0:
        listener.close()
        connection.close()
        _child(request, fds[0])
    os.close(fds[0])
    pidfd = os.pidfd_open(pid)
    socket.send_fds(connection, [json.dumps({"pid": pid}).encode()], [pidfd])
    os.close(pidfd)


def _self_test() -> str | None:
    """Make the sandbox of a kernel once, without a kernel: None, or why it fails here."""
    with tempfile.TemporaryDirectory() as empty:
        policy = limits.Policy(cwd=empty, uid=65534, use_bwrap=False, private_mounts=True,
                               disk_bytes=1024**2)
        pid = os.fork()
        if pid == 0:
            try:
                _isolate(policy)
                _unshare(_CLONE_NEWPID)
                init = os.fork()
                if init == 0:
                    mounts.mount_proc()
                    os._exit(0)
                os._exit(os.waitstatus_to_exitcode(os.waitpid(init, 0)[1]))
            except BaseException:
                traceback.print_exc()
                os._exit(1)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return None if status == 0 else f"the sandbox of a warm kernel cannot be made here " \
                                    f"(exit status {status})"


# -- a kernel: the forked child -------------------------------------------------------------
def _child(request: dict[str, Any], grader: int) -> None:
    """The child the grader holds: sandbox, PID namespace, then wait. Never returns."""
    try:
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        _close_fds(keep={grader})
        os.setsid()
        limits.die_with_parent()  # the factory
        policy = limits.Policy(**request["policy"])
        limits.join_cgroups(policy)
        _isolate(policy)
        _unshare(_CLONE_NEWPID | _CLONE_NEWCGROUP)
        init = os.fork()
        if init == 0:
            os.close(grader)
            _init(policy, request)
        # It only waits and kills: as the kernel's uid (outside the kernel's PID namespace,
        # which cannot address it), so that no process of a kernel runs as the host's root.
        limits.drop_privileges(policy)
        limits.die_with_parent()
        os._exit(_watch(init, grader))
    except BaseException:
        traceback.print_exc()
        os._exit(70)


def _close_fds(keep: set[int]) -> None:
    """Nothing the factory had open reaches a kernel (stdin and stdout: /dev/null)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _isolate(policy: limits.Policy) -> None:
    """Mounts (sealed), network, IPC, UTS namespaces, no capabilities to gain (root still)."""
    uid = policy.uid if policy.uid is not None else os.getuid()
    mounts.enter(limits.mount_plan(policy), uid, sealed=True)
    _unshare(_CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS)
    _loopback_up()
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        _prctl(_PR_CAPBSET_DROP, capability)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def _loopback_up() -> None:
    """The new network namespace's loopback, up (as bubblewrap leaves it): 127.0.0.1 works,
    nothing else is reachable."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as handle:
        flags = 0x1 | 0x8 | 0x40  # IFF_UP | IFF_LOOPBACK | IFF_RUNNING
        fcntl.ioctl(handle, 0x8914, struct.pack("16sH14x", b"lo", flags))  # SIOCSIFFLAGS


def _watch(init: int, grader: int) -> int:
    """Wait for the namespace's first process; kill it if the grading process exits."""
    own = os.pidfd_open(init)
    ready = select.select([own, grader], [], [])[0]
    if own not in ready:
        os.kill(init, signal.SIGKILL)
    return os.waitstatus_to_exitcode(os.waitpid(init, 0)[1]) & 0xFF


def _init(policy: limits.Policy, request: dict[str, Any]) -> None:
    """PID 1 of the kernel's namespace: a private /proc, the kernel, then reap until the
    kernel exits (which ends every process of the namespace). Never returns."""
    try:
        mounts.mount_proc()
        kernel = os.fork()
        if kernel == 0:
            _kernel(policy, request)
        limits.drop_privileges(policy)
        limits.die_with_parent()
        while True:
            pid, status = os.wait()
            if pid == kernel:
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    except BaseException:
        traceback.print_exc()
        os._exit(70)


def _kernel(policy: limits.Policy, request: dict[str, Any]) -> None:
    """Limits, the kernel's uid, then ipykernel in this warm interpreter. Never returns."""
    try:
        limits.apply_limits(policy)
        limits.drop_privileges(policy)
        limits.die_with_parent()
        os.chdir(mounts.WORKDIR)
        os.environ.clear()
        os.environ.update(request["env"], HOME=mounts.WORKDIR, PWD=mounts.WORKDIR)
        _fresh_state(request["env"])
        _start_ipykernel(request["argv"])
    except BaseException:
        traceback.print_exc()
    os._exit(70)


def _fresh_state(env: dict[str, str]) -> None:
    """What a fork shares with its siblings and a cold kernel would not: NumPy's global
    random state (Python's ``random`` reseeds itself after a fork), the matplotlib backend
    of a probe kernel; and the sandbox's own modules, of no use in a kernel."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None and env.get("MPLBACKEND", _BACKEND) != _BACKEND:
        matplotlib.rcParams["backend"] = env["MPLBACKEND"]  # still unresolved: see preload
    for name in [m for m in sys.modules if m.split(".")[0] == "autograder"]:
        del sys.modules[name]
    _forget_hidden_modules()


def _forget_hidden_modules() -> None:
    """Forget the imported modules whose files this kernel cannot read (a course that
    hides ``lib`` from its kernels, say): importing them fails here as in a cold kernel."""
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and not os.access(path, os.R_OK):
            del sys.modules[name]


def _start_ipykernel(argv: list[str]) -> None:
    """What ``python -m ipykernel_launcher ARGS`` does, in this interpreter."""
    spec = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [spec.origin if spec and spec.origin else "ipykernel_launcher", *argv[3:]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
