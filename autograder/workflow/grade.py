"""Grade a class's submissions in parallel, with nbgrader's engine and gradebook.

nbgrader's ``autograde`` grades one submission after another (its issue #174). Here
``jobs`` forked grading processes (imports are paid once, in the parent) each grade
submissions one after another with ``NbGraderAPI.autograde``, every submission in kernels
of its own and within a wall-clock limit after which its grading process and kernel are
killed. One broken submission gets a per-student error and never stops the batch.

A control comes first (:mod:`autograder.workflow.control`): the reference solution graded
through the same pipeline and sandbox; unless it earns every automatic point the batch
stops before any student is touched.

Resumption: a submission whose grading finished is recorded in
``autograded/<student>/<assignment>/.autograder.json`` together with a hash of what was
submitted. A batch that is killed and started again grades only what has no such record
(or whose submission changed since), with ``force`` so that nbgrader replaces, never
duplicates, whatever a killed worker left behind.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from typing import Any

import nbformat
from nbgrader.apps import NbGraderAPI
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from autograder.grading.timestamps import read_timestamp_file
from autograder.sandbox import kernel as sandbox
from autograder.sandbox import warm
from autograder.sandbox.limits import kernel_environment
from autograder.workflow import control
from autograder.workflow.course import MAX_NOTEBOOK_BYTES, Course, is_student_id, printable

RECORD = ".autograder.json"


@dataclass
class Outcome:
    """How grading one submission ended."""

    student: str
    status: str           # "graded", "error" or "skipped" (already graded)
    seconds: float = 0.0
    message: str = ""


def submission_hash(folder: Path) -> str:
    """A hash of every file a student submitted (names and contents)."""
    return files_hash({str(p.relative_to(folder)): p.read_bytes()
                       for p in folder.rglob("*") if p.is_file()})


def files_hash(files: Mapping[str, bytes]) -> str:
    """A hash of files given as relative path -> contents (what a cluster task carries)."""
    digest = hashlib.sha256()
    for name in sorted(files, key=PurePath):
        digest.update(name.encode() + b"\0" + files[name])
    return digest.hexdigest()


def check_submission(course: Course, assignment: str, student: str) -> None:
    """Problems nbgrader would report badly or not at all; raises ValueError with a message."""
    if not is_student_id(student):
        raise ValueError(f"the folder name {printable(student)!r} is not a safe student id")
    folder = course.path("submitted_directory") / student / assignment
    read_timestamp_file(folder)
    for notebook in course.notebooks(assignment):
        path = folder / f"{notebook}.ipynb"
        if not path.is_file():
            found = ", ".join(sorted(p.name for p in folder.glob("*.ipynb"))) or "none"
            raise ValueError(f"{notebook}.ipynb is missing (notebooks found: {found})")
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"{notebook}.ipynb is {path.stat().st_size / 1024**2:.0f} MiB, "
                             f"over the {MAX_NOTEBOOK_BYTES // 1024**2} MiB limit")
        try:
            nbformat.read(path, as_version=4)
        except Exception as exc:
            raise ValueError(f"{notebook}.ipynb is not a valid notebook: "
                             f"{str(exc).splitlines()[0][:200]}") from None


def _record_path(course: Course, assignment: str, student: str) -> Path:
    return course.path("autograded_directory") / student / assignment / RECORD


def is_graded(course: Course, assignment: str, student: str) -> bool:
    record = _record_path(course, assignment, student)
    if not record.is_file():
        return False
    try:
        saved = json.loads(record.read_text())
    except ValueError:
        return False
    folder = course.path("submitted_directory") / student / assignment
    return saved.get("hash") == submission_hash(folder)


def mark_graded(course: Course, assignment: str, student: str, digest: str) -> None:
    """Record that the submission hashed ``digest`` is graded (read by :func:`is_graded`)."""
    record = _record_path(course, assignment, student)
    record.write_text(json.dumps({"hash": digest, "time": time.time()}))


def grade_submission(course: Course, assignment: str, student: str) -> Outcome:
    """Autograde one submission in this process (nbgrader's pipeline: the kernel, the
    hidden tests, the gradebook) and record it for resumption: the unit of work of a batch,
    whichever process runs it. Its kernels come warm from this process's kernel factory
    (started on the first call, or inherited from the batch that forked this worker)
    where the platform allows, else cold."""
    start = time.monotonic()
    # A batch's worker has its share of the cores; a process of its own has all of them.
    threads = os.environ.setdefault("AUTOGRADER_THREADS", str(_threads(1)))
    # A worker picks its assignment's factory among those it inherited; a process of its
    # own starts one.
    start_kernels(course, assignment, int(threads))
    result = NbGraderAPI(coursedir=course.coursedir, config=course.config).autograde(
        assignment, student, force=True, create=True)
    if result.get("success"):
        folder = course.path("submitted_directory") / student / assignment
        mark_graded(course, assignment, student, submission_hash(folder))
        return Outcome(student, "graded", time.monotonic() - start)
    return Outcome(student, "error", time.monotonic() - start,
                   _last_line(f"{result.get('log') or ''}\n{result.get('error') or ''}"))


def start_kernels(course: Course, assignment: str, threads: int, *,
                  alongside: bool = False) -> None:
    """Start this process's warm kernel factory for ``assignment`` (its notebooks'
    imports, kernels of ``threads`` BLAS/OpenMP threads), unless the course turns warm
    kernels off or the platform cannot have them: then kernels start cold. It imports in
    the background; the first kernel waits for it (``warm.ready``). ``alongside``: keep
    the factories of other assignments (see :func:`autograder.sandbox.warm.start`)."""
    if not course.config.SandboxedKernelManager.get("warm", True):
        return
    env = kernel_environment({**os.environ, "AUTOGRADER_THREADS": str(threads)},
                             course.config.SandboxedKernelManager.get(
                                 "matplotlib_backend", sandbox.INLINE_BACKEND))
    warm.start(_imports(course, assignment), env, alongside=alongside)


def _imports(course: Course, assignment: str) -> list[str]:
    """The modules the assignment's source notebooks import (what its kernels will)."""
    found: set[str] = set()
    for notebook in course.notebooks(assignment):
        path = course.path("source_directory") / assignment / f"{notebook}.ipynb"
        info = path.stat()
        found.update(_notebook_imports(str(path), info.st_mtime_ns, info.st_size))
    return sorted(found)


