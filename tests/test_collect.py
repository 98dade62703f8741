"""Intake from LMS downloads: never a guessed student or time, never an overwrite.

Each test builds a small download (a folder or a zip, in Canvas, Moodle or per-student
folder layout) and runs ``autograder collect`` on it, in this process.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from conftest import make_course
from nbgrader.api import Gradebook

from autograder import cli
from autograder.grading.timestamps import parse_timestamp, read_timestamp_file
from autograder.workflow import collect
from autograder.workflow.course import Course

A, NB = "01-regression", "regression.ipynb"


@pytest.fixture
def course(tmp_path) -> Course:
    root = tmp_path / "course"
    root.mkdir()
    make_course(root)
    return Course.load(root)


def notebook(owner: str) -> bytes:
    """A stand-in notebook whose content says whose it is (collect never parses it)."""
    return json.dumps({"owner": owner, "cells": []}).encode()


def folder(base: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return base


def zipped(path: Path, files: dict[str, bytes], when=(2026, 10, 9, 12, 0, 0)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return path


def run(course: Course, *args: str, capsys=None) -> tuple[int, str]:
    code = cli.main(["--root", str(course.root), "collect", *args])
    return code, capsys.readouterr().out if capsys else ""


def submitted(course: Course) -> dict[str, tuple[str, str]]:
    """student -> (owner of the collected notebook, submission time) for everything in
    submitted/."""
    found = {}
    for path in sorted(course.path("submitted_directory").glob(f"*/{A}/{NB}")):
        folder_ = path.parent
        found[folder_.parent.name] = (json.loads(path.read_bytes())["owner"],
                                      str(read_timestamp_file(folder_)))
    return found


def roster(tmp_path: Path, rows: dict[str, str]) -> Path:
    path = tmp_path / "students.csv"
    lines = ["id,first_name,last_name,email,lms_user_id"]
    lines += [f"{student},,,,{lms}" for student, lms in rows.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


# -- observations of issue 9 ---------------------------------------------------------------

def test_ids_with_underscores_stay_whole(course, tmp_path, capsys):
    """smith_j and smith_k were both cut to smith: the second overwrote the first, exit 0."""
    inbox = folder(tmp_path / "inbox", {"smith_j.ipynb": notebook("smith_j"),
                                        "smith_k.ipynb": notebook("smith_k")})
    code, _ = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code == 0
    assert {s: owner for s, (owner, _) in submitted(course).items()} == \
        {"smith_j": "smith_j", "smith_k": "smith_k"}


def test_two_entries_for_one_student_are_errors_never_an_overwrite(course, tmp_path, capsys):
    inbox = folder(tmp_path / "inbox", {"alice.ipynb": notebook("first"),
                                        f"alice/{NB}": notebook("second"),
                                        "bob.ipynb": notebook("bob")})
    code, out = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code != 0
    assert "2 entries claim this student" in out
    assert set(submitted(course)) == {"bob"}


def test_an_lms_id_in_a_name_is_never_a_time(course, tmp_path, capsys):
    """`alice_12345_regression.ipynb` gave the time stamp 12345."""
    students = roster(tmp_path, {"alice": "12345"})
    download = zipped(tmp_path / "canvas.zip", {f"alice_12345_67890_{NB}": notebook("alice")})
    code, out = run(course, str(download), A, "--roster", str(students), capsys=capsys)
    assert code != 0 and "no submission time" in out
    assert submitted(course) == {}
    code, _ = run(course, str(download), A, "--roster", str(students),
                  "--submitted-at", "2026-10-09 20:00 +08:00", capsys=capsys)
    assert code == 0
    assert submitted(course) == {"alice": ("alice", "2026-10-09 12:00:00+00:00")}


def test_file_times_are_never_submission_times(course, tmp_path, capsys):
    """Copied after the deadline, plain files gave the whole class '50.50 days late'."""
    inbox = folder(tmp_path / "inbox", {"alice.ipynb": notebook("alice"),
                                        f"bob/{NB}": notebook("bob")})
    late = parse_timestamp("2026-11-29 12:00 UTC").timestamp()
    for path in inbox.rglob("*.ipynb"):
        os.utime(path, (late, late))
    code, out = run(course, str(inbox), A, capsys=capsys)
    assert code != 0 and out.count("no submission time") == 2
    assert submitted(course) == {}
    code, _ = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code == 0
    assert {s: t for s, (_, t) in submitted(course).items()} == \
        {"alice": "2026-10-09 15:59:00+00:00", "bob": "2026-10-09 15:59:00+00:00"}


def test_a_zip_of_folders_never_gets_the_collection_time(course, tmp_path, capsys):
    """Extraction does not restore file times: everyone got the collection time, 0/25."""
    download = zipped(tmp_path / "class.zip", {f"alice/{NB}": notebook("alice")},
                      when=(2026, 10, 9, 20, 0, 0))
    code, out = run(course, str(download), A, capsys=capsys)
    assert code != 0 and "no submission time" in out
    code, _ = run(course, str(download), A, "--zip-times", "Asia/Shanghai", capsys=capsys)
    assert code == 0
    assert submitted(course)["alice"][1] == "2026-10-09 12:00:00+00:00"


def test_only_the_top_folder_names_the_student(course, tmp_path, capsys):
    """A subfolder named like another student replaced that student's submission."""
    inbox = folder(tmp_path / "inbox", {f"mallory/bob/{NB}": notebook("mallory"),
                                        f"bob/{NB}": notebook("bob")})
    code, _ = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code == 0
    assert {s: owner for s, (owner, _) in submitted(course).items()} == \
        {"bob": "bob", "mallory": "mallory"}


