"""Grading on a Dask cluster: ``autograder grade A --scheduler tcp://HOST:PORT``.

The client (this module, in the TA's ``autograder grade``) sends one Dask task per submission
to the scheduler; workers started with the course's preload
(:mod:`autograder.workflow.cluster_worker`) grade them. See docs/cluster.md for starting them.

* **No shared file system.** A task carries the submission's files, read here without
  following links and within bounds, and the fingerprint of this course (configuration,
  solutions, hidden tests, the autograder's source, lib, package versions). Before anything
  is graded every worker's fingerprint is compared with ours, and each task is checked
  again where it runs: a worker whose course differs refuses, and the batch stops with an
  error naming the differing parts.
* **The same pipeline and sandbox.** The worker grades in a scratch course through the local
  batch's runner, up to and including the execute step (``HiddenTestsExecute``: the sandboxed
  kernels, probes and verdicts), and returns the executed notebooks.
* **One writer.** This process records each result with nbgrader's own ``autograde``, the
  execute step replaced by :class:`ReplayExecuted` (the worker's notebook, checked to be this
  submission's); ``SaveAutoGrades``, the strict late penalties and everything after run here
  as in a local batch, into this course's gradebook and ``autograded/``. The ``.autograder.json``
  records are written as locally, so a killed client resumes where it stopped.
* **The control first**, through the same cluster path, before any student task is sent.
* **Faults.** Task keys are deterministic (assignment, student, submission hash, course). A
  task that raises is retried once (``retries=1``); a worker that dies has its tasks
  rescheduled by the scheduler, and a submission whose worker dies twice (the scheduler's
  ``allowed-failures`` is set to 1) gets a per-student error. Nothing is recorded twice: a
  result is recorded once, by this process, and only for the submission that was sent.
* **GPUs.** Assignments listed in ``c.ClusterGrading.gpu_assignments`` go to workers started
  with a ``GPU`` resource when the cluster has any; otherwise to the other workers.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib.util
import json
import os
import stat
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from distributed import Client, Future, as_completed
from distributed.scheduler import KilledWorker
from nbformat import NotebookNode
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import NbGraderPreprocessor
from tqdm import tqdm
from traitlets import Bool, Dict, List, Unicode
from traitlets.config import Configurable
from traitlets.config.loader import PyFileConfigLoader

from autograder.grading.sanitize import unsafe_entries
from autograder.sandbox.mounts import MAX_FILES
from autograder.workflow import cluster_worker as worker_side
from autograder.workflow import grade as batch
from autograder.workflow.course import MAX_NOTEBOOK_BYTES, Course

#: What one task may carry: a submission folder is a few notebooks and a time stamp.
MAX_SUBMISSION_BYTES = 4 * MAX_NOTEBOOK_BYTES
CONNECT_SECONDS = 30
WORKER_WAIT_SECONDS = 120
#: The scheduler's allowed-failures: a task survives one dead worker, not two.
ALLOWED_FAILURES = 1


class ClusterError(ValueError):
    """The cluster cannot grade this course (unreachable, no workers, a worker whose course
    differs): the batch stops, saying what to fix."""


class ClusterGrading(Configurable):
    """Settings of ``autograder grade --scheduler`` (in ``nbgrader_config.py``)."""

    gpu_assignments = List(Unicode(), help="Assignments whose submissions want a GPU: graded on "
                                           "workers started with a GPU resource (`dask worker "
                                           "--resources GPU=1`) where the cluster has any, on "
                                           "the other workers otherwise.").tag(config=True)


class ReplayExecuted(NbGraderPreprocessor):
    """The execute step of a submission executed on a cluster worker: the worker's executed
    notebook in place of the one sanitized here, once checked to be the same submission (the
    same cells, sources and nbgrader metadata: only outputs may differ)."""

    enabled = Bool(True).tag(config=True)
    notebooks = Dict(help="notebook name -> the worker's executed notebook (JSON)").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        name = resources["nbgrader"]["notebook"]
        if name not in self.notebooks:
            raise RuntimeError(f"the cluster returned no executed {name}.ipynb")
        executed = nbformat.reads(self.notebooks[name], as_version=4)
        if _cells(executed) != _cells(nb):
            raise RuntimeError(f"the {name}.ipynb executed on the cluster differs from the "
                               "submission sanitized here in its cells: not graded")
        return executed, resources


def _cells(nb: NotebookNode) -> list[tuple[Any, ...]]:
    return [(cell.cell_type, cell.source, cell.get("id"), cell.metadata.get("nbgrader"))
            for cell in nb.cells]


def grade(course: Course, assignment: str, students: list[str], *, scheduler: str,
          submission_timeout: float, progress: bool) -> dict[str, batch.Outcome]:
    """Grade the control, then ``students``, on the cluster of ``scheduler``; one outcome per
    student. ClusterError or ControlFailed stop the batch."""
    with _connect(scheduler) as client:
        _check_workers(client, course, assignment)
        renders = client.run_on_scheduler(_scheduler_policy)
        link = _dashboard_link(client)
        if progress and link:
            tqdm.write(f"Dask dashboard: {link}" + ("" if renders else " (install bokeh on the "
                                                    "scheduler's machine to see it)"))
        run = _Batch(client, _resources(client, course, assignment, progress))
        first, preparing = run.prepare(course, assignment)
        try:
            batch._run_control(course, assignment, submission_timeout, progress,
                               run=functools.partial(run, after=first))
            return run(course, assignment, students, 0, submission_timeout, progress)
        finally:
            client.cancel(preparing)


@contextlib.contextmanager
def _connect(scheduler: str) -> Iterator[Client]:
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        yield client


def _check_workers(client: Client, course: Course, assignment: str) -> None:
    """Every worker must hold this course (and one must be there): ClusterError otherwise."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except TimeoutError:
        raise ClusterError(f"no Dask worker joined the scheduler within {WORKER_WAIT_SECONDS} "
                           "s; start workers as docs/cluster.md says") from None
    ours = worker_side.fingerprint(course, assignment)
    refusals = []
    answers = client.run(worker_side.installed_fingerprint, assignment, on_error="return")
    for address, theirs in sorted(answers.items()):
        if not isinstance(theirs, dict):
            refusals.append(f"{address}: {theirs}")
        elif found := worker_side.differences(ours, theirs, "on the worker"):
            refusals.append(f"{address}: its installed course differs from this one in "
                            + "; ".join(found))
    if refusals:
        raise ClusterError("these Dask workers cannot grade this course, so nothing was "
                           "graded:\n  " + "\n  ".join(refusals) + "\nInstall the same course "
                           "and packages on every worker (docs/cluster.md).")


