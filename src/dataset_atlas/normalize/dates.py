"""Dates from metadata and from users."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

# A year is exactly four digits: "1000000-01-01" or "99999" must not be read as their first
# four. A date may be followed by a time or words ("2020-01-01 00:00:00", "2020年6月至今"),
# never by more digits: "2020-123" is not 2020-12-01 and "2020-01/2021-06" not a date.
_DELIMITED = re.compile(
    r"(?P<y>\d{4})"
    r"(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?"
    r"|年(?:(?P<cm>\d{1,2})月(?:(?P<cd>\d{1,2})日?)?)?)?"
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")  # ISO 8601 basic: 20100315
_RUN_ON = re.compile(r"\d|[-/.]\s*\d")


def parse_date(value: object, *, end: bool = False) -> date | None:
    """Parse ``YYYY-MM-DD hh:mm:ss``, ISO 8601 (also ``YYYYMMDD``), ``YYYY-MM``, ``YYYY``, ``2020年1月``.

    A year or month alone means its first day, or its last with ``end=True``. Returns None
    for empty or unparseable input, and for years outside 1-9999 (the caller records a
    warning, or refuses the argument); never a date other than the one written.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _make(value, None, None, end) if 1 <= value <= 9999 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _COMPACT.match(text)
    if m and not _RUN_ON.match(text, m.end()):
        return _make(int(m["y"]), int(m["m"]), int(m["d"]), end)
    m = _DELIMITED.match(text)
    if m is None or _RUN_ON.match(text, m.end()):
        return None
    month, day = m["m"] or m["cm"], m["d"] or m["cd"]
    return _make(int(m["y"]), int(month) if month else None, int(day) if day else None, end)


def _make(year: int, month: int | None, day: int | None, end: bool) -> date | None:
    """The date, or the first (last with ``end``) day of a month or year; None if invalid."""
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            # monthrange, not "first of next month minus one": 9999-12 has no next month.
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, month, day)
    except ValueError:  # year 0, month 13, 31 June, ...
        return None
