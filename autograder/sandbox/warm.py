"""Warm kernels, on the grader's side: start a kernel factory, obtain kernels from it.

A grading process starts one factory (:mod:`autograder.sandbox.factory`) with
:func:`start` and waits for it with :func:`ready` before its workers fork; its workers
(forked, or the process itself, or a Dask worker that calls the per-submission function)
find it with :func:`ready` too, and the
kernel manager (:class:`autograder.sandbox.kernel.SandboxedKernelManager`) starts each
kernel through it with :class:`WarmProvisioner`, jupyter_client's hook for starting kernels
differently. Where no factory can be had (not Linux, not root, namespaces forbidden, the
setting off) or a kernel cannot come from it (another interpreter, another environment, a
submission that ships a module the factory already imported), the kernel starts cold, as
before.
"""

from __future__ import annotations

import atexit
import importlib.machinery
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from autograder.sandbox import mounts, run

log = logging.getLogger(__name__)

#: How long a factory may take to import the assignment's libraries.
START_TIMEOUT = 300
_IMPORTABLE = tuple(importlib.machinery.all_suffixes())


class ForkedKernel:
    """A warm kernel's process as the provisioner sees it (what it needs of ``Popen``): the
    factory's child, held by a pidfd, since it is not this process's child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid, self._pidfd = pid, pidfd
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self.returncode = -1  # gone; its exit status belongs to the factory, which reaps it
            os.close(self._pidfd)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None:
            select.select([self._pidfd], [], [], timeout)
        return self.poll()

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self) -> None:
        if self.returncode is None:
            os.close(self._pidfd)


class WarmProvisioner(LocalProvisioner):
    """Starts the kernel as a fork of the factory instead of a new process. Signals go to
    the factory's child only, never to a process group (the factory's)."""

    factory: KernelFactory | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        assert self.factory is not None
        self.process = self.factory.spawn(cmd, kwargs["env"], kwargs["policy"])
        self.pid, self.pgid = self.process.pid, None
        self.cwd = kwargs.get("cwd")
        return self.connection_info


class KernelFactory:
    """A running factory: its process, socket and what it has imported."""

    def __init__(self, modules: list[str], env: dict[str, str]) -> None:
        self.owner, self.env, self.requested = os.getpid(), env, sorted(modules)
        self.folder = tempfile.mkdtemp(prefix=f"{run.prefix()}factory-")  # root-only, 0700
        self.path = os.path.join(self.folder, "socket")
        self.modules: set[str] | None = None  # known once it is ready
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.factory", self.path, json.dumps(modules)],
            # (debugpy, imported with ipykernel, warns about frozen modules on stderr)
            env={**env, "MPLCONFIGDIR": os.path.join(self.folder, "matplotlib"),
                 "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
            cwd=self.folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            start_new_session=True)

    def ready(self) -> None:
        """Wait until the factory has imported everything (RuntimeError if it failed)."""
        if self.modules is not None:
            return
        if os.getpid() != self.owner:  # its stdout belongs to the process that started it
            raise RuntimeError("the kernel factory was not ready when this process forked")
        assert self.process.stdout is not None
        if not select.select([self.process.stdout], [], [], START_TIMEOUT)[0]:
            raise RuntimeError(f"the kernel factory did not start within {START_TIMEOUT} s")
        line = self.process.stdout.readline().decode()
        if not line.startswith("ready "):
            raise RuntimeError(f"the kernel factory did not start (exit status "
                               f"{self.process.wait()})")
        info = json.loads(line[len("ready "):])
        if info["error"]:
            raise RuntimeError(info["error"])
        if info["failed"]:
            log.info("the kernel factory could not import %s", ", ".join(info["failed"]))
        self.modules = {name for name in info["modules"]
                        if name not in sys.stdlib_module_names and name != "autograder"}

    def refuses(self, argv: list[str], env: dict[str, str], cwd: str) -> str | None:
        """Why this factory cannot start this kernel as a cold start would, or None."""
        if argv[1:3] != ["-m", "ipykernel_launcher"] or \
                os.path.realpath(argv[0]) != os.path.realpath(sys.executable):
            return "the kernel is not this interpreter's ipykernel"
        if _without_backend(env) != _without_backend(self.env):
            return "the kernel's environment differs from the factory's"
        shadowed = self._shadowed(cwd)
        if shadowed:  # a cold kernel would import the submission's copy
            return f"the submission holds modules the factory has imported ({shadowed})"
        return None

    def _shadowed(self, folder: str) -> str:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return ""
        names = {entry.name.split(".")[0] for entry in entries if entry.name.endswith(_IMPORTABLE)
                 or (entry.is_dir(follow_symlinks=False) and
                     os.path.exists(os.path.join(entry.path, "__init__.py")))}
        return ", ".join(sorted(names & (self.modules or set())))

    def spawn(self, argv: list[str], env: dict[str, str], policy: dict[str, Any]) -> ForkedKernel:
        """A kernel forked by the factory; it dies when this process does."""
        request = json.dumps({"argv": argv, "env": env, "policy": policy}).encode()
        me = os.pidfd_open(os.getpid())
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(30)
                client.connect(self.path)
                sent = socket.send_fds(client, [request], [me])
                client.sendall(request[sent:])
                client.shutdown(socket.SHUT_WR)
                data, fds, _, _ = socket.recv_fds(client, 1 << 16, 1)
        finally:
            os.close(me)
        reply = json.loads(data or b"{}")
        if "pid" not in reply or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise RuntimeError(f"the kernel factory refused a kernel: {reply.get('error')}")
        return ForkedKernel(reply["pid"], fds[0])

    def close(self) -> None:
        """Stop the factory (and its kernels) if this process started it."""
        if os.getpid() != self.owner:
            return
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _without_backend(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key != "MPLBACKEND"}


def unavailable() -> str | None:
    """Why this platform cannot have warm kernels (None: it can)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or \
            not hasattr(os, "pidfd_open") or not hasattr(socket, "send_fds"):
        return "warm kernels need Linux (fork, pidfds)"
    if os.geteuid() != 0:
        return "warm kernels need a grader running as root (it makes their namespaces)"
    if not mounts.can_enter():
        return "this machine forbids mount namespaces"
    return None


