"""The worker's side of grading on a Dask cluster: a preload for ``dask worker``, the task.

    dask worker tcp://HOST:8786 --preload autograder.workflow.cluster_worker --course /srv/course

The preload (:func:`dask_setup`) tells the worker where its installed course is
(``--course``, or ``$AUTOGRADER_COURSE``, else the folder it starts in) and claims one grading
slot per worker thread on this machine: parallel kernels run as different uids
(``uid_base + 1000 + slot``, apart from the slots of local graders) and share the cores' BLAS
threads. Grading processes die with their worker.

A task (:class:`Task`) carries one submission's files and the client's course fingerprint
(:func:`fingerprint`). :func:`grade_submission` refuses it unless this worker's installed
course has the same fingerprint; otherwise it grades the submission in a scratch course of
its own under the course root (its own SQLite gradebook, ``submitted/`` and ``autograded/``),
through the local batch's per-submission runner and so the same nbgrader pipeline and
sandbox, stopped after the execute step. It returns the executed notebooks as plain data;
the client records them into its gradebook with the rest of the pipeline
(:mod:`autograder.workflow.cluster`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import importlib.metadata
import importlib.util
import logging
import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import IO, Any

import click
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute
from packaging.requirements import Requirement
from traitlets.config import Config
from traitlets.utils.importstring import import_item

import autograder
from autograder.sandbox import kernel as sandbox
from autograder.sandbox import warm
from autograder.sandbox.limits import die_with_parent
from autograder.workflow import control, release
from autograder.workflow import grade as batch
from autograder.workflow.course import Course

log = logging.getLogger(__name__)

#: The installed distribution whose dependencies' versions are part of the fingerprint.
DISTRIBUTION = "dl-course-assignments"
#: Kernels of cluster workers run as ``uid_base + UID_OFFSET + slot``: apart from the uids of
#: a local grader's slots (0 to its --jobs) on the same machine.
UID_OFFSET = 1000
MAX_SLOTS = 1000
SCRATCH_PREFIX = ".autograder-worker-"


@dataclass(frozen=True)
class Task:
    """One submission to grade, as plain data (no shared file system)."""

    assignment: str
    student: str
    files: dict[str, bytes]           # relative path -> contents: the submission folder
    digest: str                       # grade.files_hash(files)
    fingerprint: dict[str, str]       # the client's course, see fingerprint()
    overrides: dict[str, dict[str, Any]]  # the client's settings beyond nbgrader_config.py
    submission_timeout: float


@dataclass
class Result:
    """What a worker hands back: plain data, recorded by the client."""

    status: str                       # "graded", "error" (the submission's), "refused"
    message: str = ""
    seconds: float = 0.0
    notebooks: dict[str, bytes] = field(default_factory=dict)  # name -> executed notebook
    worker: str = ""


# -- the course's fingerprint (computed alike by the client and by each worker) ---------------
def fingerprint(course: Course, assignment: str) -> dict[str, str]:
    """Everything besides the submission that decides its grade, part by part: hashes of
    the configuration, the assignment's solutions, the hidden tests, the autograder's own
    source and lib, and the versions of Python and of the packages grading runs on."""
    ignore = list(course.coursedir.ignore)
    package = _files(Path(autograder.__file__).parent, ignore)
    config = course.root / "nbgrader_config.py"
    return {
        "nbgrader_config.py": batch.files_hash({config.name: config.read_bytes()}),
        f"{course.coursedir.source_directory}/{assignment}/": batch.files_hash(
            _files(course.path("source_directory") / assignment, ignore)),
        "autograder/hidden/": batch.files_hash(
            {name: data for name, data in package.items() if name.startswith("hidden/")}),
        "the autograder package": batch.files_hash(
            {name: data for name, data in package.items() if not name.startswith("hidden/")}),
        "lib/": batch.files_hash(_files(_lib_folder(), ignore)),
        "installed packages": _versions(),
    }


def differences(ours: dict[str, str], theirs: dict[str, str], where: str) -> list[str]:
    """The parts of fingerprint ``theirs`` (of ``where``) that differ from ``ours``, in words."""
    found = []
    for part in sorted(set(ours) | set(theirs)):
        if ours.get(part) == theirs.get(part):
            continue
        if part != "installed packages":
            found.append(part)
            continue
        mine, other = _versions_of(ours.get(part, "")), _versions_of(theirs.get(part, ""))
        found += [f"{name} {mine.get(name, '(none)')} here, {other.get(name, '(none)')} {where}"
                  for name in sorted(set(mine) | set(other)) if mine.get(name) != other.get(name)]
    return found


def _files(folder: Path, ignore: list[str]) -> dict[str, bytes]:
    """The files under ``folder`` (relative path -> contents), nbgrader's ignored ones left out."""
    found = {}
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not any(fnmatch(d, pattern) for pattern in ignore)]
        for name in names:
            if not any(fnmatch(name, pattern) for pattern in ignore):
                path = Path(top, name)
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def _lib_folder() -> Path:
    """The ``lib`` package that grading imports (and the kernels too)."""
    spec = importlib.util.find_spec("lib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the course's lib package is not installed here")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _versions() -> str:
    """'python 3.11, dl-course-assignments 0.1.0, nbgrader 0.9.5, ...' (read once: the
    process runs what it imported)."""
    requirements = [Requirement(r) for r in importlib.metadata.requires(DISTRIBUTION) or []]
    names = sorted({r.name for r in requirements if r.marker is None} | {DISTRIBUTION})
    found = [f"python {sys.version_info.major}.{sys.version_info.minor}"]
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (none)")
    return ", ".join(found)