def _scheduler_policy(dask_scheduler: Any) -> bool:
    """Runs on the scheduler: a submission whose worker dies twice gets an error
    (allowed-failures 1); a worker is sent only the tasks it can start (worker-saturation
    1.0), so that a dying worker counts no queued task against its retries. Returns whether
    the scheduler can draw its dashboard (bokeh)."""
    dask_scheduler.allowed_failures = ALLOWED_FAILURES
    dask_scheduler.WORKER_SATURATION = 1.0
    return importlib.util.find_spec("bokeh") is not None


def _dashboard_link(client: Client) -> str | None:
    try:
        return client.dashboard_link
    except KeyError:  # the scheduler serves no dashboard (bokeh is not installed there)
        return None


def _resources(client: Client, course: Course, assignment: str,
               progress: bool) -> dict[str, float] | None:
    """``{"GPU": 1}`` for an assignment that wants a GPU where some worker has one."""
    if assignment not in ClusterGrading(config=course.config).gpu_assignments:
        return None
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    gpus = sum(1 for w in workers if w.get("resources", {}).get("GPU", 0) >= 1)
    if progress:
        tqdm.write(f"{assignment} wants a GPU: graded on the {gpus} worker(s) with one" if gpus
                   else f"{assignment} wants a GPU, but no worker has one: graded on the others")
    return {"GPU": 1} if gpus else None


