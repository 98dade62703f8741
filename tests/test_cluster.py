"""Grading on a Dask cluster (`autograder grade --scheduler`), on this machine over loopback.

The tests start a `dask scheduler` and one `dask worker` command with two worker processes on
127.0.0.1; the workers' course is a copy of its own (nothing shared with the client's but the
installed package). Each grading course is another copy, with the same configuration and a
fixed hidden-test seed, so that a local `--jobs 2` batch of the same class is the reference:
the cluster must give the same gradebook and byte-identical autograded notebooks, also when a
worker is killed mid-batch. A worker whose course differs is refused and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import cloudpickle
import nbformat
import pytest
from conftest import make_course
from distributed import Client
from nbgrader.api import Gradebook

from autograder.grading.timestamps import format_timestamp
from autograder.sandbox import run, warm
from autograder.workflow import demo, release
from autograder.workflow import grade as batch
from autograder.workflow.course import Course

pytestmark = pytest.mark.slow
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # functions sent to the workers

A, NB = "01-regression", "regression.ipynb"
LINKED = "linked_solution"
CLASS = ("reference", "blank", "partly_right", "late_2_5_days", "late_11_days",
         "infinite_loop", "stderr_noise", "invalid_json", LINKED)
#: The same hidden-test inputs in every run (by default each submission draws a fresh seed).
SEED = "\nc.HiddenTestsExecute.seed = 20261009\n"
DASK = str(Path(sys.executable).parent / "dask")
PRELOAD = ["--preload", "autograder.workflow.cluster_worker"]


def _course(folder: Path, students: tuple[str, ...] = CLASS) -> Course:
    folder.mkdir(parents=True)
    make_course(folder)
    with open(folder / "nbgrader_config.py", "a") as config:
        config.write(SEED)
    course = Course.load(folder)
    if not students:
        return course
    release.generate(course, [A])
    answers = demo.submissions(folder / "solutions" / A / NB, folder / "assignments" / A / NB)
    for student in students:
        target = course.path("submitted_directory") / student / A
        target.mkdir(parents=True)
        if student == LINKED:  # the reference solution, through a link
            (target / NB).symlink_to(folder / "solutions" / A / NB)
            (target / "timestamp.txt").write_text(format_timestamp(demo.DUE))
            continue
        content, offset = answers[student]
        if isinstance(content, str):
            (target / NB).write_text(content)
        else:
            nbformat.write(content, target / NB)
        (target / "timestamp.txt").write_text(format_timestamp(demo.DUE + offset))
    return course


def _gradebook(course: Course) -> dict[str, dict]:
    """Everything nbgrader recorded per submission (no database ids or creation times)."""
    with Gradebook(course.db_url) as gb:
        return {s.student.id: {
            "timestamp": s.timestamp, "seconds late": s.total_seconds_late,
            "penalty": s.late_submission_penalty, "score": s.score,
            "grades": {(nb.name, g.name): (g.auto_score, g.manual_score, g.needs_manual_grade,
                                           g.max_score) for nb in s.notebooks for g in nb.grades},
            "comments": {(nb.name, c.name): c.auto_comment
                         for nb in s.notebooks for c in nb.comments}}
            for s in gb.assignment_submissions(A)}


def _autograded(course: Course) -> dict[str, bytes | str]:
    """autograded/: every file's bytes; of the resume records, the hash they record."""
    folder = course.path("autograded_directory")
    return {str(p.relative_to(folder)): json.loads(p.read_text())["hash"]
            if p.name == batch.RECORD else p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Course:
    course = _course(tmp_path_factory.mktemp("local") / "course")
    batch.grade(Course.load(course.root, HiddenTestsExecute={"timeout": 5}), A, jobs=2,
                submission_timeout=120, progress=False)
    return course


def _start(command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """The process and all it started (its own session), gracefully, then for sure."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _leave(client: Client, process: subprocess.Popen, before: set[str]) -> None:
    """Stop the workers of ``process`` and wait until the scheduler has only ``before``."""
    _stop(process)
    deadline = time.monotonic() + 60
    while set(client.nthreads()) - before:
        assert time.monotonic() < deadline, "a stopped worker stayed registered"
        time.sleep(0.2)


def _workers(address: str, course: Path, log: Path, *options: str) -> subprocess.Popen:
    return _start([DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                   "--no-dashboard", *options, *PRELOAD, "--course", str(course)], log)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[SimpleNamespace]:
    folder = tmp_path_factory.mktemp("cluster")
    installed = _course(folder / "installed", students=())
    info = folder / "scheduler.json"
    scheduler = _start([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(info)],
                       folder / "scheduler.log")
    processes = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not info.is_file():
            assert time.monotonic() < deadline and scheduler.poll() is None, "no scheduler"
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        processes.append(_workers(address, installed.root, folder / "workers.log",
                                  "--nworkers", "2"))
        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
            yield SimpleNamespace(address=address, client=client, installed=installed,
                                  folder=folder)
    finally:
        for process in reversed(processes):
            _stop(process)


def _grade(course: Course, cluster: SimpleNamespace, **popen: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder", "--root", str(course.root),
                             "grade", A, "--scheduler", cluster.address, "--cell-timeout", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _finish(process: subprocess.Popen, status: int = 0) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == status, f"{out[-3000:]}\n{err[-3000:]}"
    return out + err


def test_the_cluster_grades_as_the_local_batch(local, cluster, tmp_path):
    course = _course(tmp_path / "course")
    output = _finish(_grade(course, cluster))
    assert "control: the reference solution earned 22 of 22 automatic points" in output
    assert re.search(r"Dask dashboard: http://127\.0\.0\.1:\d+/status", output)
    assert _gradebook(course) == _gradebook(local)
    assert _autograded(course) == _autograded(local)
    assert "invalid_json         error" in output and "not a valid notebook" in output
    assert re.search(rf"{LINKED} +error .*symbolic links", output)
    assert _gradebook(course)[LINKED]["score"] == 0  # the solution it links to was not read

    again = _finish(_grade(course, cluster))  # resumed: nothing left to grade
    assert again.count("already graded") == len(CLASS) - 2  # the two errors are tried again
    assert _gradebook(course) == _gradebook(local)


def test_each_worker_process_is_a_grading_run_of_its_own(cluster):
    """One worker's clean-up after a batch must never reach another's kernels."""
    runs = cluster.client.run(lambda: (os.getpid(), run.RUN))
    assert len({r for _, r in runs.values()}) == len(runs) == 2
    assert all(r.startswith(f"{pid}-") for pid, r in runs.values())


def _factories() -> list[dict]:
    """This worker process's warm kernel factories (run on a worker)."""
    from autograder.sandbox import warm

    found = []
    for factory in warm._factories.values():
        stat = Path(f"/proc/{factory.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        found.append({"pid": factory.process.pid, "modules": factory.requested,
                      "alive": factory.process.poll() is None,
                      "socket": os.path.exists(factory.path),
                      # CPU of the exited children it reaped (utime + stime): its kernels'
                      "kernels_cpu": int(stat[13]) + int(stat[14])})
    return found


@pytest.mark.skipif(warm.unavailable() is not None, reason=str(warm.unavailable()))
def test_each_worker_forks_its_kernels_from_one_factory_per_assignment(cluster, tmp_path):
    """A worker process starts one factory per assignment and keeps it between tasks: a
    submission pays for a fork, not for a Python start and the assignment's imports."""
    course = _course(tmp_path / "course", students=("reference", "blank", "partly_right",
                                                     "stderr_noise"))
    _finish(_grade(course, cluster))
    factories = cluster.client.run(_factories)
    assert len(factories) == 2
    for worker, found in factories.items():
        assert len(found) == 1, f"{worker} has {len(found)} factories for one assignment"
        assert found[0]["modules"] == batch._imports(course, A)
        assert found[0]["alive"] and found[0]["socket"], f"{worker}'s factory is gone"
    assert any(found[0]["kernels_cpu"] > 0 for found in factories.values()), \
        "no kernel was forked from the workers' factories"


def test_the_control_runs_where_the_first_worker_prepared_while_the_others_prepare(
        cluster, tmp_path):
    """One worker prepares first and grades the control; the others prepare meanwhile
    (all at once, they would share the cores with the first one and delay the control)."""
    cluster.client.get_task_stream()  # the scheduler records the task stream from now on
    start = time.time()
    _finish(_grade(_course(tmp_path / "course", students=("reference",)), cluster))
    tasks = [t for t in cluster.client.get_task_stream(start=start)
             if str(t["key"]).startswith(("prepare-", "autograde-"))]

    def computed(task: dict) -> tuple[float, float]:
        (span,) = [s for s in task["startstops"] if s["action"] == "compute"]
        return span["start"], span["stop"]

    prepares = sorted((t for t in tasks if str(t["key"]).startswith("prepare-")),
                      key=lambda t: computed(t)[0])
    (control,) = [t for t in tasks if "-reference-control-" in str(t["key"])]
    assert len(prepares) == 2 and prepares[0]["worker"] != prepares[1]["worker"]
    assert control["worker"] == prepares[0]["worker"]
    # (a compute's recorded stop may come after its result already went on: compare starts)
    assert computed(prepares[0])[0] < computed(control)[0]
    assert computed(prepares[0])[0] < computed(prepares[1])[0] < computed(control)[1]


def _kill_factories() -> list[int]:
    """Kill this worker process's factories (run on a worker); their pids."""
    from autograder.sandbox import warm

    pids = [factory.process.pid for factory in warm._factories.values()]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


@pytest.mark.skipif(warm.unavailable() is not None, reason=str(warm.unavailable()))
def test_a_factory_that_died_between_tasks_is_started_again(local, cluster, tmp_path):
    """A factory killed between two batches (or gone with the thread that started it):
    the next task starts a new one, and grades as before."""
    _finish(_grade(_course(tmp_path / "first", students=("reference",)), cluster))
    killed = cluster.client.run(_kill_factories)
    assert any(killed.values())
    course = _course(tmp_path / "course", students=("reference", "partly_right"))
    _finish(_grade(course, cluster))
    assert _gradebook(course) == {s: _gradebook(local)[s] for s in ("reference", "partly_right")}
    factories = cluster.client.run(_factories)
    for worker, found in factories.items():  # each batch prepares every worker
        assert len(found) == 1 and found[0]["alive"] and found[0]["socket"], worker
        assert found[0]["pid"] not in killed.get(worker, []), f"{worker} kept a dead factory"
    assert any(found[0]["kernels_cpu"] > 0 for found in factories.values()), \
        "no kernel was forked from the new factories"


def _running(client: Client, student: str) -> str | None:
    """The worker that has been grading ``student`` for a second, if one has."""
    for _ in range(2):
        found = [worker for worker, keys in client.processing().items()
                 if any(f"-{student}-" in str(key) for key in keys)]
        if not found:
            return None
        time.sleep(1)
    still = client.processing().get(found[0], [])
    return found[0] if any(f"-{student}-" in str(key) for key in still) else None


def _kill_while_grading(client: Client, student: str, times: int) -> None:
    """Kill the worker process grading ``student``, ``times`` times (a new attempt each)."""
    killed: list[str] = []
    deadline = time.monotonic() + 300
    while len(killed) < times:
        assert time.monotonic() < deadline, f"{student} was not seen running {times} times"
        worker = _running(client, student)
        if worker is not None and worker not in killed:
            os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
            killed.append(worker)
        time.sleep(0.2)


def test_a_worker_killed_mid_batch_changes_nothing(local, cluster, tmp_path):
    students = ("infinite_loop", "late_2_5_days", "partly_right")
    course = _course(tmp_path / "course", students)
    grading = _grade(course, cluster)
    _kill_while_grading(cluster.client, "infinite_loop", times=1)  # a 10 s submission
    _finish(grading)
    assert _gradebook(course) == {s: _gradebook(local)[s] for s in students}
    assert _autograded(course) == {name: data for name, data in _autograded(local).items()
                                   if Path(name).parts[0] in students}
    cluster.client.wait_for_workers(2, timeout=120)  # the nanny started a new one


def test_a_submission_whose_worker_dies_twice_gets_an_error(local, cluster, tmp_path):
    course = _course(tmp_path / "course", students=("infinite_loop", "reference"))
    grading = _grade(course, cluster)
    _kill_while_grading(cluster.client, "infinite_loop", times=2)
    output = _finish(grading)
    assert re.search(r"infinite_loop +error .*workers grading it died 2 times", output)
    assert "infinite_loop" not in _gradebook(course)
    assert _gradebook(course)["reference"] == _gradebook(local)["reference"]
    cluster.client.wait_for_workers(2, timeout=120)


def test_a_worker_with_another_course_is_refused_and_nothing_is_written(cluster, tmp_path):
    other = _course(tmp_path / "other", students=())
    solution = other.path("source_directory") / A / NB
    nb = nbformat.read(solution, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("An instructor's late edit."))
    nbformat.write(nb, solution)
    before = set(cluster.client.nthreads())
    stranger = _workers(cluster.address, other.root, tmp_path / "stranger.log")
    try:
        cluster.client.wait_for_workers(3, timeout=120)
        (address,) = set(cluster.client.nthreads()) - before
        course = _course(tmp_path / "course", students=("reference", "blank"))
        gradebook_before = _gradebook(course)
        error = _finish(_grade(course, cluster), status=2)
    finally:
        _leave(cluster.client, stranger, before)
    assert f"{address}: its installed course differs from this one in solutions/{A}/" in error
    assert "nothing was graded" in error
    assert _gradebook(course) == gradebook_before == {}
    assert not course.path("autograded_directory").exists()
    assert not course.outcomes_path(A).exists()


def test_an_assignment_that_wants_a_gpu_goes_to_the_gpu_workers(cluster, tmp_path):
    """Resources are labels to Dask: a worker started with GPU=1 stands in for one here."""
    course = _course(tmp_path / "course", students=("reference",))
    before = set(cluster.client.nthreads())
    gpu = _workers(cluster.address, cluster.installed.root, tmp_path / "gpu.log",
                   "--resources", "GPU=1")
    try:
        cluster.client.wait_for_workers(3, timeout=120)
        cluster.client.get_task_stream()  # the scheduler records from now on
        start = time.time()
        wants_gpu = Course.load(course.root, ClusterGrading={"gpu_assignments": [A]},
                                HiddenTestsExecute={"timeout": 5})
        outcomes = batch.grade(wants_gpu, A, scheduler=cluster.address, progress=False)
        workers = {task["worker"] for task in cluster.client.get_task_stream(start=start)
                   if str(task["key"]).startswith(f"autograde-{A}-")}
        gpu_worker = {w for w, info in cluster.client.scheduler_info(n_workers=-1)["workers"]
                      .items() if info.get("resources", {}).get("GPU")}
    finally:
        _leave(cluster.client, gpu, before)
    assert [o.status for o in outcomes] == ["graded"]
    assert len(gpu_worker) == 1 and workers == gpu_worker and not gpu_worker & before
    assert _gradebook(course)["reference"]["score"] == 22


def test_grading_on_one_machine_needs_no_dask(tmp_path):
    """Without the cluster extra: the CLI and the local batch import, and `--scheduler` says
    what to install instead of failing on an import."""
    course = _course(tmp_path / "course", students=())
    blocked = ("import sys; sys.modules['distributed'] = None; import autograder.cli as cli; "
               "import autograder.workflow.grade; "
               "assert not any(m.startswith(('distributed', 'dask')) for m in sys.modules "
               "if sys.modules[m] is not None); "
               f"sys.exit(cli.main(['--root', {str(course.root)!r}, 'grade', {A!r}, "
               "'--scheduler', 'tcp://127.0.0.1:1']))")
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "--scheduler needs Dask's distributed, which is not installed" in done.stderr
    assert "pip install '.[cluster]'" in done.stderr
