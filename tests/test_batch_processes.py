"""The batch's grading processes: each grades several submissions one after another, is
replaced after ``SUBMISSIONS_PER_PROCESS`` of them, and a process that dies or runs out of
time costs only the student it was grading. ``grade_submission`` is replaced here by a
stand-in that records which process graded whom (the real one is exercised by
tests/test_workflow.py, tests/test_warm.py and tests/test_adversarial.py)."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from autograder.workflow import grade as batch


@pytest.fixture
def log(tmp_path, monkeypatch) -> Path:
    """Where the stand-in for ``grade_submission`` writes one JSON line per student."""
    path = tmp_path / "graded.jsonl"

    def grade_submission(course, assignment, student):
        with path.open("a") as f:
            f.write(json.dumps({"student": student, "pid": os.getpid(),
                                "pgid": os.getpgid(0),
                                "slot": os.environ["AUTOGRADER_SLOT"]}) + "\n")
        if student.startswith("dies"):
            os._exit(7)
        if student.startswith("hangs"):
            time.sleep(600)
        if student.startswith("fails"):
            return batch.Outcome(student, "error", 0.1, "its notebook is not valid JSON")
        return batch.Outcome(student, "graded", 0.1)

    monkeypatch.setattr(batch, "grade_submission", grade_submission)
    return path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (exited, not yet reaped by its parent) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_each_process_grades_several_submissions_then_is_replaced(log, monkeypatch):
    monkeypatch.setattr(batch, "SUBMISSIONS_PER_PROCESS", 3)
    students = [f"s{i:02d}" for i in range(10)] + ["fails-s10"]
    outcomes = batch._run(None, "a1", students, 2, 60, False)

    assert {s: o.status for s, o in outcomes.items()} == \
        {**{s: "graded" for s in students[:-1]}, "fails-s10": "error"}
    assert outcomes["fails-s10"].message == "its notebook is not valid JSON"
    graded = _lines(log)
    assert sorted(line["student"] for line in graded) == sorted(students)  # each once
    per_process: dict[int, list[dict]] = {}
    for line in graded:
        per_process.setdefault(line["pid"], []).append(line)
    assert len(per_process) == 4  # 11 students, at most 3 per process
    assert all(len(lines) <= 3 for lines in per_process.values())
    assert os.getpid() not in per_process
    for pid, lines in per_process.items():
        # One slot (kernel uid) per process, its own process group, and gone afterwards.
        assert len({line["slot"] for line in lines}) == 1
        assert {line["pgid"] for line in lines} == {pid}
        assert not _alive(pid)
    assert {line["slot"] for line in graded} == {"0", "1"}


def test_a_process_that_dies_costs_only_its_student(log):
    students = ["s00", "dies-s01", "s02", "s03"]
    outcomes = batch._run(None, "a1", students, 1, 60, False)

    assert outcomes["dies-s01"].status == "error"
    assert outcomes["dies-s01"].message == "the grading process died (exit code 7)"
    assert {s: outcomes[s].status for s in ("s00", "s02", "s03")} == dict.fromkeys(
        ("s00", "s02", "s03"), "graded")
    pids = {line["student"]: line["pid"] for line in _lines(log)}
    assert pids["s00"] == pids["dies-s01"] != pids["s02"] == pids["s03"]


def test_a_process_past_its_time_is_killed_and_the_batch_goes_on(log):
    students = ["s00", "hangs-s01", "s02"]
    started = time.monotonic()
    outcomes = batch._run(None, "a1", students, 1, 2, False)

    assert time.monotonic() - started < 30
    assert outcomes["hangs-s01"].status == "error"
    assert outcomes["hangs-s01"].message == "grading took longer than 2 s and was stopped"
    assert outcomes["hangs-s01"].seconds >= 2
    assert outcomes["s00"].status == outcomes["s02"].status == "graded"
    pids = {line["student"]: line["pid"] for line in _lines(log)}
    assert pids["s00"] == pids["hangs-s01"] != pids["s02"]
    assert not _alive(pids["hangs-s01"])


def test_an_interrupted_batch_leaves_no_grading_process(log, monkeypatch):
    forked = []
    fork = batch._fork_grader
    monkeypatch.setattr(batch, "_fork_grader", lambda *args: forked.append(fork(*args))
                        or forked[-1])
    polls = iter(range(20))

    def interrupted(grader, timeout):
        if next(polls) == 10:  # both graders are at work
            raise KeyboardInterrupt
        return None

    monkeypatch.setattr(batch, "_poll", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch._run(None, "a1", ["hangs-s00", "hangs-s01", "s02"], 2, 60, False)
    assert len(forked) == 2
    assert not any(_alive(grader.process.pid) for grader in forked)


def test_grading_processes_end_when_the_batch_is_killed(log, monkeypatch):
    """Each finishes the submission it has (as a process per submission did), then exits."""
    monkeypatch.setattr(batch, "SUBMISSIONS_PER_PROCESS", 100)
    students = [f"slow-s{i:02d}" for i in range(20)]
    grade_submission = batch.grade_submission

    def slow(course, assignment, student):
        time.sleep(0.5)
        return grade_submission(course, assignment, student)

    monkeypatch.setattr(batch, "grade_submission", slow)
    context = multiprocessing.get_context("fork")
    process = context.Process(target=batch._run, args=(None, "a1", students, 2, 60, False))
    process.start()
    deadline = time.monotonic() + 30
    while not log.exists() or len({line["pid"] for line in _lines(log)}) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    pids = {line["pid"] for line in _lines(log)}
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)
    assert len(_lines(log)) < len(students)