def test_a_folder_named_like_a_notebook_does_not_stop_the_others(course, tmp_path, capsys):
    download = zipped(tmp_path / "class.zip", {f"alice/{NB}/notes.txt": b"hi",
                                               f"bob/{NB}": notebook("bob"),
                                               f"carol/{NB}": notebook("carol")})
    code, out = run(course, str(download), A, "--on-time", capsys=capsys)
    assert code != 0 and "regression.ipynb is missing" in out
    assert set(submitted(course)) == {"bob", "carol"}


def test_names_that_leave_submitted_are_refused(course, tmp_path, capsys):
    download = zipped(tmp_path / "evil.zip", {f"../{NB}": notebook("up"),
                                              f"../../outside/{NB}": notebook("up2"),
                                              f"/abs/{NB}": notebook("abs"),
                                              f"a\\..\\..\\{NB}": notebook("win"),
                                              f"bob/{NB}": notebook("bob")})
    before = sorted(p for p in course.root.parent.rglob("*"))
    code, out = run(course, str(download), A, "--on-time", capsys=capsys)
    assert code != 0 and out.count("unsafe path") == 4
    assert set(submitted(course)) == {"bob"}
    created = set(course.root.parent.rglob("*")) - set(before)
    inside = course.path("submitted_directory")
    assert all(p == inside or inside in p.parents or p.name == "gradebook.db"
               for p in created), created


def test_a_student_id_must_be_a_safe_name(course, tmp_path, capsys):
    """Student id `..` wrote outside submitted/."""
    inbox = folder(tmp_path / "inbox", {f"a b/{NB}": notebook("space"),
                                        f"-rf/{NB}": notebook("dash"),
                                        f".._{NB}": notebook("up"),
                                        f"bob/{NB}": notebook("bob")})
    code, out = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code != 0 and out.count("not a safe student id") == 3
    assert not (course.root / A).exists()
    assert set(submitted(course)) == {"bob"}
    with pytest.raises(ValueError, match="safe student id"):
        collect.collect(course, inbox, A, roster=roster(tmp_path, {"..": "1"}),
                        times=collect.TimeSource(on_time=True))


def test_terminal_escapes_never_reach_the_terminal(course, tmp_path, capsys):
    evil = "\x1b]0;owned\x07\x1b[2J\rbob\u202e"
    inbox = folder(tmp_path / "inbox", {f"{evil}/{NB}": notebook("evil")})
    students = roster(tmp_path, {"bob": "7"})
    download = zipped(tmp_path / "canvas.zip", {f"{evil}_7_8_{NB}": notebook("evil"),
                                                f"x_9_8_{evil}.ipynb": notebook("evil")})
    for args in ([str(inbox), A, "--on-time"],
                 [str(download), A, "--on-time", "--roster", str(students)]):
        code, out = run(course, *args, capsys=capsys)
        assert code != 0
        assert not any(c in out for c in "\x1b\x07\r\u202e"), ascii(out)
        assert "\\x1b" in out  # shown, escaped


