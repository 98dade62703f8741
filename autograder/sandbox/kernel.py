"""The kernel manager that starts every graded kernel through :mod:`autograder.sandbox.limits`."""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode, default

from autograder.sandbox import cgroups, mounts, run, warm
from autograder.sandbox.limits import Policy, bwrap_works, kernel_environment

log = logging.getLogger(__name__)

#: The kernel's matplotlib backend: figures become inline PNG outputs, so the graded
#: notebook keeps the student's plots (bounded like every output).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def _copy_workdir(source: Path, target: Path, max_bytes: int) -> None:
    """Copy the notebook folder's regular files (never following a link) for a kernel that
    runs without private mounts."""
    files = [source / relative for relative in mounts._regular_files(str(source))]
    if sum(p.stat().st_size for p in files) > max_bytes:
        raise RuntimeError(f"refusing to copy {source} for a kernel: it is larger than the "
                           "kernel's disk quota")
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination, follow_symlinks=False)


def _has_gpu() -> bool:
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def _python_installation() -> list[str]:
    """The folders a kernel needs to start this interpreter."""
    return sorted({sys.prefix, sys.base_prefix,
                   os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))})


def _others_can_run_python(whole_path: bool) -> bool:
    """Whether another uid can run this interpreter: its folders readable by others and,
    if ``whole_path``, every folder above them too (not so under a private /root/.pyenv)."""
    for base in map(Path, _python_installation()):
        for folder in [base, *base.parents] if whole_path else [base]:
            if folder.stat().st_mode & 0o005 != 0o005:
                return False
    return True


@functools.lru_cache(maxsize=1)
def _can_mount() -> bool:
    return mounts.can_enter()


def sweep() -> None:
    """After a batch: kill and remove what this run's kernels left behind (cgroups and
    private folders of workers killed at their time limit), and the empty leftovers of runs
    whose process has exited. Other graders' kernels are never touched."""
    cgroups.sweep()
    factories = warm.folders()  # running, between two submissions of a Dask worker
    for folder in Path(tempfile.gettempdir()).glob(f"{run.PREFIX}*"):
        if str(folder) in factories:
            continue
        if run.matches(folder.name) or (run.is_stale(folder.name) and os.geteuid() in
                                        (0, folder.stat().st_uid)):
            shutil.rmtree(folder, ignore_errors=True)


class BoundedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse any message part larger than
    ``max_message_bytes`` (the connection is dropped and ZeroMQ reconnects) and queue at most
    ``queued_messages`` messages each: whatever the kernel sends, what waits in the grader's
    memory stays within their product."""

    max_message_bytes = Integer(8 * 1024**2, help="Largest message part accepted from the "
                                                  "kernel (bytes; 0: no limit).").tag(
        config=True)
    queued_messages = Integer(16, help="Messages queued per socket before the kernel has to "
                                       "wait.").tag(config=True)

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes or -1)
        context.setsockopt(zmq.RCVHWM, self.queued_messages)
        # Connected within 10 ms of the kernel binding its sockets (ZeroMQ tries every 100 ms).
        context.setsockopt(zmq.RECONNECT_IVL, 10)
        return context

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's check (a kernel_info reply, then a message on IOPub) in short
        steps: a kernel that has just bound its sockets loses its first messages to a
        subscriber still connecting, and jupyter_client waits 0.2 s before asking again,
        then 0.2 s more to flush IOPub (nbclient ignores messages of other requests)."""
        deadline = time.monotonic() + (timeout if timeout is not None else math.inf)
        while True:
            self.kernel_info()
            with contextlib.suppress(Empty):
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    with contextlib.suppress(Empty):
                        await self.iopub_channel.get_msg(timeout=0.05)
                        self._handle_kernel_info_reply(reply)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        lock = getattr(self.parent, "lock", None)
        if lock is not None:
            lock()

    wait_for_ready = _async_wait_for_ready

    async def reconnect(self, timeout: float = 30) -> None:
        """Open the channels anew: ZeroMQ ends a connection for good when it refuses a
        message, so after one, nothing more would arrive from the kernel."""
        for name in ("_iopub_channel", "_shell_channel", "_control_channel", "_stdin_channel"):
            channel = getattr(self, name)
            if channel is not None:
                channel.close()
                setattr(self, name, None)
        await self._async_wait_for_ready(timeout)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel through :func:`main`.

    The connection uses Unix sockets in a private folder (the kernel has no network), and
    the folder the notebook runs in is replaced, for the kernel, by a private copy.
    """

    course_root = Unicode(help="Folder to hide from the kernel (default: the course "
                               "root from CourseDirectory.root).").tag(config=True)
    expose = List(Unicode(), help="Paths under the course root the kernel may read "
                                  "(default: lib/ and the running virtual environment).").tag(
        config=True)
    memory_bytes = Integer(8 * 1024**3, help="Address-space limit of each kernel process "
                                             "(0: none; the default is none where a GPU is "
                                             "present, whose driver maps huge address "
                                             "spaces).").tag(config=True)
    cpu_seconds = Integer(900, help="CPU-time limit of the kernel, in seconds.").tag(config=True)
    file_bytes = Integer(256 * 1024**2, help="Largest file the kernel may write.").tag(
        config=True)
    uid_base = Integer(61000, help="When the grader runs as root, each kernel runs as uid "
                                   "uid_base + AUTOGRADER_SLOT (one uid per parallel worker), "
                                   "so per-user limits apply to it alone.").tag(config=True)
    processes = Integer(512, help="Processes and threads the kernel may run.").tag(config=True)
    group_memory_bytes = Integer(6 * 1024**3, help="Memory of the kernel's whole process "
                                                  "tree (cgroup), where cgroups are writable.").tag(
        config=True)
    disk_bytes = Integer(512 * 1024**2, help="Size of the kernel's private /tmp, which holds "
                                           "its working folder: everything it may write "
                                           "(a tmpfs, so it counts against its memory "
                                           "too).").tag(config=True)
    matplotlib_backend = Unicode(INLINE_BACKEND, help="MPLBACKEND of the kernel.").tag(
        config=True)
    require_isolation = Bool(False, help="Refuse to grade where bubblewrap does not work "
                                         "instead of grading without filesystem isolation.").tag(
        config=True)
    warm = Bool(True, help="Start each kernel from the grading process's warm kernel factory "
                           "where one runs (autograder.sandbox.warm); False: every kernel "
                           "starts cold.").tag(config=True)

    @default("client_factory")
    def _bounded_client(self) -> type:
        return BoundedKernelClient

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._private = tempfile.mkdtemp(prefix=run.prefix())
        self.transport = "ipc"
        self.ip = os.path.join(self._private, "kernel")
        self.connection_file = os.path.join(self._private, "connection.json")
        self._launcher_levels = 0

    def _policy(self, cwd: str, forked: bool = False) -> Policy:
        from nbgrader.coursedir import CourseDirectory

        root = Path(self.course_root or CourseDirectory(config=self.config).root).resolve()
        import autograder

        package = Path(autograder.__file__).parent.resolve()
        # A source checkout of the package holds solutions/ too: hide all of it.
        checkout = package.parent if (package.parent / "pyproject.toml").exists() else package
        hidden = [str(root), str(checkout)]
        expose = list(self.expose) or [str(root / "lib"), str(checkout / "lib"), sys.prefix]
        # Never the host's root: one unprivileged uid per parallel worker.
        uid = self.uid_base + int(os.environ.get("AUTOGRADER_SLOT", "0")) \
            if os.geteuid() == 0 else None
        # A forked kernel makes the namespaces bubblewrap would make (see sandbox.factory).
        use_bwrap = not forked and bwrap_works(uid)
        private_mounts = forked or (os.geteuid() == 0 and _can_mount())
        self._launcher_levels = 2 if use_bwrap or forked else 0  # -> its init -> the kernel
        if not forked:
            self._check_isolation(use_bwrap, private_mounts, uid)
        workdir = None
        if not (use_bwrap or private_mounts):
            workdir = os.path.join(self._private, "work")
            os.makedirs(workdir)
            _copy_workdir(Path(cwd), Path(workdir), self.disk_bytes)
        if uid is not None:  # its sockets folder, until the kernel is up (see lock())
            for path in [self._private, *Path(self._private).rglob("*")]:
                os.chown(path, uid, uid)
            os.chmod(self._private, 0o700)
        self._cgroups = cgroups.create(os.path.basename(self._private), pids=self.processes,
                                       memory_bytes=self.group_memory_bytes)
        return Policy(cwd=os.path.realpath(cwd), hide=hidden, expose=expose,
                      reachable=_python_installation(), writable=[self._private],
                      workdir_copy=workdir, memory_bytes=0 if _has_gpu() else self.memory_bytes,
                      cpu_seconds=self.cpu_seconds, file_bytes=self.file_bytes,
                      disk_bytes=self.disk_bytes, processes=self.processes, uid=uid,
                      cgroups=self._cgroups, use_bwrap=use_bwrap, private_mounts=private_mounts)

    def _check_isolation(self, use_bwrap: bool, private_mounts: bool, uid: int | None) -> None:
        if uid is not None and not _others_can_run_python(whole_path=False):
            raise RuntimeError(f"the Python installation ({', '.join(_python_installation())}) "
                               "is not readable by other users, so a kernel cannot run as an "
                               "unprivileged user: make it readable (chmod -R o+rX) or use "
                               "another Python")
        if uid is not None and not private_mounts and not _others_can_run_python(True):
            raise RuntimeError("a folder above the Python installation is closed to other "
                               "users (e.g. /root) and neither bubblewrap nor a private mount "
                               "namespace works here, so the kernel cannot run as an "
                               "unprivileged user: install bubblewrap or use a Python that "
                               "other users can run")
        if use_bwrap:
            return
        if self.require_isolation:
            raise RuntimeError("bubblewrap is required for grading but does not work here")
        log.warning("bubblewrap unavailable: the kernel runs without %s",
                    "network and PID isolation" if private_mounts else "filesystem isolation")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # Interrupt by message: a SIGINT sent to the process group would also reach
        # bubblewrap, whose death takes the kernel with it (--die-with-parent).
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"
        cwd = kw.get("cwd") or os.getcwd()
        kw["env"] = env = kernel_environment(kw.get("env", os.environ), self.matplotlib_backend)
        factory = self._factory(kernel_cmd, env, cwd)
        policy = self._policy(cwd, forked=factory is not None)
        if factory is not None:
            provisioner = warm.WarmProvisioner(kernel_id=self.kernel_id, parent=self,
                                               kernel_spec=self.kernel_spec)
            provisioner.connection_info, provisioner.factory = self.provisioner.connection_info, \
                factory
            self.provisioner = provisioner
            await super()._async_launch_kernel(kernel_cmd, policy=asdict(policy), **kw)
            return
        wrapped = [sys.executable, "-m", "autograder.sandbox.limits",
                   json.dumps(asdict(policy)), "--", *kernel_cmd]
        await super()._async_launch_kernel(wrapped, **kw)

    def _factory(self, kernel_cmd: list[str], env: dict[str, str],
                 cwd: str) -> warm.KernelFactory | None:
        """The warm factory to fork this kernel from, or None: start it cold."""
        factory = warm.ready() if self.warm and os.geteuid() == 0 else None
        if factory is None:
            return None
        reason = factory.refuses(kernel_cmd, env, cwd)
        if reason is not None:
            log.info("this kernel starts cold: %s", reason)
            return None
        return factory

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        """A killed kernel is gone within milliseconds: look for it every 10 ms, not 100."""
        await super()._async_wait(pollinterval=min(pollinterval, 0.01))

    def lock(self) -> None:
        """Take the kernel's private folder back once it is ready (it has bound its sockets
        and written its connection file, and can run code only on request from now on): a
        kernel that runs as its own uid can then write nothing on the grader's disk."""
        if os.geteuid() == 0:
            os.chown(self._private, 0, 0)
            os.chmod(self._private, 0o700)

    def kill_strays(self, everything: bool = False) -> int:
        """Kill what the kernel started (a fork bomb's children, background processes),
        keeping the kernel itself (the launcher, bubblewrap's init and the kernel process)
        unless ``everything``; returns how many processes were killed."""
        groups = getattr(self, "_cgroups", [])
        if not groups or self.provisioner is None or self.provisioner.process is None:
            return 0
        root = self.provisioner.process.pid
        procs = Path(groups[0]) / "cgroup.procs"
        try:
            members = [int(p) for p in procs.read_text().split()]
        except OSError:
            return 0
        if everything:
            return cgroups.kill_strays(groups, set())
        keep, frontier = {root}, {root}
        for _ in range(self._launcher_levels):  # bwrap or the factory's child -> init -> kernel
            frontier = {pid for pid in members if cgroups.parent_of(pid) in frontier}
            keep |= frontier
        return cgroups.kill_strays(groups, keep)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        cgroups.destroy(getattr(self, "_cgroups", []))
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)
