"""One strict reader of submission times and due dates.

``collect``, ``grade``, ``report`` and the late-penalty preprocessor that stock ``nbgrader
autograde`` runs (:mod:`autograder.grading.late`) all read times here, so they can never
disagree about how late a submission is. Accepted: a full date and a time (seconds and
fractions optional), ``T`` or a space between them, then an explicit zone, optionally after
one space::

    2026-10-09 23:30:00 +08:00     2026-10-09T23:30+0800      2026-10-09 15:30:00.25 UTC
    2026-10-09T15:30:00Z           2026-10-09 23:30 Asia/Shanghai

Everything else is refused with a message rather than guessed: no zone, a partial date
(``2026-10``), a bare number (an LMS id), abbreviations such as ``CST`` (China or US
Central?), POSIX-style ``UTC+8`` and ``Etc/GMT-8`` (whose sign means the opposite of
what it says), offsets beyond ±14:00, and local times that a daylight-saving change makes
ambiguous or nonexistent. nbgrader's own reader (``nbgrader.utils.parse_utc``) takes
``+08:00`` for UTC and ``+0800`` for 800 seconds; :func:`format_timestamp` writes the one
form both read alike.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_FORMAT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r" ?(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?|[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+)")
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})?")
#: Largest UTC offset in use anywhere (Kiribati, +14:00).
MAX_OFFSET = timedelta(hours=14)
#: A timestamp.txt longer than this is not a time stamp.
MAX_FILE_BYTES = 256
EXAMPLE = "2026-10-09 23:30:00 +08:00"


def _zone(text: str) -> tzinfo:
    if text in ("Z", "UTC", "GMT"):
        return UTC
    offset = _OFFSET.fullmatch(text)
    if offset:
        delta = timedelta(hours=int(offset["hours"]), minutes=int(offset["minutes"] or 0))
        if delta > MAX_OFFSET or int(offset["minutes"] or 0) >= 60:
            raise ValueError(f"offset {text} is not a real UTC offset")
        return timezone(-delta if offset["sign"] == "-" else delta)
    if re.match(r"Etc/GMT[+-]", text):
        raise ValueError(f"zone {text} means the opposite sign of what it says; "
                         "write the offset instead, e.g. +08:00")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}") from None


def _check_local_time(moment: datetime) -> None:
    """Refuse a wall-clock time that a daylight-saving change makes ambiguous or skips."""
    if not isinstance(moment.tzinfo, ZoneInfo):
        return
    round_trip = moment.astimezone(UTC).astimezone(moment.tzinfo)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValueError("does not exist (a daylight-saving change skips it)")
    if moment.utcoffset() != moment.replace(fold=1).utcoffset():
        raise ValueError("is ambiguous (a daylight-saving change repeats that hour); "
                         "write the UTC offset instead")


def parse_timestamp(text: str) -> datetime:
    """The moment ``text`` names, as an aware UTC datetime; ValueError if it is not strict."""
    shown = ascii(text.strip()[:60])
    match = _FORMAT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{shown} is not a date, time and time zone like '{EXAMPLE}'")
    try:
        zone = _zone(match["zone"])
        moment = datetime.fromisoformat(match["date"]).replace(
            hour=int(match["hour"]), minute=int(match["minute"]),
            second=int(match["second"] or 0),
            microsecond=int((match["fraction"] or "0").ljust(6, "0")), tzinfo=zone)
        _check_local_time(moment)
    except ValueError as exc:
        raise ValueError(f"{shown}: {exc}") from None
    return moment.astimezone(UTC)


def naive_utc(moment: datetime) -> datetime:
    """nbgrader's convention for times in the gradebook: naive, in UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def format_timestamp(moment: datetime) -> str:
    """The form written to ``timestamp.txt``, which nbgrader's reader reads correctly too."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def read_timestamp_file(folder: Path) -> datetime:
    """The submission time in ``folder/timestamp.txt``; ValueError if missing or not strict."""
    path = folder / "timestamp.txt"
    if not path.is_file() or path.is_symlink():
        raise ValueError("timestamp.txt is missing: the late policy cannot be applied")
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    try:
        if len(raw) > MAX_FILE_BYTES:
            raise ValueError(f"it is longer than {MAX_FILE_BYTES} bytes")
        return parse_timestamp(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"timestamp.txt is malformed: {exc}") from None
