"""The adversarial corpus: every attempt in tests/adversarial/ graded by the real `grade`.

Each file is one submission, named by what it attempts: its code replaces one answer cell
of Assignment 1 (the other answers are the reference unless it says ``blank_others``), and
its docstring says which tests cells must score zero (``zero``; ``every tests cell``: all of
the notebook's, read from it), whether the reference answer stays (``keep_reference``: then
no point may be lost either), links to place in the submission folder (``link``), a written
answer (``written``) and what must never appear in its graded notebook or feedback
(``absent``: regular expressions). All of them are graded in
one batch beside an honest submission, which must keep full marks; no attempt may stop or
hang the batch, raise its own maximum, change anything outside its own kernel's private
folder, or push a grading worker's memory or the grader's disk past the documented bounds.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, first_difference, graded_notebooks, make_course
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI

from autograder.grading.outputs import OutputLimits
from autograder.sandbox import cgroups, run
from autograder.sandbox.limits import bwrap_works
from autograder.workflow import grade as batch
from autograder.workflow import release
from autograder.workflow.course import Course
from autograder.workflow.demo import answer_sources

pytestmark = pytest.mark.slow

ASSIGNMENT, NOTEBOOK = "01-regression", "regression"
CORPUS = Path(__file__).parent / "adversarial"
#: ``zero: every tests cell``: read from the notebook, so that a new tests cell is covered.
TESTS_CELLS = [cell.metadata.nbgrader["grade_id"] for cell in nbformat.read(
    ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4).cells
    if cell.metadata.get("nbgrader", {}).get("grade")
    and not cell.metadata.nbgrader.get("solution")]
HONEST_AUTO_POINTS = 22.0
MAX_POINTS = 25.0
#: The documented bounds (docs/security.md): a grading worker's resident memory, and what
#: the kernels of a run may keep on the grader's disk (their private folders: sockets).
WORKER_MEMORY_BYTES = 1024**3
PRIVATE_DISK_BYTES = 16 * 1024**2


@dataclass
class Attempt:
    name: str
    description: str
    target: str
    code: str
    zero: list[str] = field(default_factory=list)
    keep_reference: bool = False
    blank_others: bool = False
    edit: str | None = None
    needs_isolation: bool = False
    needs_root: bool = False
    link: str | None = None
    written: str | None = None
    absent: list[str] = field(default_factory=list)


def load(path: Path) -> Attempt:
    text = path.read_text()
    doc = re.match(r'"""(.*?)"""', text, re.S).group(1)
    fields = dict(re.findall(r"^(\w+): (.+)$", doc, re.M))
    return Attempt(
        name=path.stem, description=doc.strip().splitlines()[0], target=fields["target"],
        code=text[len(doc) + 6:], keep_reference=fields.get("keep_reference") == "true",
        zero=TESTS_CELLS if fields.get("zero") == "every tests cell" else
        [z.strip() for z in fields.get("zero", "").split(",") if z.strip()],
        blank_others=fields.get("blank_others") == "true", edit=fields.get("edit"),
        needs_isolation=fields.get("needs_isolation") == "true",
        needs_root=fields.get("needs_root") == "true", link=fields.get("link"),
        written=fields.get("written"),
        absent=[a.strip() for a in fields.get("absent", "").split(", ") if a.strip()])


def runnable(attempt: Attempt) -> bool:
    return (bwrap_works() or not attempt.needs_isolation) and \
        (os.geteuid() == 0 or not attempt.needs_root)


ATTEMPTS = [load(p) for p in sorted(CORPUS.glob("*.py"))]


def _edit(nb: nbformat.NotebookNode, edit: str) -> None:
    action, grade_id = edit.split()
    index = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell = nb.cells[index]
    if action == "delete":
        del nb.cells[index]
    elif action == "duplicate":
        nb.cells.insert(index, copy.deepcopy(cell))
    elif action == "retype":
        nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    elif action == "inflate":
        cell.metadata.nbgrader["points"] = 100
        fake = nbformat.v4.new_code_cell("print('Hidden tests: 5 of 5 checks passed.')")
        fake.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "locked": True,
                                     "points": 50, "schema_version": 3, "solution": False,
                                     "task": False}
        nb.cells.insert(index + 1, fake)


def _fill(text: str, course: Course, secret: Path) -> str:
    return text.replace("{course}", str(course.root)).replace("{repo}", str(ROOT)) \
        .replace("{secret}", str(secret))


def _submission(course: Course, attempt: Attempt | None,
                secret: Path) -> nbformat.NotebookNode:
    source = course.path("source_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(course.path("release_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb", 4)
    answers = answer_sources(source)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        if attempt is not None and attempt.written and cell.cell_type == "markdown":
            cell.source = attempt.written
        elif attempt is None or (grade_id != attempt.target and not attempt.blank_others):
            cell.source = answers[grade_id]
        elif grade_id == attempt.target:
            code = _fill(attempt.code, course, secret)
            cell.source = (answers[grade_id] + "\n" if attempt.keep_reference else "") + code
    if attempt is not None and attempt.edit:
        _edit(nb, attempt.edit)
    return nb


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _secret(folder: Path, course: Course) -> Path:
    """A root-only folder (0700) holding the reference answer of Q1 in a 0600 file."""
    folder.mkdir(mode=0o700)
    answers = answer_sources(course.path("source_directory") / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    (folder / "q1.py").write_text(answers["q1-fit_simple_linear"])
    (folder / "q1.py").chmod(0o600)
    return folder


def _children() -> list[int]:
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        found += [int(pid) for pid in task.read_text().split()]
    return found


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) * 1024


def _private_bytes() -> int:
    total = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{run.prefix()}*"):
        for top, _, files in os.walk(folder):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(top, name)).st_size
    return total


class Sampler(threading.Thread):
    """Peak resident memory of the grading workers (this process's children) and peak size
    of this run's private folders, while the batch runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.worker, self.disk = threading.Event(), 0, 0

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for pid in _children():
                with contextlib.suppress(OSError, TypeError):
                    self.worker = max(self.worker, _peak_rss(pid))
            self.disk = max(self.disk, _private_bytes())


def corpus_course(folder: Path, secret: Path, students: dict[str, Attempt | None],
                  **sandbox: object) -> Course:
    """A course whose submissions are ``students``' attempts (None: honest). One seed for
    every run's hidden-test inputs, so that runs can be compared."""
    course = Course.load(make_course(folder), HiddenTestsExecute={"timeout": 5, "seed": 1},
                         SandboxedKernelManager=sandbox)
    release.generate(course, [ASSIGNMENT])
    if not secret.exists():
        _secret(secret, course)
    for student, attempt in students.items():
        folder = course.path("submitted_directory") / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(_submission(course, attempt, secret), folder / f"{NOTEBOOK}.ipynb")
        (folder / "timestamp.txt").write_text("2026-10-01 12:00:00.000000 UTC")
        if attempt is not None and attempt.link:
            name, target = _fill(attempt.link, course, secret).split(" -> ")
            (folder / name).unlink(missing_ok=True)
            (folder / name).symlink_to(target)
    return course


def gradebook_scores(course: Course) -> dict[str, tuple[dict[str, float], float]]:
    with Gradebook(course.db_url) as gb:
        return {s.student.id: ({g.name: g.score for nb in s.notebooks for g in nb.grades},
                               s.max_score)
                for s in gb.assignment_submissions(ASSIGNMENT)}


@pytest.fixture(scope="module")
def secret(tmp_path_factory):
    return tmp_path_factory.mktemp("root-only") / "secret"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, secret):
    attempts = [a for a in ATTEMPTS if runnable(a)]
    course = corpus_course(tmp_path_factory.mktemp("adversarial"), secret,
                           {"honest": None, **{a.name: a for a in attempts}})
    course_root = course.root
    out = course_root / "out"
    out.mkdir()
    (out / "grades-01-regression.csv").write_text("student,score\nhonest,22\n")
    submitted_before = _digest(course.path("submitted_directory"))
    sampler = Sampler()
    sampler.start()
    start = time.monotonic()
    outcomes = batch.grade(course, ASSIGNMENT, jobs=2, submission_timeout=90, progress=False)
    elapsed = time.monotonic() - start
    sampler.stop.set()
    sampler.join()
    scores = gradebook_scores(course)
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    for attempt in attempts:
        if attempt.absent and (course.path("autograded_directory") / attempt.name).is_dir():
            api.generate_feedback(ASSIGNMENT, attempt.name)
    stopped = sum(_stopped(a, outcomes, scores) for a in attempts)
    print(f"\nadversarial corpus: {len(attempts)} attempts, {stopped} stopped, graded with an "
          f"honest submission in {elapsed:.0f} s; peak worker memory "
          f"{sampler.worker / 1024**2:.0f} MiB, peak private folders "
          f"{sampler.disk / 1024**2:.1f} MiB")
    for student, outcome in sorted({o.student: o for o in outcomes}.items()):
        total = sum(v or 0 for v in scores.get(student, ({}, 0))[0].values())
        print(f"  {student:<32}{outcome.status:<8}{outcome.seconds:6.1f} s  "
              f"{total:5.1f} points  {outcome.message[:60]}")
    return {"course": course, "attempts": attempts, "outcomes": {o.student: o for o in outcomes},
            "scores": scores, "elapsed": elapsed, "submitted_before": submitted_before,
            "sampler": sampler}


