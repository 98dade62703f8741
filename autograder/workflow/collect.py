"""Bring an LMS download into ``submitted/<student>/<assignment>/`` with its submission time.

Layouts (``layout``; by default recognised from the names at the top of the download):

* ``canvas``: files ``name_[late_]USERID_SUBMISSIONID_file.ipynb`` (Canvas's "Download
  Submissions"; ``late`` is Canvas's own marker and is checked against the time given);
* ``moodle``: folders ``Full Name_USERID_assignsubmission_file_/`` (Moodle's "Download all
  submissions"), or files ``Full Name_USERID_assignsubmission_file_<file>`` (older Moodle);
* ``folders``: one folder per student, named by the student id, or ``<student>.ipynb``.

Student ids. Canvas and Moodle name their own user id; a roster maps it to the course's
student id: a ``students.csv`` in nbgrader's import format (``id``, ``lms_user_id``, ...) or,
by default, nbgrader's student table in the gradebook. A folder's name is the student id;
where a roster exists it must be on it. Only the top-level name counts: nothing inside a
student's folder can name another student.

Submission times come only from evidence (:class:`TimeSource`): a submissions CSV, the
LMS's zip entry times in a stated zone, one explicit time for all, or "on time" (the due
date). Never a file's modification time, never the time of collection.

Nothing is guessed and nothing is overwritten: an unknown student, two entries for one
student, a missing or ambiguous notebook, an unsafe name, a symbolic link (never followed),
an oversized file, a missing time: that entry gets an error, the others are collected. A
student already in ``submitted/`` with the same notebooks and time is left as it is; with
different ones it is an error unless ``replace``, which first moves the old submission to
``submitted/.replaced/<assignment>/<student>-<time>/``.
"""

from __future__ import annotations

import csv
import filecmp
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO

from nbgrader.api import Gradebook

from autograder.grading.timestamps import format_timestamp, parse_timestamp
from autograder.workflow.course import MAX_NOTEBOOK_BYTES, Course, is_student_id

#: Bounds on what a download may hold (entries listed) and what is copied out of it.
MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 4 * 1024**3
CANVAS = re.compile(r"(?P<name>[^/]+?)_(?:(?P<late>late)_)?(?P<lms_id>\d+)_(?P<attempt>\d+)_"
                    r"(?P<file>[^/]+)", re.IGNORECASE)
MOODLE = re.compile(r"(?P<name>[^/]+)_(?P<lms_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_"
                    r"(?P<file>[^/]*)")
#: Entries an operating system or editor adds to a download; never a submission.
JUNK = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints|\.DS_Store|Thumbs\.db)(/|$)|(^|/)\._")
LAYOUTS = ("auto", "canvas", "moodle", "folders")


@dataclass
class Entry:
    """One file, folder or link in the download, by its relative name."""

    path: PurePosixPath
    kind: str                       # "file", "dir", "symlink" or "other"
    size: int = 0
    zip_info: zipfile.ZipInfo | None = None
    real: Path | None = None        # the file itself, for a folder download


@dataclass
class Submission:
    """What the download holds for one student (before any check)."""

    key: str                        # the download's name for it
    layout: str = "folders"
    lms_id: str | None = None       # canvas, moodle
    folder_id: str | None = None    # folders
    late_marker: bool = False       # canvas
    entries: list[Entry] = field(default_factory=list)
    student: str = ""
    error: str = ""
    notebooks: dict[str, Entry] = field(default_factory=dict)
    submitted_at: datetime | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Result:
    """One line of the summary: a download entry and what became of it."""

    entry: str
    student: str
    status: str                     # collected | unchanged | replaced | error
    message: str = ""


@dataclass
class TimeSource:
    """Where submission times come from: exactly one of these (see the module doc)."""

    csv: Path | None = None         # columns: id or lms_user_id, and submitted_at
    zip_zone: str | None = None     # zip entry times are the LMS's, in this zone
    submitted_at: str | None = None # one time for every submission
    on_time: bool = False           # every submission at the due date

    def given(self) -> list[str]:
        return [name for name, value in (("--submissions-csv", self.csv),
                                         ("--zip-times", self.zip_zone),
                                         ("--submitted-at", self.submitted_at),
                                         ("--on-time", self.on_time)) if value]


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