_factories: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], KernelFactory] = {}
_factory: KernelFactory | None = None  # the one this process's kernels come from
_failed: str | None = None  # why this process (or the one it forked from) has none


def _key(modules: list[str], env: dict[str, str]) -> tuple[tuple[str, ...],
                                                              tuple[tuple[str, str], ...]]:
    return tuple(sorted(modules)), tuple(sorted(env.items()))


def start(modules: list[str], env: dict[str, str], *, alongside: bool = False) -> None:
    """Make this process's kernels come from a factory that imported ``modules`` for
    kernels of environment ``env``: the running one that does, else a new one (unless the
    platform cannot have one). It imports in the background: see :func:`ready`.

    A forked worker picks the matching factory among those of the process it was forked
    from (it cannot start one: it could not even poll it), or keeps the current one.
    ``alongside``: keep the other factories of this process running (a Dask worker grades
    several assignments and serves each from its own factory); otherwise they stop."""
    global _factory, _failed
    key = _key(modules, env)
    found = _factories.get(key)
    if _factory is not None and _factory.owner != os.getpid():
        _factory = found or _factory
        return
    if found is not None and found.process.poll() is None:
        if not alongside:
            _stop_all(but=found)
        _factory = found
        return
    if found is not None:  # it died (killed, or with the thread that started it): replace it
        log.warning("the kernel factory for %s exited (status %s); starting a new one",
                    ", ".join(found.requested) or "no modules", found.process.poll())
        found.close()
        del _factories[key]
    if not alongside:
        stop()
    _failed = _failed or unavailable()
    if _failed is not None:
        log.info("kernels start cold: %s", _failed)
        return
    try:
        _factory = _factories[key] = KernelFactory(modules, env)
    except OSError as error:
        _failed = f"the kernel factory could not start ({error})"
        log.warning("kernels start cold: %s", _failed)
        return
    atexit.register(stop)


def tried() -> bool:
    """Whether this process has (or inherited) a factory, or knows it cannot have one."""
    return _factory is not None or _failed is not None


def ready() -> KernelFactory | None:
    """This process's factory once it has imported everything (started by :func:`start`,
    or inherited from the process that forked this one), or None: kernels start cold."""
    global _factory, _failed
    if _factory is None:
        return None
    began = time.monotonic()
    try:
        _factory.ready()
    except (OSError, RuntimeError, ValueError) as error:
        _failed = f"the kernel factory failed ({error})"
        log.warning("kernels start cold: %s", _failed)
        stop()
        return None
    if time.monotonic() - began > 0.1:
        log.info("kernel factory ready after %.1f s more", time.monotonic() - began)
    return _factory


def folders() -> set[str]:
    """The private folders (sockets) of this process's running factories, which a sweep
    between submissions must leave alone."""
    return {factory.folder for factory in _factories.values()
            if factory.owner == os.getpid() and factory.process.poll() is None}


def stop() -> None:
    """Stop this process's factories (a forked worker leaves its parent's alone)."""
    global _factory
    _stop_all()
    _factory = None


def _stop_all(but: KernelFactory | None = None) -> None:
    for key, factory in list(_factories.items()):
        if factory is not but and factory.owner == os.getpid():
            factory.close()
            del _factories[key]