@pytest.fixture(scope="module")
def cold(tmp_path_factory, secret, corpus):
    """The same corpus graded again by kernels that start cold, in a grading process per
    submission (the path before warm kernels and long-lived grading processes)."""
    course = corpus_course(tmp_path_factory.mktemp("adversarial-cold"), secret,
                           {"honest": None, **{a.name: a for a in corpus["attempts"]}},
                           warm=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "SUBMISSIONS_PER_PROCESS", 1)
        outcomes = batch.grade(course, ASSIGNMENT, jobs=2, submission_timeout=90,
                               progress=False)
    return {"course": course, "outcomes": {o.student: o.status for o in outcomes},
            "scores": gradebook_scores(course)}


#: Attempts whose graded notebook differs between any two runs, warm or cold (their scores
#: do not): what a flood or a bomb has done when a 5 s limit strikes depends on the load,
#: and a dying kernel races its last message. And one that prints the sandbox's own shape.
DIFFERENT_EVERY_RUN = {
    "comm_flood": "where the flood meets the bounds when the time limit strikes",
    "memory_bomb": "whether 6 GiB are allocated (the kernel dies) before a cell's 5 s end; "
                   "its score too: which questions the dying kernel reached",
    "print_many_lines": "how many lines 3 s of printing make",
    "walk_filesystem": "how far a walk of the filesystem gets in 3 s",
    "kill_parent_and_group": "the kernel dies in a cell: whether that cell's prompt number "
                             "reached the grader first",
    "os_exit": "the kernel dies in a cell: whether that cell's prompt number reached the "
               "grader first",
    "read_root_only_file": "prints /proc/self/uid_map: bubblewrap's user namespace; a warm "
                           "kernel has none (it runs as the slot's uid itself)",
}


