"""The sandbox itself: who the kernel is, what it can read and write, what it leaves behind.

These start real sandboxed kernels (as root where the machine allows, with and without
bubblewrap) and check from outside what the kernel could do.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.grading.sanitize import unsafe_entries
from autograder.sandbox import cgroups, kernel, mounts, run, warm
from autograder.sandbox.limits import bwrap_works, kernel_environment

pytestmark = pytest.mark.slow
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the grader is not root here")
MODES = [pytest.param(True, id="bubblewrap", marks=pytest.mark.skipif(
    not bwrap_works(), reason="bubblewrap does not work here")),
    pytest.param(False, id="no-bubblewrap"),
    pytest.param("warm", id="warm", marks=pytest.mark.skipif(
        warm.unavailable() is not None, reason=str(warm.unavailable())))]


@pytest.fixture
def sandbox_mode(request, monkeypatch):
    """Cold kernels with or without bubblewrap, or kernels forked by a warm factory."""
    if not request.param:
        monkeypatch.setattr(kernel, "bwrap_works", lambda uid=None: False)
    if request.param == "warm":
        warm.start(["numpy"], kernel_environment(os.environ, kernel.INLINE_BACKEND))
        assert warm.ready() is not None, "the kernel factory did not start"
    yield request.param
    warm.stop()


def _run(code: str, folder: Path, on_execute=None, **manager: object) -> str:
    """Execute ``code`` in a sandboxed kernel started in ``folder``; its stdout and errors."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    client = NotebookClient(nb, timeout=60, kernel_manager_class=kernel.SandboxedKernelManager,
                            resources={"metadata": {"path": str(folder)}}, allow_errors=True)
    if on_execute is not None:
        client.on_cell_complete = lambda **kw: on_execute(client)
    client.km = client.create_kernel_manager()
    client.km.course_root = str(folder)
    for name, value in manager.items():
        setattr(client.km, name, value)
    client.execute()
    return "".join(o.get("text", "") + o.get("evalue", "") for o in nb.cells[0].outputs)


@pytest.fixture
def secret(tmp_path):
    """A root-only file (0600) in a root-only folder (0700)."""
    folder = tmp_path / "closed"
    folder.mkdir(mode=0o700)
    (folder / "secret.txt").write_text("TOP-SECRET-CONTENT")
    (folder / "secret.txt").chmod(0o600)
    return folder / "secret.txt"


@ROOT_ONLY
@pytest.mark.parametrize("sandbox_mode", MODES, indirect=True)
def test_kernel_never_runs_as_host_root(sandbox_mode, secret, tmp_path):
    code = f"""
import os
print("uid", os.getuid(), os.geteuid())
for path in [{str(secret)!r}, "/root/.bashrc", "/etc/shadow"]:
    try:
        print(open(path).read())
    except OSError as error:
        print("refused", path, type(error).__name__)
print("home", sorted(os.listdir("/root")) if os.path.isdir("/root") else None)
"""
    folder = tmp_path / "nb"
    folder.mkdir()
    output = _run(code, folder)
    assert "TOP-SECRET-CONTENT" not in output
    assert f"refused {secret}" in output and "refused /etc/shadow" in output
    if not sandbox_mode:  # no user namespace: the kernel's uid is the host's
        assert "uid 61000 61000" in output
    # Root's home shows only what the kernel needs (the Python installation, if under it).
    home = output.split("home ")[1].splitlines()[0]
    visible = eval(home) or []  # a list of names printed by the kernel
    needed = {Path(p).relative_to("/root").parts[0] for p in kernel._python_installation()
              if p.startswith("/root/")}
    assert set(visible) <= needed


