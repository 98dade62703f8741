"""The one strict time-stamp reader: what it accepts, what it refuses, and the form it writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nbgrader.utils import parse_utc

from autograder.grading.timestamps import format_timestamp, naive_utc, parse_timestamp

ACCEPTED = [
    ("2026-10-09 23:30:00 +08:00", "2026-10-09T15:30:00"),    # the due dates' own format
    ("2026-10-09 23:30:00 +0800", "2026-10-09T15:30:00"),     # not an 800-second offset
    ("2026-10-09T23:30+08", "2026-10-09T15:30:00"),
    ("2026-10-09T15:30:00Z", "2026-10-09T15:30:00"),
    ("2026-10-09 15:30:00.25 UTC", "2026-10-09T15:30:00.250000"),
    ("2026-10-09 15:30:00.000000 UTC", "2026-10-09T15:30:00"),  # nbgrader's own form
    ("2026-10-09 15:30 GMT", "2026-10-09T15:30:00"),
    ("2026-10-09 23:30 Asia/Shanghai", "2026-10-09T15:30:00"),
    ("2026-10-09 11:30 America/New_York", "2026-10-09T15:30:00"),   # daylight time, -04:00
    ("2026-12-09 10:30 America/New_York", "2026-12-09T15:30:00"),   # standard time, -05:00
    ("2026-10-09 12:00:00 -05:00", "2026-10-09T17:00:00"),
    ("  2026-10-09 15:30:00 UTC\n", "2026-10-09T15:30:00"),
]

REJECTED = [
    ("2026-10", "not a date, time and time zone"),          # day would come from today
    ("12345", "not a date, time and time zone"),            # an LMS id, not a time
    ("2026-10-09", "not a date, time and time zone"),
    ("2026-10-09 23:30", "not a date, time and time zone"),  # no zone: whose 23:30?
    ("2026-10-09 23:30 CST", "not a date, time and time zone"),  # China or US Central?
    ("2026-10-09 23:30 UTC+8", "not a date, time and time zone"),  # POSIX sign
    ("2026-10-09 23:30 +800", "not a date, time and time zone"),
    ("2026-10-09 23:30 Etc/GMT-8", "opposite sign"),
    ("2026-10-09 23:30 +15:00", "not a real UTC offset"),
    ("2026-10-09 23:30 +08:75", "not a real UTC offset"),
    ("2026-10-09 23:30 Mars/Olympus_Mons", "unknown time zone"),
    ("2026-13-09 23:30 +08:00", "month"),
    ("2026-10-09 24:00 Z", "hour"),
    ("2026-11-01 01:30 America/New_York", "ambiguous"),     # clocks go back: 01:30 twice
    ("2026-03-08 02:30 America/New_York", "does not exist"),  # clocks skip 02:30
    ("", "not a date"),
    ("2026-10-09\x1b[2J 23:30 Z", "not a date"),
]


@pytest.mark.parametrize(("text", "utc"), ACCEPTED)
def test_accepted(text, utc):
    moment = parse_timestamp(text)
    assert moment.tzinfo is UTC
    assert naive_utc(moment).isoformat() == utc


@pytest.mark.parametrize(("text", "why"), REJECTED)
def test_rejected_with_a_reason(text, why):
    with pytest.raises(ValueError, match=why):
        parse_timestamp(text)


def test_messages_never_carry_terminal_escapes():
    with pytest.raises(ValueError) as caught:
        parse_timestamp("\x1b]0;owned\x07 2026-10-09")
    assert "\x1b" not in str(caught.value) and "\x07" not in str(caught.value)


@pytest.mark.parametrize(("text", "utc"), ACCEPTED)
def test_the_written_form_reads_the_same_in_nbgrader(text, utc):
    """nbgrader's own reader gets +08:00 and +0800 wrong; the form we write it gets right."""
    written = format_timestamp(parse_timestamp(text))
    assert parse_timestamp(written) == parse_timestamp(text)
    assert parse_utc(written) == naive_utc(parse_timestamp(text))


def test_nbgrader_alone_misreads_offsets():
    """Why the strict reader exists (nbgrader 0.9's parse_utc)."""
    truth = datetime(2026, 10, 9, 15, 30)
    assert parse_utc("2026-10-09 23:30:00 +08:00") != truth
    assert parse_utc("2026-10-09 23:30:00 +0800") != truth