def test_warm_and_cold_kernels_grade_the_corpus_alike(corpus, cold):
    assert {s: o.status for s, o in corpus["outcomes"].items()} == cold["outcomes"]
    timed = {"memory_bomb"}
    assert {s: v for s, v in corpus["scores"].items() if s not in timed} == \
        {s: v for s, v in cold["scores"].items() if s not in timed}
    warm_notebooks = graded_notebooks(corpus["course"], ASSIGNMENT)
    cold_notebooks = graded_notebooks(cold["course"], ASSIGNMENT)
    assert set(warm_notebooks) == set(cold_notebooks)
    differ = [s for s in warm_notebooks if warm_notebooks[s] != cold_notebooks[s]
              and s not in DIFFERENT_EVERY_RUN]
    assert not differ, f"graded notebooks differ for {differ}; the first, warm then cold: " \
        + first_difference(warm_notebooks[differ[0]], cold_notebooks[differ[0]])


def _stopped(attempt: Attempt, outcomes: list, scores: dict) -> bool:
    """Whether the attempt earned nothing it targeted (the same test as below, as a count)."""
    outcome = next(o for o in outcomes if o.student == attempt.name)
    grades = scores.get(attempt.name, ({}, MAX_POINTS))[0]
    if outcome.status == "error":
        return not attempt.keep_reference and not any(grades.values())
    total = sum(v for v in grades.values() if v is not None)
    return all(grades.get(cell) == 0 for cell in attempt.zero) and \
        total <= HONEST_AUTO_POINTS and (not attempt.keep_reference or
                                         total == HONEST_AUTO_POINTS)


def test_the_corpus_covers_the_attacks_of_the_issues():
    assert len(ATTEMPTS) >= 38


def test_batch_finished_every_submission(corpus):
    assert set(corpus["outcomes"]) == {"honest", *(a.name for a in corpus["attempts"])}
    assert corpus["elapsed"] < 900


def test_honest_submission_keeps_full_marks(corpus):
    grades, max_score = corpus["scores"]["honest"]
    assert sum(v for v in grades.values() if v is not None) == HONEST_AUTO_POINTS
    assert max_score == MAX_POINTS


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_attempt_earns_nothing_it_targets(corpus, attempt):
    if attempt not in corpus["attempts"]:
        pytest.skip("needs bubblewrap isolation or a root grader")
    outcome = corpus["outcomes"][attempt.name]
    assert not (attempt.keep_reference and outcome.status == "error"), outcome.message
    if outcome.status == "error":  # stopped by the batch (time limit): scores nothing
        assert attempt.name not in corpus["scores"] or not any(
            corpus["scores"][attempt.name][0].values())
        return
    grades, max_score = corpus["scores"][attempt.name]
    assert max_score == MAX_POINTS, "the attempt changed its own maximum"
    for cell in attempt.zero:
        assert grades[cell] == 0, f"{cell} earned {grades[cell]}"
    assert sum(v for v in grades.values() if v is not None) <= HONEST_AUTO_POINTS
    if attempt.keep_reference:  # harmless side effects must cost nothing either
        assert sum(v for v in grades.values() if v is not None) == HONEST_AUTO_POINTS