class Download:
    """A zip file or a folder, read without following links and within bounds."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.archive = zipfile.ZipFile(source) if source.is_file() else None
        self.entries = list(self._zip_entries() if self.archive else self._folder_entries())
        self.copied = 0

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def _zip_entries(self) -> Iterator[Entry]:
        members = self.archive.infolist()
        if len(members) > MAX_ENTRIES:
            raise ValueError(f"the zip holds {len(members)} entries (limit {MAX_ENTRIES})")
        for info in members:
            # Zip tools often store permission bits without a file type: only a link's
            # type is trusted, anything else that is not a folder is a file.
            mode = info.external_attr >> 16
            kind = "symlink" if stat.S_ISLNK(mode) else "dir" if info.is_dir() else "file"
            yield Entry(PurePosixPath(info.filename.rstrip("/")), kind, info.file_size, info)

    def _folder_entries(self) -> Iterator[Entry]:
        count = 0
        for folder, dirs, files in os.walk(self.source):  # never descends into a link
            for name in sorted(dirs) + sorted(files):
                count += 1
                if count > MAX_ENTRIES:
                    raise ValueError(f"the folder holds over {MAX_ENTRIES} entries")
                real = Path(folder) / name
                info = real.lstat()
                relative = PurePosixPath(real.relative_to(self.source).as_posix())
                yield Entry(relative, _kind(info.st_mode), info.st_size, real=real)

    def open(self, entry: Entry) -> IO[bytes]:
        if self.archive is not None:
            return self.archive.open(entry.zip_info)
        # O_NOFOLLOW: a file swapped for a link after listing is still not followed.
        return os.fdopen(os.open(entry.real, os.O_RDONLY | os.O_NOFOLLOW), "rb")

    def copy(self, entry: Entry, target: Path) -> None:
        """Copy ``entry`` to ``target``, counting the bytes actually read against the limits."""
        budget = min(MAX_NOTEBOOK_BYTES, MAX_TOTAL_BYTES - self.copied)
        written = 0
        with self.open(entry) as source, target.open("wb") as sink:
            while chunk := source.read(1024**2):
                written += len(chunk)
                if written > budget:
                    raise ValueError(f"{entry.path.name} is larger than "
                                     f"{MAX_NOTEBOOK_BYTES // 1024**2} MiB (or the download "
                                     f"exceeds {MAX_TOTAL_BYTES // 1024**3} GiB in all)")
                sink.write(chunk)
        self.copied += written


# -- layouts: group the download's entries by student -------------------------------------

def _unsafe(path: PurePosixPath) -> bool:
    text = str(path)
    return (path.is_absolute() or ".." in path.parts or "\\" in text or "\0" in text
            or text.startswith("/"))


def detect_layout(entries: list[Entry]) -> str:
    tops = {e.path.parts[0] for e in entries if e.path.parts and not JUNK.search(str(e.path))}
    if any(MOODLE.fullmatch(name) for name in tops):
        return "moodle"
    if any(CANVAS.fullmatch(e.path.name) for e in entries
           if len(e.path.parts) == 1 and e.kind == "file"):
        return "canvas"
    return "folders"


def _group_key(entry: Entry, layout: str) -> tuple[str, dict] | None:
    """The submission an entry belongs to, with what its name says; None to ignore it."""
    top = entry.path.parts[0]
    if layout == "canvas":
        match = CANVAS.fullmatch(top) if len(entry.path.parts) == 1 else None
        if match is None:
            return top, {"error": "not named like a Canvas submission "
                                  "(name_userid_submissionid_file)"}
        return f"{match['name']}_{match['lms_id']}", {"lms_id": match["lms_id"],
                                                      "late_marker": bool(match["late"])}
    if layout == "moodle":
        match = MOODLE.fullmatch(top)
        if match is None:
            return top, {"error": "not named like a Moodle submission "
                                  "(Full Name_userid_assignsubmission_file_)"}
        if match["plugin"] != "file":
            return None  # online text, comments: not a notebook submission
        return f"{match['name']}_{match['lms_id']}", {"lms_id": match["lms_id"]}
    if len(entry.path.parts) == 1 and entry.kind != "dir":
        if entry.kind == "file" and entry.path.suffix != ".ipynb":
            return None  # a loose file next to the students' folders
        return top, {"folder_id": entry.path.stem if entry.path.suffix == ".ipynb" else top}
    return top, {"folder_id": top}


def group(entries: list[Entry], layout: str) -> list[Submission]:
    submissions: dict[str, Submission] = {}
    for entry in entries:
        if not entry.path.parts or JUNK.search(str(entry.path)):
            continue
        if _unsafe(entry.path):
            key = str(entry.path)
            submissions.setdefault(key, Submission(key, error="unsafe path in the download"))
            continue
        found = _group_key(entry, layout)
        if found is None:
            continue
        key, facts = found
        submission = submissions.setdefault(key, Submission(key, layout))
        for name, value in facts.items():
            if name == "error":
                submission.error = submission.error or value
            elif name == "late_marker":  # any of the student's files marked late
                submission.late_marker = submission.late_marker or value
            else:
                setattr(submission, name, value)
        submission.entries.append(entry)
    return [submissions[key] for key in sorted(submissions)]


# -- students --------------------------------------------------------------------------

@dataclass
class Roster:
    """Student ids of the course, and which LMS user id belongs to which."""

    ids: set[str] = field(default_factory=set)
    by_lms_id: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str | None]]) -> Roster:
        roster = cls()
        for student, lms_id in rows:
            if not is_student_id(student):
                raise ValueError(f"roster: {student!r} is not a safe student id")
            if student in roster.ids:
                raise ValueError(f"roster: student {student!r} is listed twice")
            roster.ids.add(student)
            if lms_id:
                roster.by_lms_id[lms_id.strip()].append(student)
        return roster

    @classmethod
    def from_csv(cls, path: Path) -> Roster:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if "id" not in (reader.fieldnames or []):
                raise ValueError(f"{path}: a roster needs an 'id' column (nbgrader's format: "
                                 "id,first_name,last_name,email,lms_user_id)")
            return cls.from_rows([(row["id"].strip(), row.get("lms_user_id"))
                                  for row in reader])

    @classmethod
    def from_gradebook(cls, course: Course) -> Roster:
        """nbgrader's student table; empty where no SQLite gradebook exists yet (opening
        one would create it)."""
        url = course.db_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return cls()
        with Gradebook(course.db_url, course.coursedir.course_id) as gb:
            return cls.from_rows([(s.id, s.lms_user_id) for s in gb.students])


def resolve_student(submission: Submission, roster: Roster) -> str:
    """The course's student id for ``submission``; ValueError saying why there is none."""
    if submission.lms_id is not None:
        if not roster.ids:
            raise ValueError("an LMS download needs a roster mapping LMS user ids to student "
                             "ids (--roster students.csv, or nbgrader's student table)")
        found = roster.by_lms_id.get(submission.lms_id, [])
        if len(found) != 1:
            raise ValueError(f"LMS user id {submission.lms_id} is " +
                             ("not on the roster" if not found else
                              f"on the roster {len(found)} times ({', '.join(found)})"))
        return found[0]
    student = submission.folder_id or ""
    if not is_student_id(student):
        raise ValueError("the name is not a safe student id (letters, digits, . _ @ + -)")
    if roster.ids and student not in roster.ids:
        raise ValueError(f"student {student!r} is not on the roster")
    return student