class _Batch:
    """A runner like the local batch's (:data:`autograder.workflow.grade.Runner`): one task
    per submission, a window of them in flight (the scheduler holds their files), each result
    recorded here as it arrives."""

    def __init__(self, client: Client, resources: dict[str, float] | None) -> None:
        self.client, self.resources = client, resources

    def prepare(self, course: Course, assignment: str) -> tuple[Future | None, list[Future]]:
        """Each worker that will grade makes the assignment ready before its first
        submission: one worker at once (its task is returned: the control waits for it and
        runs there), the others once it is done, while the control is graded (all at once,
        they would share the cores with it and delay it; one after another, the students
        would wait)."""
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        fingerprint, overrides = worker_side.fingerprint(course, assignment), _overrides(course)
        able = sorted(address for address, info in workers.items()
                      if all(info.get("resources", {}).get(name, 0) >= amount
                             for name, amount in (self.resources or {}).items()))
        if not able:
            return None, []
        prepare = functools.partial(self.client.submit, worker_side.prepare, assignment,
                                    fingerprint, overrides, pure=False,
                                    resources=self.resources)
        first = prepare(workers=able[:1], allow_other_workers=True)
        return first, [first, *(prepare(after=first, workers=[address])
                                for address in able[1:])]

    def __call__(self, course: Course, assignment: str, students: list[str], jobs: int,
                 submission_timeout: float, progress: bool, *,
                 after: Future | None = None) -> dict[str, batch.Outcome]:
        """Grade ``students``; with ``after``, each where that task ran, once it is done."""
        fingerprint = worker_side.fingerprint(course, assignment)
        overrides = _overrides(course)
        setup = batch.files_hash({"fingerprint": json.dumps(fingerprint, sort_keys=True).encode(),
                                  "overrides": repr(sorted(overrides.items())).encode(),
                                  "timeout": str(submission_timeout).encode()})
        waiting, outcomes = deque(students), {}
        in_flight: dict[Future, tuple[str, str]] = {}
        finished = as_completed(loop=self.client.loop)
        bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="submission",
                   disable=not progress or not students)
        try:
            while waiting or in_flight:
                while waiting and len(in_flight) < self._window():
                    student = waiting.popleft()
                    folder = course.path("submitted_directory") / student / assignment
                    try:
                        files = read_submission(folder)
                    except ValueError as exc:
                        outcomes[student] = batch.Outcome(student, "error", message=str(exc))
                        bar.update(1)
                        continue
                    if files is None:  # links: nbgrader's RefuseLinks fails it here, as locally
                        outcomes[student] = _record(course, assignment, student, {}, None, 0.0)
                        bar.update(1)
                        continue
                    task = worker_side.Task(assignment, student, files, batch.files_hash(files),
                                            fingerprint, overrides, submission_timeout)
                    future = self.client.submit(
                        worker_side.grade_submission, task, retries=1,
                        key=f"autograde-{assignment}-{student}-{task.digest[:16]}-{setup[:8]}",
                        resources=self.resources, after=after)
                    in_flight[future] = (student, task.digest)
                    finished.add(future)
                if not in_flight:
                    continue
                future = next(finished)
                student, digest = in_flight.pop(future)
                outcomes[student] = _outcome(course, assignment, student, digest, future)
                bar.update(1)
        finally:
            bar.close()
            self.client.cancel(list(in_flight))
        return outcomes

    def _window(self) -> int:
        """Tasks in flight: twice the cluster's threads (they join and leave)."""
        return max(2, 2 * sum(self.client.nthreads().values()))