@ROOT_ONLY
@pytest.mark.parametrize("sandbox_mode", MODES, indirect=True)
def test_kernel_processes_seen_from_the_host_are_not_root(sandbox_mode, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    owners: list[int] = []

    def look(client: NotebookClient) -> None:
        launcher = client.km.provisioner.process.pid  # bwrap, or the kernel itself
        tree = [launcher, *_descendants(launcher)]
        owners.extend(os.stat(f"/proc/{pid}").st_uid for pid in tree)

    _run("import time\ntime.sleep(1)", folder, on_execute=look)
    assert owners and 0 not in owners


@ROOT_ONLY
@pytest.mark.parametrize("sandbox_mode", [m for m in MODES if m.id == "warm"], indirect=True)
def test_a_warm_kernel_leaves_nothing_to_the_next(sandbox_mode, tmp_path):
    """Two kernels forked by one factory, one after the other: the first changes every state
    it can reach (its modules, environment, folders, shared memory); the second sees none."""
    code = """
import os, sys
print("preloaded", "numpy" in sys.modules)
import numpy
seen = [name for name in ("/tmp/mark", "/dev/shm/mark", "mark")
        if os.path.exists(name)]
print("seen", seen, getattr(numpy, "mark", None), os.environ.get("MARK"), numpy.random.rand())
for name in ("/tmp/mark", "/dev/shm/mark", "mark"):
    open(name, "w").write("x")
numpy.mark, os.environ["MARK"] = "changed", "changed"
numpy.random.seed(0)
"""
    launchers: list[str] = []

    def look(client: NotebookClient) -> None:
        launchers.append(type(client.km.provisioner).__name__)

    outputs = []
    for i in range(2):
        folder = tmp_path / f"nb{i}"
        folder.mkdir()
        outputs.append(_run(code, folder, on_execute=look))
    assert launchers == ["WarmProvisioner"] * 2
    assert all("preloaded True" in output for output in outputs)
    seen = [output.split("seen ")[1].split()[:4] for output in outputs]
    assert seen[1][:3] == ["[]", "None", "None"], outputs[1]
    assert seen[0][3] != seen[1][3], "both kernels drew the same random numbers"
    assert not list(tmp_path.glob("nb*/mark"))


@ROOT_ONLY
def test_kernels_start_cold_where_the_factory_cannot_serve_them(tmp_path, monkeypatch):
    """The fallback: no factory (the setting off, or the platform), or a submission that
    ships a module the factory has imported (a cold kernel would import the student's)."""
    launchers: list[str] = []

    def look(client: NotebookClient) -> None:
        launchers.append(type(client.km.provisioner).__name__)

    warm.start(["numpy"], kernel_environment(os.environ, kernel.INLINE_BACKEND))
    try:
        shadowing = tmp_path / "shadowing"
        shadowing.mkdir()
        (shadowing / "numpy.py").write_text("pi = 'the student numpy'\n")
        assert "the student numpy" in _run("import numpy\nprint(numpy.pi)", shadowing,
                                           on_execute=look)
        plain = tmp_path / "plain"
        plain.mkdir()
        _run("print(1)", plain, on_execute=look, warm=False)
    finally:
        warm.stop()
    monkeypatch.setattr(warm, "unavailable", lambda: "not on this platform")
    monkeypatch.setattr(warm, "_failed", None)
    warm.start(["numpy"], kernel_environment(os.environ, kernel.INLINE_BACKEND))
    assert warm.ready() is None and warm.tried()
    assert "2" in _run("print(1 + 1)", plain, on_execute=look)
    assert launchers == ["LocalProvisioner"] * 3


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in map(int, task.read_text().split()):
            found += [child, *_descendants(child)]
    return found


def test_a_closed_folder_above_python_is_veiled_and_python_bound_back(tmp_path):
    closed = tmp_path / "home"
    (closed / "python" / "lib").mkdir(parents=True)
    closed.chmod(0o700)
    plan = mounts.plan(source=str(tmp_path), hide=[], expose=[],
                       reachable=[str(closed / "python")], writable=[], disk_bytes=1024**2)
    veil = mounts.closed_ancestor(str(closed / "python"))  # the outermost closed folder
    assert veil is not None and closed.is_relative_to(veil)
    kinds = [(m.kind, m.dest) for m in plan]
    assert ("tmpfs", veil) in kinds and ("ro-bind", str(closed / "python")) in kinds
    assert kinds.index(("tmpfs", veil)) < kinds.index(("ro-bind", str(closed / "python")))


def test_a_hidden_package_inside_the_exposed_environment_stays_hidden(tmp_path):
    """A plain `pip install .` puts autograder (hidden tests) in the environment's
    site-packages, which the kernel may read: it is hidden again over the bind."""
    prefix = tmp_path / "venv"
    package = prefix / "lib" / "site-packages" / "autograder"
    package.mkdir(parents=True)
    plan = mounts.plan(source=str(tmp_path / "work"), hide=[str(package)],
                       expose=[str(prefix)], reachable=[], writable=[], disk_bytes=1024**2)
    kinds = [(m.kind, m.dest) for m in plan]
    assert ("ro-bind", str(prefix)) in kinds and ("tmpfs", str(package)) in kinds
    assert kinds.index(("ro-bind", str(prefix))) < len(kinds) - kinds[::-1].index(
        ("tmpfs", str(package))) - 1


@ROOT_ONLY
@pytest.mark.parametrize("sandbox_mode", MODES, indirect=True)
def test_disk_quota_and_nothing_on_the_graders_disk(sandbox_mode, tmp_path):
    code = """
import os, sys
written = {}
sockets = os.path.dirname(sys.argv[sys.argv.index("-f") + 1])
for folder in [".", "/tmp", sockets]:
    written[folder] = 0
    try:
        for i in range(100):
            with open(os.path.join(folder, f"f{i}"), "wb") as handle:
                handle.write(bytes(4 * 1024 * 1024))
            written[folder] += 4
    except OSError as error:
        pass
print("written", written)
"""
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "data.csv").write_text("1,2\n")
    output = _run(code, folder, disk_bytes=32 * 1024**2)
    written = eval(output.split("written ")[1])
    sockets = next(k for k in written if k not in (".", "/tmp"))
    assert written["."] + written["/tmp"] <= 32  # one quota for the working folder and /tmp
    assert written[sockets] == 0  # its sockets folder is the grader's once it runs
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv"]