def _versions_of(text: str) -> dict[str, str]:
    return dict(item.split(" ", 1) for item in text.split(", ") if " " in item)


# -- the nbgrader pipeline, split at its execute step ---------------------------------------
def autograde_steps(config: Config) -> tuple[list[Any], list[Any]]:
    """``c.Autograde.autograde_preprocessors`` split after its execute step (nbgrader's
    ``Execute`` or a subclass, such as ``HiddenTestsExecute``): what a worker runs, and what
    the client runs on the worker's executed notebook."""
    steps = list(config.Autograde.get("autograde_preprocessors",
                                      Autograde.autograde_preprocessors.default_value))
    for index, step in enumerate(steps):
        step_class = import_item(step) if isinstance(step, str) else step
        if issubclass(step_class, Execute):
            return steps[:index + 1], steps[index + 1:]
    raise ValueError("c.Autograde.autograde_preprocessors has no execute step (nbgrader's "
                     "Execute or a subclass): nothing would run the notebooks")


# -- the worker process ----------------------------------------------------------------------
@dataclass
class _Installed:
    """This worker process's course and grading slots (set by the preload)."""

    root: Path
    slots: queue.Queue[int]
    slot_files: list[IO[str]]
    lock: threading.Lock = field(default_factory=threading.Lock)
    scratch: Path | None = None
    prepared: dict[tuple[str, str], _Prepared] = field(default_factory=dict)
    active: int = 0


@dataclass
class _Prepared:
    """An assignment made ready in this worker process."""

    folder: Path  # a scratch course with the assignment released into its gradebook
    graders: int  # grading slots on this machine then: the share of cores its kernels get


_INSTALLED: _Installed | None = None
NO_PRELOAD = ("this Dask worker was started without the course: start it with `dask worker "
              "ADDRESS --preload autograder.workflow.cluster_worker --course COURSE` "
              "(docs/cluster.md)")


@click.command()
@click.option("--course", default=".", show_default=True, envvar="AUTOGRADER_COURSE",
              type=click.Path(exists=True, file_okay=False),
              help="the course root installed on this worker (holding nbgrader_config.py; "
                   "default: $AUTOGRADER_COURSE, else the folder the worker starts in)")
def dask_setup(service: Any, course: str) -> None:
    """Preload of ``dask worker``: the installed course, grading slots, a clean machine."""
    global _INSTALLED
    from distributed import Worker

    if not isinstance(service, Worker):
        return
    root = Path(course).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise click.BadParameter(f"{root} holds no nbgrader_config.py", param_hint="--course")
    _remove_stale_scratch(root)
    threads = service.state.nthreads
    claimed = [_claim_slot() for _ in range(threads)]
    slots: queue.Queue[int] = queue.Queue()
    for slot, _ in claimed:
        slots.put(slot)
    _INSTALLED = _Installed(root, slots, [handle for _, handle in claimed])
    # The nanny starts its worker as a daemonic process, which multiprocessing forbids to
    # start the grading processes (Dask's `distributed.worker.daemon: false` does the same).
    multiprocessing.current_process().daemon = False
    # A grading process (and so its kernel) dies with this worker, whatever kills it.
    os.register_at_fork(after_in_child=die_with_parent)
    log.info("grading %s with %d slot(s): %s", root, threads, [s for s, _ in claimed])