def test_nothing_outside_the_sandbox_changed(corpus):
    course = corpus["course"]
    assert _digest(course.path("submitted_directory")) == corpus["submitted_before"]
    assert (course.root / "out" / "grades-01-regression.csv").read_text() == \
        "student,score\nhonest,22\n"
    assert not (course.root / "gradebook.db").read_bytes().startswith(b"owned")


def test_no_kernel_outlives_the_batch(corpus):
    """This run's kernels only: other graders may be busy on the same machine."""
    assert cgroups.groups() == []
    assert list(Path(tempfile.gettempdir()).glob(f"{run.prefix()}*")) == []


@pytest.mark.parametrize("attempt", [a for a in ATTEMPTS if a.absent],
                         ids=[a.name for a in ATTEMPTS if a.absent])
def test_nothing_of_the_attempt_reaches_notebook_or_feedback(corpus, attempt):
    course = corpus["course"]
    graded = [*(course.path("autograded_directory") / attempt.name).rglob("*.ipynb")]
    feedback = [*(course.path("feedback_directory") / attempt.name).rglob("*.html")]
    assert len(graded) == len(feedback) == 1, "no graded notebook or feedback to check"
    rendered = {"graded notebook": _rendered_parts(graded[0]),
                "feedback": feedback[0].read_text()}
    for where, text in rendered.items():
        for pattern in attempt.absent:
            found = re.search(pattern, text)
            assert found is None, f"the {where} holds {found[0][:80]!r}"


def _rendered_parts(path: Path) -> str:
    """What of a notebook a page renders as HTML: outputs, markdown, prompts (code is
    highlighted, hence escaped)."""
    nb = nbformat.read(path, as_version=4)
    return "\n".join(_strings([cell.source if cell.cell_type != "code" else
                               [str(cell.get("execution_count")), cell.outputs]
                               for cell in nb.cells]))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_the_honest_graded_notebook_keeps_its_plots(corpus):
    """Written answers refer to plots: the TA sees them in the formgrader (inline PNGs)."""
    course = corpus["course"]
    nb = nbformat.read(course.path("autograded_directory") / "honest" / ASSIGNMENT /
                       f"{NOTEBOOK}.ipynb", as_version=4)
    images = [o.data["image/png"] for cell in nb.cells if cell.cell_type == "code"
              for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3
    assert all(1000 < len(image) <= OutputLimits.per_output for image in images)


def test_worker_memory_and_grader_disk_stay_bounded(corpus):
    assert 0 < corpus["sampler"].worker < WORKER_MEMORY_BYTES
    assert corpus["sampler"].disk < PRIVATE_DISK_BYTES


#: Attempts at reaching the next submission's kernel or grading (files, processes, signals,
#: patched modules): each is graded with one job, immediately before an honest neighbour
#: and in the same grading process.
CONTAMINATION = ("contaminate_next_kernel", "fill_disk", "fork_bomb", "huge_file",
                 "kill_parent_and_group", "monkeypatch_lib_and_autograder",
                 "monkeypatch_numpy", "record_probe_inputs", "torch_function_override",
                 "write_grader_files")


def test_no_attempt_reaches_the_next_submissions_kernel(tmp_path_factory, secret,
                                                        monkeypatch):
    attempts = [a for a in ATTEMPTS if a.name in CONTAMINATION and runnable(a)]
    students: dict[str, Attempt | None] = {}
    for i, attempt in enumerate(attempts):
        students[f"c{i:02d}-a-{attempt.name}"] = attempt
        students[f"c{i:02d}-b-honest"] = None
    course = corpus_course(tmp_path_factory.mktemp("contamination"), secret, students)
    monkeypatch.setattr(batch, "SUBMISSIONS_PER_PROCESS", len(students))
    outcomes = batch.grade(course, ASSIGNMENT, jobs=1, submission_timeout=90, progress=False)
    assert {o.student: o.status for o in outcomes if o.student.endswith("honest")} == \
        {s: "graded" for s in students if s.endswith("honest")}
    scores = gradebook_scores(course)
    notebooks = graded_notebooks(course, ASSIGNMENT)
    first = notebooks["c00-b-honest"]
    for student in (s for s in students if s.endswith("honest")):
        grades, _ = scores[student]
        assert sum(v for v in grades.values() if v is not None) == HONEST_AUTO_POINTS, student
        assert notebooks[student] == first, f"{student}'s graded notebook differs"