def test_zip_members_are_bounded_in_size_and_count(course, tmp_path, capsys, monkeypatch):
    """1 MiB of zip became 1 GiB on disk."""
    monkeypatch.setattr(collect, "MAX_NOTEBOOK_BYTES", 1024**2)
    bomb = b"{" + b" " * (4 * 1024**2) + b"}"
    download = zipped(tmp_path / "bomb.zip", {f"alice/{NB}": bomb, f"bob/{NB}": notebook("b")})
    assert download.stat().st_size < 64 * 1024
    code, out = run(course, str(download), A, "--on-time", capsys=capsys)
    assert code != 0 and "larger than 1 MiB" in out
    assert set(submitted(course)) == {"bob"}
    leftovers = [p for p in course.path("submitted_directory").rglob("*") if p.is_file()
                 and p.stat().st_size > 1024**2]
    assert leftovers == []

    monkeypatch.setattr(collect, "MAX_ENTRIES", 10)
    crowded = zipped(tmp_path / "crowded.zip", {f"s{i}/{NB}": notebook("s") for i in range(11)})
    code = cli.main(["--root", str(course.root), "collect", str(crowded), A, "--on-time"])
    assert code == 2 and "11 entries (limit 10)" in capsys.readouterr().err


def test_links_are_never_followed(course, tmp_path, capsys, root):
    """A link to the solution notebook was graded full marks."""
    solution = root / "solutions" / A / NB
    inbox = folder(tmp_path / "inbox", {f"bob/{NB}": notebook("bob")})
    (inbox / "alice").mkdir()
    (inbox / "alice" / NB).symlink_to(solution)
    (inbox / "carol.ipynb").symlink_to(solution)
    (inbox / "dave").symlink_to(solution.parent, target_is_directory=True)
    code, out = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code != 0 and out.count("symbolic link: not followed") == 3
    assert set(submitted(course)) == {"bob"}

    link = zipfile.ZipInfo(f"erin/{NB}", date_time=(2026, 10, 9, 12, 0, 0))
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    download = tmp_path / "links.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(link, str(solution))
    code, out = run(course, str(download), A, "--on-time", capsys=capsys)
    assert code != 0 and "symbolic link: not followed" in out
    assert "erin" not in submitted(course)


# -- layouts -------------------------------------------------------------------------------

def test_canvas_download_with_roster_and_late_marker(course, tmp_path, capsys):
    students = roster(tmp_path, {"s1001": "1001", "s1002": "1002", "s1003": "1003"})
    download = zipped(tmp_path / "canvas.zip", {
        f"lovelaceada_1001_5001_{NB}": notebook("ada"),
        "turingalan_late_1002_5002_regression-1.ipynb": notebook("alan"),  # resubmitted
        f"hopper_grace_1003_5003_{NB}": notebook("grace"),
        f"stranger_9999_5004_{NB}": notebook("stranger"),
    })
    times = tmp_path / "times.csv"
    times.write_text("lms_user_id,submitted_at\n1001,2026-10-09 20:00 +08:00\n"
                     "1002,2026-10-11 01:00 +08:00\n1003,2026-10-09 15:00 UTC\n")
    code, out = run(course, str(download), A, "--roster", str(students),
                    "--submissions-csv", str(times), capsys=capsys)
    assert code != 0 and "LMS user id 9999 is not on the roster" in out
    assert submitted(course) == {"s1001": ("ada", "2026-10-09 12:00:00+00:00"),
                                 "s1002": ("alan", "2026-10-10 17:00:00+00:00"),
                                 "s1003": ("grace", "2026-10-09 15:00:00+00:00")}
    assert "taken as regression.ipynb" in out


def test_canvas_late_marker_contradicting_the_time_is_an_error(course, tmp_path, capsys):
    students = roster(tmp_path, {"s1": "1", "s2": "2"})
    download = zipped(tmp_path / "canvas.zip", {f"a_late_1_7_{NB}": notebook("a"),
                                                f"b_2_8_{NB}": notebook("b")})
    code, out = run(course, str(download), A, "--roster", str(students), "--on-time",
                    capsys=capsys)
    assert code != 0 and "Canvas marks it late" in out
    assert set(submitted(course)) == {"s2"}
    code, out = run(course, str(download), A, "--roster", str(students), "--submitted-at",
                    "2026-10-10 12:00 UTC", "--replace", capsys=capsys)
    assert "Canvas marks it on time" in out
    assert submitted(course)["s1"][1] == "2026-10-10 12:00:00+00:00"