def dask_teardown(service: Any) -> None:
    warm.stop()
    if _INSTALLED is not None and _INSTALLED.scratch is not None:
        shutil.rmtree(_INSTALLED.scratch, ignore_errors=True)


def _slots_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"autograder-worker-slots-{os.geteuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = os.lstat(folder)
    if not os.path.isdir(folder) or os.path.islink(folder) or info.st_uid != os.geteuid():
        raise RuntimeError(f"{folder} is not a folder of this user's: cannot claim slots")
    return folder


def _claim_slot() -> tuple[int, IO[str]]:
    """A grading slot no other worker on this machine holds; its lock file stays locked
    (and open) for the life of this process."""
    folder = _slots_folder()
    for slot in range(MAX_SLOTS):
        handle = open(folder / f"{slot}.lock", "a")  # noqa: SIM115 (held for the process's life)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return slot, handle
    raise RuntimeError(f"all {MAX_SLOTS} grading slots of this machine are taken")


def _graders_here() -> int:
    """Grading slots held on this machine (this worker's included): kernels share the cores."""
    count = 0
    for path in _slots_folder().glob("*.lock"):
        with open(path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                count += 1
            else:
                fcntl.flock(handle, fcntl.LOCK_UN)
    return max(count, 1)


def _remove_stale_scratch(root: Path) -> None:
    """Scratch folders of workers that died (killed before their teardown)."""
    for folder in root.glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def installed_fingerprint(assignment: str) -> dict[str, str] | str:
    """This worker's course fingerprint (``client.run``), or why it has none."""
    if _INSTALLED is None:
        return NO_PRELOAD
    return fingerprint(Course.load(_INSTALLED.root), assignment)


# -- the task -------------------------------------------------------------------------------
def grade_submission(task: Task, after: Any = None) -> Result:
    """Grade one submission here, if this worker's course is the client's (the cluster task).
    ``after``: the result of a task it waited for (unused)."""
    from distributed import get_worker

    worker = get_worker().address
    course = _course_for(task.assignment, task.fingerprint, task.overrides)
    if isinstance(course, str):
        return Result("refused", course, worker=worker)
    assert _INSTALLED is not None
    base = _prepared(_INSTALLED, course, task.assignment, task.fingerprint)
    with _slot(_INSTALLED) as slot, \
            _task_course(_INSTALLED, course, base.folder, task, slot) as scratch:
        try:
            _write_files(scratch.path("submitted_directory") / task.student / task.assignment,
                         task.files)
        except ValueError as exc:
            return Result("error", str(exc), worker=worker)
        # The one call into the local batch: grading a submission here is grading it there.
        # Its kernels' threads are those of the assignment's warm factory.
        outcome = batch._run(scratch, task.assignment, [task.student], base.graders,
                             task.submission_timeout, False)[task.student]
        notebooks = _executed(scratch, task) if outcome.status == "graded" else {}
    return Result(outcome.status, outcome.message, outcome.seconds, notebooks, worker)


def prepare(assignment: str, fingerprint_: dict[str, str], overrides: dict[str, Any],
            after: Any = None) -> None:
    """Make ``assignment`` ready here before its first submission arrives (a task the client
    sends every worker); a course that differs is left alone (its tasks will be refused).
    ``after``: the result of the task it waited for (unused)."""
    course = _course_for(assignment, fingerprint_, overrides)
    if _INSTALLED is not None and not isinstance(course, str):
        _prepared(_INSTALLED, course, assignment, fingerprint_)


def _course_for(assignment: str, fingerprint_: dict[str, str],
                overrides: dict[str, Any]) -> Course | str:
    """This worker's course with the client's settings, or why it cannot grade for it."""
    if _INSTALLED is None:
        return NO_PRELOAD
    course = Course.load(_INSTALLED.root, **overrides)
    if assignment not in course.assignments():
        return f"its course has no assignment {assignment}"
    found = differences(fingerprint_, fingerprint(course, assignment), "on the worker")
    if found:
        return "its installed course differs from the client's in " + "; ".join(found)
    return course


def _prepared(installed: _Installed, course: Course, assignment: str,
              fingerprint_: dict[str, str]) -> _Prepared:
    """``assignment`` made ready in this process, once per assignment and course version:
    a scratch course with it released into its gradebook (what nbgrader's sanitize steps
    read), the grading code warmed up, and its warm kernel factory started (beside those
    of other assignments) before the first grading process is forked: a submission pays
    for a fork, not for a Python start and the assignment's imports. Called again, it
    starts the factory anew if it died since (killed, or gone with the thread that started
    it), so that kernels never meet a dead socket."""
    key = (assignment, batch.files_hash({k: v.encode() for k, v in fingerprint_.items()}))
    with installed.lock:  # (another thread may be preparing another assignment)
        prepared = installed.prepared.get(key)
        if prepared is not None:
            batch.start_kernels(course, assignment, _threads(prepared.graders), alongside=True)
            warm.ready()
            return prepared
        graders = _graders_here()
        threads = _threads(graders)
        # First, so that its imports run on another core meanwhile. (Its parent-death
        # signal follows this thread; Dask's executor threads live as long as the worker.)
        batch.start_kernels(course, assignment, threads, alongside=True)
        if installed.scratch is None:
            installed.scratch = Path(tempfile.mkdtemp(
                prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=installed.root))
        folder = Path(tempfile.mkdtemp(prefix=f"{assignment}-", dir=installed.scratch))
        release.generate(control.relocated(course, folder), [assignment])
        with batch.limited_threads(threads, tuple(batch._imports(course, assignment))):
            batch._warm_up(course, assignment)
        warm.ready()
        gc.freeze()  # as the local batch does: forked processes inherit the warm heap
        prepared = installed.prepared[key] = _Prepared(folder, graders)
        return prepared


def _threads(graders: int) -> int:
    """BLAS/OpenMP/torch threads per kernel with ``graders`` grading slots on this machine."""
    return int(os.environ.get("AUTOGRADER_THREADS") or batch._threads(graders))


@contextlib.contextmanager
def _slot(installed: _Installed) -> Iterator[int]:
    slot = installed.slots.get()
    with installed.lock:
        installed.active += 1
    try:
        yield slot
    finally:
        with installed.lock:
            installed.active -= 1
            if installed.active == 0:  # no kernel of this process is running: clean up
                sandbox.sweep()
        installed.slots.put(slot)


@contextlib.contextmanager
def _task_course(installed: _Installed, course: Course, base: Path, task: Task,
                 slot: int) -> Iterator[Course]:
    """The task's own course: a copy of the prepared gradebook, the pipeline up to its
    execute step, kernels as this slot's uid. Removed afterwards."""
    assert installed.scratch is not None
    folder = Path(tempfile.mkdtemp(prefix="task-", dir=installed.scratch))
    try:
        shutil.copyfile(base / "gradebook.db", folder / "gradebook.db")
        scratch = control.relocated(course, folder)
        scratch.config.Autograde.autograde_preprocessors = autograde_steps(course.config)[0]
        kernels = scratch.config.SandboxedKernelManager
        kernels.uid_base = kernels.get("uid_base", sandbox.SandboxedKernelManager.uid_base
                                       .default_value) + UID_OFFSET + slot
        yield scratch
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _executed(scratch: Course, task: Task) -> dict[str, bytes]:
    folder = scratch.path("autograded_directory") / task.student / task.assignment
    return {name: (folder / f"{name}.ipynb").read_bytes()
            for name in scratch.notebooks(task.assignment)
            if (folder / f"{name}.ipynb").is_file()}


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    """The submission's files, as the client read them, into a fresh folder."""
    for name, data in files.items():
        path = PurePosixPath(name)
        if path.is_absolute() or not path.parts or any(p in (".", "..") for p in path.parts):
            raise ValueError(f"the task names an unsafe file: {name!r}")
        target = folder.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