def resolve_students(submissions: list[Submission], roster: Roster) -> None:
    """Give each submission its student, or an error; two submissions for one student (or
    ids that differ only in case) are both errors."""
    for submission in submissions:
        if not submission.error:
            try:
                submission.student = resolve_student(submission, roster)
            except ValueError as exc:
                submission.error = str(exc)
    claims: dict[str, list[Submission]] = defaultdict(list)
    for submission in submissions:
        if submission.student:
            claims[submission.student.casefold()].append(submission)
    for claimants in claims.values():
        if len(claimants) > 1:
            keys = ", ".join(c.key for c in claimants)
            for submission in claimants:
                submission.error = submission.error or \
                    f"{len(claimants)} entries claim this student ({keys}): none collected"


# -- notebooks -------------------------------------------------------------------------

def choose_notebooks(submission: Submission, expected: list[str]) -> None:
    """Pick the assignment's notebooks among the entry's files, by name; a single notebook
    under another name (``regression-1.ipynb``) counts when the assignment has one."""
    for entry in submission.entries:
        if entry.kind in ("symlink", "other"):
            what = "a symbolic link" if entry.kind == "symlink" else "not a regular file"
            raise ValueError(f"{entry.path} is {what}: not followed")
    files = [e for e in submission.entries if e.kind == "file" and e.path.suffix == ".ipynb"]
    for notebook in expected:
        named = [e for e in files if _file_name(e, submission) == f"{notebook}.ipynb"]
        if len(named) > 1:
            raise ValueError(f"{len(named)} files named {notebook}.ipynb: "
                             f"{', '.join(str(e.path) for e in named)}")
        if not named and len(expected) == 1 and len(files) == 1:
            named = files
            submission.notes.append(f"{_file_name(files[0], submission)} taken as "
                                    f"{notebook}.ipynb")
        if not named:
            found = ", ".join(str(e.path) for e in files) or "no notebook"
            raise ValueError(f"{notebook}.ipynb is missing (found: {found})")
        submission.notebooks[notebook] = named[0]


