"""parse_date: lenient (None for garbage) but never a date other than the one written."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dataset_atlas.normalize.dates import parse_date


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        # the forms records and users write
        ("2020-01-01 00:00:00", False, date(2020, 1, 1)),
        ("2020-12-31T23:59:59Z", True, date(2020, 12, 31)),
        ("2020-12-31T23:59:59-05:00", False, date(2020, 12, 31)),  # the date as written
        ("  2020-06-15  ", False, date(2020, 6, 15)),
        ("2020/06/15", False, date(2020, 6, 15)),
        ("2020.6.5", False, date(2020, 6, 5)),
        ("2020-6", True, date(2020, 6, 30)),
        ("2020", False, date(2020, 1, 1)),
        ("2020", True, date(2020, 12, 31)),
        ("2020-02", True, date(2020, 2, 29)),
        ("2021-02", True, date(2021, 2, 28)),
        ("2020年", True, date(2020, 12, 31)),
        ("2020年6月", True, date(2020, 6, 30)),
        ("2020年6月15日", False, date(2020, 6, 15)),
        ("2020年6月15日至今", False, date(2020, 6, 15)),
        ("2020-01-01 至今", False, date(2020, 1, 1)),
        # ISO 8601 basic form: all of it, not just the year
        ("20100315", False, date(2010, 3, 15)),
        ("20100315", True, date(2010, 3, 15)),
        ("20100315T120000Z", False, date(2010, 3, 15)),
        ("20101301", False, None),
        ("201003", False, None),  # YYYYMM is not ISO 8601 (it reads as YYMMDD)
        # the calendar's last year is usable to its last day
        ("9999", True, date(9999, 12, 31)),
        ("9999-12", True, date(9999, 12, 31)),
        ("9999-12", False, date(9999, 12, 1)),
        ("9999-12-31", True, date(9999, 12, 31)),
        ("0001", False, date(1, 1, 1)),
        # years outside 1-9999 are refused, never cut to their first four digits
        ("1000000-01-01", False, None),
        ("99999", False, None),
        ("99999", True, None),
        ("12345-01-01", False, None),
        ("0000", False, None),
        ("0000-01-01", False, None),
        ("-2020", False, None),
        ("+2020-01-01", False, None),
        # run-on digits and ranges are ambiguous: None, not a guess
        ("2020-123", False, None),
        ("2020-06-155", False, None),
        ("2020-01-01/2020-12-31", True, None),
        ("2020-06/15", False, None),
        # impossible dates
        ("2020-13", False, None),
        ("2020-13-01", False, None),
        ("2020-06-31", False, None),
        ("2021-02-29", False, None),
        ("2020年13月", False, None),
        # garbage and other types
        ("", False, None), ("   ", False, None), (None, False, None), ("soon", False, None),
        ("June 2020", False, None), ("20", False, None), (True, False, None), (2020.0, False, None),
        ([2020], False, None),
        # values already typed
        (2019, True, date(2019, 12, 31)),
        (2019, False, date(2019, 1, 1)),
        (0, False, None), (10000, False, None), (-5, False, None),
        (date(1500, 2, 3), True, date(1500, 2, 3)),
        (datetime(2020, 5, 6, 7, 8), False, date(2020, 5, 6)),
    ],
)
def test_parse_date(value: object, end: bool, expected: date | None) -> None:
    assert parse_date(value, end=end) == expected
