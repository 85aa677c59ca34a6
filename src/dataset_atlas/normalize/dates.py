"""Dates from metadata and from users."""

from __future__ import annotations

import re
from datetime import date, datetime

_DATE = re.compile(r"^\s*(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?)?")


def parse_date(value: object, *, end: bool = False) -> date | None:
    """Parse ``YYYY-MM-DD hh:mm:ss``, ISO 8601, ``YYYY-MM``, ``YYYY`` or ``2020年1月``.

    A year or month alone means its first day, or its last with ``end=True``. Returns None
    for empty or unparseable input (the caller records a warning).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        return date(value, 12, 31) if end else date(value, 1, 1)
    if not isinstance(value, str):
        return None
    m = _DATE.match(value)
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else (12 if end else 1)
    try:
        if m.group(3):
            return date(year, month, int(m.group(3)))
        if end:
            next_month = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(next_month.toordinal() - 1)
        return date(year, month, 1)
    except ValueError:
        return None