def _outcome(course: Course, assignment: str, student: str, digest: str,
             future: Future) -> batch.Outcome:
    """How a task ended, its result recorded here; ClusterError if a worker refused it."""
    try:
        result = future.result()
    except KilledWorker:
        return batch.Outcome(student, "error", message=(
            f"the Dask workers grading it died {ALLOWED_FAILURES + 1} times (KilledWorker): "
            "nothing was recorded; run grade again to retry"))
    except Exception as exc:  # the task failed twice (Dask retried it once)
        return batch.Outcome(student, "error", message=f"grading on the cluster failed: "
                                                       f"{type(exc).__name__}: {exc}"[:300])
    if result.status == "refused":
        raise ClusterError(f"the Dask worker {result.worker} refused to grade {student}: "
                           f"{result.message}. The batch stopped; what was recorded before is "
                           "kept. Install the same course and packages on every worker "
                           "(docs/cluster.md).")
    if result.status != "graded":
        return batch.Outcome(student, "error", result.seconds, result.message)
    return _record(course, assignment, student, result.notebooks, digest, result.seconds)


def _record(course: Course, assignment: str, student: str, notebooks: dict[str, bytes],
            digest: str | None, seconds: float) -> batch.Outcome:
    """nbgrader's autograde of the submission here, its execute step replaced by the
    worker's executed notebooks: this course's gradebook and autograded/ as a local batch
    writes them. ``digest`` is the hash of what was sent (None: nothing was)."""
    folder = course.path("submitted_directory") / student / assignment
    if digest is not None and batch.submission_hash(folder) != digest:
        return batch.Outcome(student, "error", seconds, "the submission changed while it was "
                                                        "graded: not recorded; grade it again")
    replay = _replaying(course, notebooks)
    result = NbGraderAPI(coursedir=replay.coursedir, config=replay.config).autograde(
        assignment, student, force=True, create=True)
    if not result.get("success") or digest is None:
        return batch.Outcome(student, "error", seconds, batch._last_line(
            f"{result.get('log') or ''}\n{result.get('error') or ''}"))
    batch.mark_graded(course, assignment, student, digest)
    return batch.Outcome(student, "graded", seconds)


def _replaying(course: Course, notebooks: dict[str, bytes]) -> Course:
    config = copy.deepcopy(course.config)
    config.Autograde.autograde_preprocessors = [
        ReplayExecuted, *worker_side.autograde_steps(course.config)[1]]
    config.ReplayExecuted.notebooks = {name: data.decode() for name, data in notebooks.items()}
    return Course(course.root, config)


def _overrides(course: Course) -> dict[str, dict[str, Any]]:
    """The course's settings beyond its nbgrader_config.py (such as ``--cell-timeout``), for
    the workers to apply to their own copy; folders and gradebook are each side's own."""
    on_disk = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    found: dict[str, dict[str, Any]] = {}
    for section, values in course.config.items():
        if section == "CourseDirectory" or not isinstance(values, dict):
            continue
        saved = on_disk.get(section, {})
        changed = {key: value for key, value in values.items()
                   if key not in saved or saved[key] != value}
        if changed:
            found[section] = changed
    return found


def read_submission(folder: Path) -> dict[str, bytes] | None:
    """The submission's regular files (relative path -> contents), read without following
    links and within bounds (ValueError past them); None if the folder holds a link or a
    special file (which nbgrader's RefuseLinks refuses, naming them)."""
    if unsafe_entries(str(folder)):
        return None
    files, total = {}, 0
    for top, _, names in os.walk(folder):
        for name in names:
            path = Path(top, name)
            data = _read_regular(path, min(MAX_NOTEBOOK_BYTES, MAX_SUBMISSION_BYTES - total))
            files[path.relative_to(folder).as_posix()] = data
            total += len(data)
            if len(files) > MAX_FILES:
                raise ValueError(f"the submission holds over {MAX_FILES} files")
    return files


def _read_regular(path: Path, limit: int) -> bytes:
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ValueError(f"{path.name} cannot be read: {exc.strerror}") from None
    with os.fdopen(handle, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            raise ValueError(f"{path.name} is not a plain file")
        data = source.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path.name} is over the {MAX_NOTEBOOK_BYTES // 1024**2} MiB per file "
                         f"(or {MAX_SUBMISSION_BYTES // 1024**2} MiB per submission) sent to "
                         "the cluster")
    return data