def test_moodle_download_with_nbgraders_student_table(course, tmp_path, capsys):
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        gb.update_or_create_student("ada", lms_user_id="1001")
        gb.update_or_create_student("alan", lms_user_id="1002")
        gb.update_or_create_student("grace", lms_user_id="1003")
    download = zipped(tmp_path / "moodle.zip", {
        f"Ada Lovelace_1001_assignsubmission_file_/{NB}": notebook("ada"),
        "Ada Lovelace_1001_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        f"Alan_M_Turing_1002_assignsubmission_file_{NB}": notebook("alan"),  # older Moodle
        f"Grace Hopper_1003_assignsubmission_file_/sub/{NB}": notebook("grace"),
        f"Grace Hopper_1003_assignsubmission_file_/{NB}": notebook("grace2"),
    })
    code, out = run(course, str(download), A, "--submitted-at", "2026-10-01 10:00 UTC",
                    capsys=capsys)
    assert code != 0 and "2 files named regression.ipynb" in out
    assert {s: owner for s, (owner, _) in submitted(course).items()} == \
        {"ada": "ada", "alan": "alan"}


def test_an_lms_download_needs_a_roster(course, tmp_path, capsys):
    download = zipped(tmp_path / "canvas.zip", {f"a_1_7_{NB}": notebook("a")})
    code, out = run(course, str(download), A, "--on-time", capsys=capsys)
    assert code != 0 and "needs a roster" in out


def test_folder_names_must_be_on_the_roster_when_there_is_one(course, tmp_path, capsys):
    inbox = folder(tmp_path / "inbox", {f"alice/{NB}": notebook("a"), f"eve/{NB}": notebook("e")})
    code, out = run(course, str(inbox), A, "--on-time", "--roster",
                    str(roster(tmp_path, {"alice": ""})), capsys=capsys)
    assert code != 0 and "'eve' is not on the roster" in out
    assert set(submitted(course)) == {"alice"}


# -- re-collecting and times -------------------------------------------------------------

def test_recollect_is_idempotent_and_never_overwrites_silently(course, tmp_path, capsys):
    inbox = folder(tmp_path / "inbox", {f"alice/{NB}": notebook("v1")})
    assert run(course, str(inbox), A, "--on-time", capsys=capsys)[0] == 0
    code, out = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code == 0 and "unchanged" in out
    (inbox / "alice" / NB).write_bytes(notebook("v2"))
    code, out = run(course, str(inbox), A, "--on-time", capsys=capsys)
    assert code != 0 and "already collected" in out
    assert submitted(course)["alice"][0] == "v1"
    code, out = run(course, str(inbox), A, "--on-time", "--replace", capsys=capsys)
    assert code == 0 and "replaced" in out
    assert submitted(course)["alice"][0] == "v2"
    kept = list((course.path("submitted_directory") / ".replaced" / A).glob(f"alice-*/{NB}"))
    assert [json.loads(p.read_bytes())["owner"] for p in kept] == ["v1"]
    assert course.students_submitted(A) == ["alice"]


def test_one_source_of_times(course, tmp_path):
    inbox = folder(tmp_path / "inbox", {f"alice/{NB}": notebook("a")})
    with pytest.raises(ValueError, match="one source"):
        collect.collect(course, inbox, A, times=collect.TimeSource(
            on_time=True, submitted_at="2026-10-09 12:00 UTC"))
    with pytest.raises(ValueError, match="needs a zip"):
        collect.collect(course, inbox, A, times=collect.TimeSource(zip_zone="UTC"))
    with pytest.raises(ValueError, match="not a date"):
        collect.collect(course, inbox, A, times=collect.TimeSource(submitted_at="2026-10"))
    with pytest.raises(ValueError, match="unknown time zone"):
        collect.collect(course, inbox, A,
                        times=collect.TimeSource(submitted_at="2026-10-09 12:00 Nowhere/Land"))
    assert submitted(course) == {}


def test_submissions_csv_by_student_id(course, tmp_path, capsys):
    inbox = folder(tmp_path / "inbox", {f"alice/{NB}": notebook("a"), f"bob/{NB}": notebook("b"),
                                        f"carol/{NB}": notebook("c")})
    times = tmp_path / "times.csv"
    times.write_text("id,submitted_at\nalice,2026-10-09 23:30:00 +0800\n"
                     "bob,2026-10\ncarol,2026-10-09 12:00 UTC\ncarol,2026-10-09 13:00 UTC\n")
    code, out = run(course, str(inbox), A, "--submissions-csv", str(times), capsys=capsys)
    assert code != 0
    assert "not a date, time and time zone" in out and "2 times for this student" in out
    assert submitted(course) == {"alice": ("a", "2026-10-09 15:30:00+00:00")}