@functools.lru_cache(maxsize=64)
def _notebook_imports(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    """Cached by file version: every worker a batch forks asks again (for its factory)."""
    found: set[str] = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: those cells import nothing we preload
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return frozenset(found)


@contextlib.contextmanager
def limited_threads(threads: int, imports: tuple[str, ...] = ()) -> Iterator[None]:
    """This process's BLAS, OpenMP and torch threads: its share of the cores. A worker and
    its kernel take turns; more threads than cores spin against each other (torch ran 10
    to 100 times slower on a busy machine). ``imports``: ``torch`` if this process is about
    to use it (its threads are set before its first operation)."""
    if "torch" in imports:
        import torch
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=threads):
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch is not None and before is not None:
                torch.set_num_threads(before)


def _threads(jobs: int) -> int:
    return max(1, (os.cpu_count() or 1) // jobs)


@contextlib.contextmanager
def _workers_threads(threads: int) -> Iterator[None]:
    """The batch's threads per worker and kernel, the control's included (whose single
    worker would otherwise take every core, and a kernel unlike the factory's)."""
    previous = os.environ.get("AUTOGRADER_THREADS")
    os.environ["AUTOGRADER_THREADS"] = str(threads)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["AUTOGRADER_THREADS"]
        else:
            os.environ["AUTOGRADER_THREADS"] = previous


def _grader(course: Course, assignment: str, slot: int, jobs: int, conn: Any,
            batch_ends: list[Any]) -> None:
    """Runs in a forked process: autograde each student received through ``conn``, one
    after another, and reply after each; return on ``None`` or once the batch is gone.
    ``batch_ends``: the batch's ends of every grader's pipe, this one's included, which the
    fork copied: closed, so that the batch's exit reads as the end of ``conn`` here."""
    for end in batch_ends:
        end.close()
    os.setpgid(0, 0)  # our own process group, so the parent can kill all of it at once
    os.environ["AUTOGRADER_SLOT"] = str(slot)  # its kernels' uid (see autograder.sandbox.kernel)
    # Its kernels' threads and its own: the batch's share of the cores per process.
    threads = int(os.environ.setdefault("AUTOGRADER_THREADS", str(_threads(jobs))))
    with limited_threads(threads), contextlib.suppress(EOFError, BrokenPipeError):
        while (student := conn.recv()) is not None:
            outcome = grade_submission(course, assignment, student)
            conn.send({"success": outcome.status == "graded", "error": outcome.message})
    conn.close()


#: nbgrader's closing lines, which only point at the real error above them.
GENERIC = re.compile(r"see the the above traceback|Please see the|There was an error processing|"
                     r"Removing failed assignment|ERROR\] Traceback|NbGraderException")


def _last_line(text: str) -> str:
    """The most telling error line of nbgrader's log."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines
              if ("Error" in line or "error" in line) and not GENERIC.search(line)]
    return (errors or lines or ["unknown error"])[-1][:300]


#: Submissions one grading process grades, one after another, before it is replaced. Its
#: first costs about 0.2 s of CPU more than the next ones (the copy-on-write faults of the
#: heap it inherited, the SQL statements compiled for its gradebook engine); replacing it
#: now and then bounds what a long-lived process accumulates (memory, file descriptors).
#: Each submission still has kernels of its own, and nbgrader's objects of its own.
SUBMISSIONS_PER_PROCESS = 16


@dataclass
class _Grader:
    """A forked grading process (:func:`_grader`) and the student it is grading, if any."""

    process: Any
    conn: Any  # duplex: students go in, replies come back
    slot: int
    sent: int = 0  # students sent so far
    student: str | None = None
    started: float = 0.0


def grade(course: Course, assignment: str, *, jobs: int | None = None,
          submission_timeout: float = 600, progress: bool = True,
          scheduler: str | None = None) -> list[Outcome]:
    """Autograde every submission of ``assignment``; returns one outcome per student.
    With ``scheduler`` (a Dask scheduler's address) the control and the submissions are
    graded on that cluster's workers (:mod:`autograder.workflow.cluster`).

    Raises :class:`~autograder.workflow.control.ControlFailed`, before any student is
    graded, when the reference solution does not earn full automatic marks."""
    jobs = jobs or os.cpu_count() or 1
    course.sync_due_dates()
    _ensure_in_gradebook(course, assignment)
    outcomes: dict[str, Outcome] = {}
    pending: list[str] = []
    for student in course.students_submitted(assignment):
        if is_student_id(student) and is_graded(course, assignment, student):
            outcomes[student] = Outcome(student, "skipped", message="already graded")
            continue
        try:
            check_submission(course, assignment, student)
        except ValueError as exc:
            outcomes[student] = Outcome(student, "error", message=str(exc))
            continue
        pending.append(student)

    if pending and scheduler is not None:
        from autograder.workflow import cluster  # Dask's distributed: the cluster extra

        try:
            outcomes.update(cluster.grade(course, assignment, pending, scheduler=scheduler,
                                          submission_timeout=submission_timeout,
                                          progress=progress))
        finally:
            sandbox.sweep()
        return [outcomes[s] for s in sorted(outcomes)]
    threads = _threads(jobs)
    try:
        if pending:
            start_kernels(course, assignment, threads)  # imports meanwhile, on another core
            with limited_threads(threads, tuple(_imports(course, assignment))):
                _warm_up(course, assignment)  # the references of A3 compute with torch
            warm.ready()
            # Workers inherit the warmed-up heap; frozen, their collections skip it (and do
            # not touch, hence copy, its pages).
            gc.freeze()
        with _workers_threads(threads):
            if pending:
                _run_control(course, assignment, submission_timeout, progress)
            outcomes.update(_run(course, assignment, pending, jobs, submission_timeout,
                                 progress))
    finally:
        warm.stop()
        sandbox.sweep()  # what workers killed at their time limit left behind
    return [outcomes[s] for s in sorted(outcomes)]


#: Grades students of a course: (course, assignment, students, jobs, submission timeout,
#: progress) -> outcome per student. :func:`_run` here, or a cluster's.
Runner = Callable[[Course, str, list[str], int, float, bool], dict[str, Outcome]]


def _run_control(course: Course, assignment: str, submission_timeout: float,
                 progress: bool, run: Runner | None = None) -> None:
    with control.scratch_course(course, assignment) as scratch:
        control.check_release(scratch, course, assignment)
        outcome = (run or _run)(scratch, assignment, [control.STUDENT], 1, submission_timeout,
                                False)[control.STUDENT]
        if outcome.status != "graded":
            raise control.ControlFailed(
                f"control failed: grading the reference solution of {assignment} failed "
                f"({outcome.message}). No student was graded.")
        summary = control.verdict(scratch, assignment)
    if progress:
        tqdm.write(summary)


def _run(course: Course, assignment: str, students: list[str], jobs: int,
         submission_timeout: float, progress: bool) -> dict[str, Outcome]:
    """Grade ``students`` in ``jobs`` forked grading processes, one submission at a time
    each; a process that dies or runs out of time takes only its current student with it."""
    pending, outcomes = list(students), {}
    graders: list[_Grader] = []
    bar = tqdm(total=len(pending), desc=f"grading {assignment}", unit="submission",
               disable=not progress or not pending)
    try:
        while pending or any(g.student is not None for g in graders):
            for grader in [g for g in graders if g.student is None]:
                if not pending or grader.sent >= SUBMISSIONS_PER_PROCESS or \
                        not grader.process.is_alive() or not _send(grader, pending[0]):
                    _retire(grader)
                    graders.remove(grader)
                else:
                    pending.pop(0)
            while pending and len(graders) < jobs:
                slot = min(set(range(jobs)) - {g.slot for g in graders})
                graders.append(grader := _fork_grader(course, assignment, slot, jobs,
                                                      [g.conn for g in graders]))
                student = pending.pop(0)
                if not _send(grader, student):
                    outcomes[student] = Outcome(student, "error", 0.0, "the grading process "
                                                f"died at its start (exit code "
                                                f"{grader.process.exitcode})")
                    bar.update(1)
            time.sleep(0.05)
            for grader in [g for g in graders if g.student is not None]:
                student = grader.student
                outcome = _poll(grader, submission_timeout)
                if outcome is not None:
                    outcomes[student] = outcome
                    bar.update(1)
    finally:
        for grader in graders:
            _retire(grader)
        bar.close()
    return outcomes


def _fork_grader(course: Course, assignment: str, slot: int, jobs: int,
                 others: list[Any]) -> _Grader:
    """A new grading process; ``others``: the batch's ends of the other graders' pipes."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=True)
    process = context.Process(target=_grader, daemon=False,
                              args=(course, assignment, slot, jobs, theirs, [ours, *others]))
    process.start()
    theirs.close()
    return _Grader(process, ours, slot)


def _send(grader: _Grader, student: str) -> bool:
    """Hand ``student`` to an idle grader (False: it is gone; the student stays pending)."""
    try:
        grader.conn.send(student)
    except OSError:
        return False
    grader.student, grader.started, grader.sent = student, time.monotonic(), grader.sent + 1
    return True


def _retire(grader: _Grader) -> None:
    """Stop a grader: asked to when idle, killed while it is still grading."""
    if grader.student is None and grader.process.is_alive():
        with contextlib.suppress(OSError):
            grader.conn.send(None)
        grader.process.join(5)
    if grader.process.is_alive():
        _kill(grader.process)
    grader.conn.close()


def _poll(grader: _Grader, submission_timeout: float) -> Outcome | None:
    """How the grader's current submission ended, or None while it is being graded within
    its time. A grader that ran out of time is killed; one that died stays dead."""
    assert grader.student is not None
    student, elapsed = grader.student, time.monotonic() - grader.started
    reply = None
    if grader.conn.poll():
        try:
            reply = grader.conn.recv()
        except (EOFError, OSError):  # its end of the pipe closed: it died
            grader.process.join(5)
    if reply is not None:
        outcome = Outcome(student, "graded" if reply["success"] else "error", elapsed,
                          "" if reply["success"] else reply["error"])
    elif not grader.process.is_alive():
        outcome = Outcome(student, "error", elapsed,
                          f"the grading process died (exit code {grader.process.exitcode})")
    elif elapsed > submission_timeout:
        _kill(grader.process)
        outcome = Outcome(student, "error", elapsed,
                          f"grading took longer than {submission_timeout:.0f} s and was stopped")
    else:
        return None
    grader.student = None
    return outcome


def _warm_up(course: Course, assignment: str) -> None:
    """Do once, before forking, what every worker would otherwise redo: import nbgrader's
    converters and pytest, build the reference namespaces, and grade each reference once
    here (pytest loads its plugins and rewrites the hidden tests' modules, jsonschema
    builds nbgrader's metadata validators, mistune its markdown parser), and find the
    kernel's spec (jupyter_client imports IPython for it): 0.5 s of CPU per worker
    otherwise."""
    from jupyter_client.kernelspec import KernelSpecManager
    from nbgrader.nbgraderformat import MetadataValidator

    from autograder import mistakes
    from autograder.grading.active_content import RemoveActiveContent
    from autograder.grading.reference import reference_namespace
    from autograder.grading.verdict import grade_namespace, graded_questions
    from autograder.sandbox.limits import bwrap_works

    bwrap_works()
    for notebook in course.notebooks(assignment):
        source = course.path("source_directory") / assignment / f"{notebook}.ipynb"
        nb = nbformat.read(source, as_version=4)
        MetadataValidator().validate_nb(nb)
        RemoveActiveContent().preprocess(nbformat.from_dict(nb), {})
        KernelSpecManager().get_kernel_spec(nb.metadata.get("kernelspec", {}).get("name",
                                                                                  "python3"))
        questions = sorted(set(graded_questions(nb).values()))
        if questions:  # a notebook of plain nbgrader tests has no hidden tests to warm
            grade_namespace(reference_namespace(source), questions, source, seed=0)
        for question in questions:  # what a failed answer is compared with
            mistakes.load_for(question)


def _kill(process: Any) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.join(5)


def _ensure_in_gradebook(course: Course, assignment: str) -> None:
    """nbgrader grades against the cells saved by generate_assignment: make sure they exist."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            known = gb.find_assignment(assignment).notebooks
        except MissingEntry:
            known = []
    if not known:
        result = NbGraderAPI(coursedir=course.coursedir, config=course.config) \
            .generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise RuntimeError(f"could not register {assignment}: {result.get('error')}")


def save_outcomes(outcomes: list[Outcome], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = {}
    if path.is_file():
        previous = {o["student"]: o for o in json.loads(path.read_text())}
    for outcome in outcomes:
        if outcome.status != "skipped" or outcome.student not in previous:
            previous[outcome.student] = asdict(outcome)
    path.write_text(json.dumps(sorted(previous.values(), key=lambda o: o["student"]), indent=1))