def _start_kernel_and_wait(folder: str, ready: multiprocessing.Event) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\n"
                                                                   "time.sleep(600)")])
    client = NotebookClient(nb, timeout=900, kernel_manager_class=kernel.SandboxedKernelManager,
                            resources={"metadata": {"path": folder}})
    client.km = client.create_kernel_manager()
    client.km.course_root = folder
    client.on_cell_execute = lambda **kw: ready.set()
    client.execute()


def test_a_killed_workers_kernel_folder_and_cgroups_are_swept(tmp_path):
    ready = multiprocessing.get_context("fork").Event()
    worker = multiprocessing.get_context("fork").Process(
        target=_start_kernel_and_wait, args=(str(tmp_path), ready))
    worker.start()
    assert ready.wait(60), "the kernel did not start"
    time.sleep(0.5)
    folders = list(Path(tempfile.gettempdir()).glob(f"{run.prefix()}*"))
    assert folders, "the kernel's private folder was not found"
    os.kill(worker.pid, signal.SIGKILL)  # as the batch does at its time limit
    worker.join()
    kernel.sweep()
    assert not [f for f in folders if f.exists()]
    assert cgroups.groups() == []


def test_sweep_leaves_other_graders_alone_and_removes_dead_runs_leftovers():
    tmp = Path(tempfile.gettempdir())
    other = tmp / f"{run.PREFIX}{os.getppid()}-0badc0de-x"   # a live grader's
    dead = tmp / f"{run.PREFIX}{_dead_pid()}-0badc0de-x"      # a grader that exited
    for folder in (other, dead):
        folder.mkdir()
    try:
        kernel.sweep()
        assert other.is_dir() and not dead.exists()
    finally:
        other.rmdir()


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_links_and_special_files_in_a_submission_are_named(tmp_path):
    (tmp_path / "regression.ipynb").write_text("{}")
    (tmp_path / "reference.ipynb").symlink_to("/etc/passwd")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "linked").symlink_to(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    found = unsafe_entries(str(tmp_path))
    assert found == ["data/linked -> " + str(tmp_path), "pipe (not a plain file)",
                     "reference.ipynb -> /etc/passwd"]
    assert mounts._regular_files(str(tmp_path)) == ["regression.ipynb"]


def test_the_interpreter_check_names_what_to_do(monkeypatch):
    monkeypatch.setattr(kernel, "_others_can_run_python", lambda whole_path: whole_path)
    manager = kernel.SandboxedKernelManager()
    try:
        with pytest.raises(RuntimeError, match="chmod -R o\\+rX"):
            manager._check_isolation(True, True, 61000)
    finally:
        shutil.rmtree(manager._private)


def test_a_setup_cell_that_fails_before_student_code_stops_the_submission(tmp_path):
    """The course's lib hidden from the kernel: an error naming the cause, not a class 0."""
    from conftest import make_course
    from nbgrader.apps import NbGraderAPI

    from autograder.workflow import release
    from autograder.workflow.course import Course
    from autograder.workflow.demo import answer_sources

    (tmp_path / "course").mkdir()
    course = Course.load(make_course(tmp_path / "course"),
                         SandboxedKernelManager={"expose": [sys.prefix]})
    release.generate(course, ["01-regression"])
    source = course.path("source_directory") / "01-regression" / "regression.ipynb"
    nb = nbformat.read(course.path("release_directory") / "01-regression" / "regression.ipynb",
                       as_version=4)
    answers = answer_sources(source)
    for cell in nb.cells:
        cell.source = answers.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
    folder = course.path("submitted_directory") / "reference" / "01-regression"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "regression.ipynb")
    (folder / "timestamp.txt").write_text("2026-10-01 12:00:00 UTC")
    # Stock nbgrader's autograde (no control submission runs there): the submission fails
    # with the cause instead of being graded 0. `grade` stops at its control first
    # (tests/test_workflow.py).
    result = NbGraderAPI(coursedir=course.coursedir, config=course.config).autograde(
        "01-regression", "reference", force=True, create=True)
    log = f"{result.get('log') or ''}\n{result.get('error') or ''}"
    assert not result["success"]
    assert "setup cell failed" in log and "No module named 'lib'" in log
    # nbgrader removes what it autograded for a failed submission: no graded notebook.
    assert not (course.path("autograded_directory") / "reference" / "01-regression").exists()