def _file_name(entry: Entry, submission: Submission) -> str:
    """The student's own file name: without an LMS's prefix."""
    for pattern in (CANVAS, MOODLE):
        match = pattern.fullmatch(entry.path.name) if len(entry.path.parts) == 1 else None
        if match and match["file"] and submission.lms_id is not None:
            return match["file"]
    return entry.path.name


# -- times -------------------------------------------------------------------------------

def _csv_times(path: Path) -> dict[str, list[str]]:
    """Submission times by student id and by LMS user id, from a submissions CSV."""
    times: dict[str, list[str]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        if "submitted_at" not in columns or not columns & {"id", "lms_user_id"}:
            raise ValueError(f"{path}: a submissions CSV needs the columns submitted_at and "
                             "id or lms_user_id")
        for row in reader:
            for column, prefix in (("id", "id:"), ("lms_user_id", "lms:")):
                if row.get(column):
                    times[prefix + row[column].strip()].append(row["submitted_at"])
    return times


def _zip_time(entry: Entry, zone: str) -> datetime:
    """A zip entry's time: its UTC extended time stamp where present, else its DOS time
    read in ``zone``."""
    extra = entry.zip_info.extra
    while len(extra) >= 4:
        tag, size = int.from_bytes(extra[:2], "little"), int.from_bytes(extra[2:4], "little")
        data, extra = extra[4:4 + size], extra[4 + size:]
        if tag == 0x5455 and size >= 5 and data[0] & 1:
            return datetime.fromtimestamp(int.from_bytes(data[1:5], "little", signed=True), UTC)
    year, month, day, hour, minute, second = entry.zip_info.date_time
    return parse_timestamp(f"{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} "
                           f"{zone}")


class Times:
    """Submission times from the one source the TA named."""

    def __init__(self, source: TimeSource, due: datetime | None, is_zip: bool) -> None:
        given = source.given()
        if len(given) > 1:
            raise ValueError(f"give one source of submission times, not {' and '.join(given)}")
        if source.zip_zone and not is_zip:
            raise ValueError("--zip-times needs a zip download")
        if source.on_time and due is None:
            raise ValueError("--on-time needs the assignment's due date in nbgrader_config.py")
        if source.zip_zone:
            parse_timestamp(f"2026-01-01 00:00 {source.zip_zone}")  # a bad zone fails now
        self.source, self.due = source, due
        self.table = _csv_times(source.csv) if source.csv else {}
        self.fixed = parse_timestamp(source.submitted_at) if source.submitted_at else None

    def of(self, submission: Submission) -> datetime:
        if self.source.on_time:
            return self.due
        if self.fixed is not None:
            return self.fixed
        if self.source.zip_zone:
            return max(_zip_time(e, self.source.zip_zone) for e in submission.notebooks.values())
        if self.source.csv:
            return self._from_csv(submission)
        raise ValueError("no submission time: give --submissions-csv, --zip-times ZONE, "
                         "--submitted-at TIME or --on-time (file times are not evidence)")

    def _from_csv(self, submission: Submission) -> datetime:
        rows = self.table.get(f"id:{submission.student}", []) + \
            (self.table.get(f"lms:{submission.lms_id}", []) if submission.lms_id else [])
        if len(set(rows)) != 1:
            raise ValueError(f"the submissions CSV has {len(rows)} times for this student "
                             f"({', '.join(sorted(set(rows)))})" if rows else
                             "not in the submissions CSV")
        return parse_timestamp(rows[0])

    def check_marker(self, submission: Submission, moment: datetime) -> None:
        """Canvas says whether it was late: a time that says otherwise is not trusted."""
        if submission.layout != "canvas" or self.due is None:
            return
        late = moment > self.due
        if late != submission.late_marker:
            raise ValueError(f"Canvas marks it {'late' if submission.late_marker else 'on time'}"
                             f" but the time given, {format_timestamp(moment)}, says "
                             f"{'late' if late else 'on time'}")


# -- writing ---------------------------------------------------------------------------

def _same_folder(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all(
        filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def write(course: Course, assignment: str, submission: Submission, download: Download,
          replace: bool) -> tuple[str, str]:
    """Write one checked submission; returns (status, message)."""
    submitted = course.path("submitted_directory")
    submitted.mkdir(parents=True, exist_ok=True)
    target = submitted / submission.student / assignment
    scratch = Path(tempfile.mkdtemp(prefix=".collect-", dir=submitted))
    try:
        for notebook, entry in submission.notebooks.items():
            download.copy(entry, scratch / f"{notebook}.ipynb")
        (scratch / "timestamp.txt").write_text(format_timestamp(submission.submitted_at) + "\n")
        if target.exists() and _same_folder(scratch, target):
            return "unchanged", "already collected, identical"
        status = "collected"
        if target.exists():
            if not replace:
                return "error", ("already collected with other notebooks or time: kept as it "
                                 "is (--replace replaces it, keeping the old one)")
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            backup = submitted / ".replaced" / assignment / f"{submission.student}-{stamp}"
            backup.parent.mkdir(parents=True, exist_ok=True)
            target.rename(backup)
            status = "replaced"
        target.parent.mkdir(exist_ok=True)
        scratch.rename(target)
        return status, f"submitted at {format_timestamp(submission.submitted_at)}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def collect(course: Course, source: Path, assignment: str, *, layout: str = "auto",
            roster: Path | None = None, times: TimeSource | None = None,
            replace: bool = False) -> list[Result]:
    """Collect every submission in ``source``; one :class:`Result` per download entry.

    Raises ValueError (nothing written) when the command itself is wrong: an unknown
    assignment, an unreadable download or roster, a missing or doubled time source."""
    expected = course.notebooks(assignment)
    if not expected:
        raise ValueError(f"no assignment {assignment!r} in {course.path('source_directory')}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    course_roster = Roster.from_csv(roster) if roster else Roster.from_gradebook(course)
    try:
        download = Download(source)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{source} is not a zip file ({exc})") from None
    try:
        clock = Times(times or TimeSource(), course.due_date(assignment),
                      download.archive is not None)
        submissions = group(download.entries, detect_layout(download.entries)
                            if layout == "auto" else layout)
        resolve_students(submissions, course_roster)
        return [_finish(course, assignment, s, download, clock, replace) for s in submissions]
    finally:
        download.close()


def _finish(course: Course, assignment: str, submission: Submission, download: Download,
            clock: Times, replace: bool) -> Result:
    try:
        if submission.error:
            raise ValueError(submission.error)
        choose_notebooks(submission, course.notebooks(assignment))
        submission.submitted_at = clock.of(submission)
        clock.check_marker(submission, submission.submitted_at)
        status, message = write(course, assignment, submission, download, replace)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        status, message = "error", str(exc)
    notes = "; ".join([message, *submission.notes])
    return Result(submission.key, submission.student, status, notes)


def format_table(results: list[Result]) -> str:
    """The summary for the terminal, every name made safe to print."""
    from autograder.workflow.course import printable

    lines = [f"{'entry':<36} {'student':<20} {'status':<10} detail"]
    for r in results:
        lines.append(f"{printable(r.entry, 36):<36} {printable(r.student, 20):<20} "
                     f"{r.status:<10} {printable(r.message, 160)}")
    counts = defaultdict(int)
    for r in results:
        counts[r.status] += 1
    lines.append(", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                 or "nothing to collect")
    return "\n".join(lines)
