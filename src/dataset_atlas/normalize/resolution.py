"""Spatial and temporal resolution texts to typed values."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from dataset_atlas.model import Resolution, TimeResolution
from dataset_atlas.normalize.extents import finite_float

METRES_PER_DEGREE = 111_320.0  # at the equator; angular resolutions convert with this

_UNIT_METRES = {
    "m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0, "米": 1.0,
    "km": 1000.0, "kilometer": 1000.0, "kilometers": 1000.0, "kilometre": 1000.0,
    "kilometres": 1000.0, "公里": 1000.0, "千米": 1000.0,
    "cm": 0.01, "厘米": 0.01,
}  # fmt: skip
_UNIT_DEGREES = {
    "°": 1.0, "度": 1.0, "deg": 1.0, "degree": 1.0, "degrees": 1.0, "º": 1.0,
    "′": 1 / 60, "'": 1 / 60, "arc-minute": 1 / 60, "arcminute": 1 / 60, "arc-minutes": 1 / 60,
    "arcminutes": 1 / 60, "arcmin": 1 / 60, "分": 1 / 60,
    "″": 1 / 3600, '"': 1 / 3600, "''": 1 / 3600, "arc-second": 1 / 3600,
    "arcsecond": 1 / 3600, "arc-seconds": 1 / 3600, "arcseconds": 1 / 3600, "arcsec": 1 / 3600,
    "秒": 1 / 3600,
}  # fmt: skip
_NUMBER = r"(\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?)"
_UNITS = sorted([*_UNIT_METRES, *_UNIT_DEGREES], key=len, reverse=True)
_UNIT = "(" + "|".join(re.escape(u) for u in _UNITS) + ")"
# First "<number> <unit>"; "1 km x 1 km" and "0.25° × 0.25°" take the first (square cells).
_VALUE = re.compile(_NUMBER + r"\s*" + _UNIT + r"(?![a-z])", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"^\s*" + _NUMBER + r"\s*$")


def _number(text: str) -> float:
    """``12.5`` or ``1/12`` as a float; infinity when beyond float range (caller drops it)."""
    try:
        if "/" in text:
            num, den = (part.strip() for part in text.split("/"))
            return float(Fraction(num) / Fraction(den)) if float(den) else float("nan")
        return float(text)
    except OverflowError:
        return math.inf


def parse_resolution(text: object) -> Resolution:
    """Parse a free-text spatial resolution to metres; unknown text gives ``metres=None``.

    Angular values convert at the equator (1° = 111,320 m) and are flagged ``angular``.
    A bare number is read as metres, the NCDC default unit.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        metres = finite_float(text)
        return Resolution(metres=metres if metres is not None and metres > 0 else None, text=str(text)[:40])
    if not isinstance(text, str):
        return Resolution()
    raw = text.strip()
    norm = raw.replace("（", "(").replace("）", ")").replace("×", "x").replace("＊", "*")
    if norm.startswith("-"):  # a negative cell size is an error, not a resolution
        return Resolution(text=raw)
    match = _VALUE.search(norm)
    if match:
        value = _number(match.group(1))
        unit = match.group(2).lower() if match.group(2).isascii() else match.group(2)
        if unit in _UNIT_METRES:
            metres, angular = value * _UNIT_METRES[unit], False
        else:
            metres, angular = value * _UNIT_DEGREES[unit] * METRES_PER_DEGREE, True
        if 0 < metres < math.inf:
            return Resolution(metres=round(metres, 6), text=raw, angular=angular)
        return Resolution(text=raw)
    bare = _BARE_NUMBER.match(norm)
    if bare:
        value = _number(bare.group(1))
        if 0 < value < math.inf:
            return Resolution(metres=value, text=raw)
    return Resolution(text=raw)


def parse_resolution_bound(text: str) -> float:
    """A resolution given by a user (``1km``, ``0.25°``, ``500``) in metres, or ValueError."""
    res = parse_resolution(text)
    if res.metres is None:
        raise ValueError(f"not a spatial resolution: {text!r} (try 10m, 1km, 0.25°)")
    return res.metres


# A period of N days: "8-day", "16 days", "8天", "八天", "every 4 days"; the class it means.
_DAYS = {1: TimeResolution.DAILY, 4: TimeResolution.FOUR_DAY, 5: TimeResolution.FIVE_DAY,
         7: TimeResolution.WEEKLY, 8: TimeResolution.EIGHT_DAY, 10: TimeResolution.TEN_DAY,
         16: TimeResolution.SIXTEEN_DAY}
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_N_DAYS = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*[-‐–\s]?\s*(?:days?\b|天|日)", re.I)
# Named periods: 旬 is a dekad (10 days), 候 a pentad (5 days; not the 候 of 气候, climate).
_NAMED_DAYS = [(re.compile(r"旬|dekad", re.I), 10), (re.compile(r"(?<!气)候|pentad", re.I), 5)]

# Order matters: the first matching rule wins ("小时" before "时", "half-hourly" as hourly).
_TIME_RULES: list[tuple[re.Pattern[str], TimeResolution]] = [
    (re.compile(r"hour|小时|逐时|每时|^时$|\bhr\b|^pt\d+[hm]$|分钟|minute", re.I), TimeResolution.HOURLY),
    (re.compile(r"dai|day|日|天|^d$", re.I), TimeResolution.DAILY),
    (re.compile(r"week|周|星期|^p1w$", re.I), TimeResolution.WEEKLY),
    (re.compile(r"month|月|^p1m$|^m$", re.I), TimeResolution.MONTHLY),
    (re.compile(r"year|annual|年|^p1y$|^y$", re.I), TimeResolution.YEARLY),
]
_UNKNOWN_WORDS = {"", "none", "null", "unknown", "n/a", "na", "无", "未知", "-", "/"}


def _cn_number(text: str) -> int:
    """``八`` -> 8, ``十六`` -> 16, ``二十`` -> 20 (the small numbers periods are written with)."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0) if len(text) == 1 else 0
    tens, _, units = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)


def _days_class(days: int) -> TimeResolution:
    return _DAYS.get(days, TimeResolution.OTHER)


def parse_time_resolution(text: object) -> TimeResolution:
    """Classify a free-text temporal resolution (Chinese or English, or ISO 8601 period).

    The one normaliser for every reader (NCDC text, STAC ``cube:dimensions`` steps and titles):
    an N-day period is its own class (4-, 5-, 8-, 10-, 16-day; 7 days is weekly), other N are
    ``other``.
    """
    if not isinstance(text, str):
        return TimeResolution.UNKNOWN
    norm = text.strip().lower()
    if norm in _UNKNOWN_WORDS:
        return TimeResolution.UNKNOWN
    if norm.startswith("p"):  # ISO durations as in STAC cube:dimensions (P1DT0H0M0S)
        iso = _iso_period(norm)
        if iso is not None:
            return iso
    m = _N_DAYS.search(norm)
    if m:
        digits = m.group(1)
        days = int(digits) if digits.isdigit() else _cn_number(digits)
        if days > 0:
            return _days_class(days)
    for pattern, days in _NAMED_DAYS:
        if pattern.search(norm):
            return _days_class(days)
    for pattern, value in _TIME_RULES:
        if pattern.search(norm):
            return value
    return TimeResolution.OTHER


_ISO = re.compile(r"^p(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?)?$")


def _iso_period(text: str) -> TimeResolution | None:
    """The class of an ISO 8601 duration by its coarsest non-zero unit (``p1dt0h0m0s`` is daily,
    ``p8d`` 8-day, ``p1w`` weekly); ``None`` when it is not one."""
    m = _ISO.match(text)
    if not m or text == "p":
        return None
    years, months, weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    if years:
        return TimeResolution.YEARLY if years == 1 and not months else TimeResolution.OTHER
    if months:
        return TimeResolution.MONTHLY if months == 1 else TimeResolution.OTHER
    if weeks or days:
        return _days_class(weeks * 7 + days)
    if hours or minutes or seconds:
        return TimeResolution.HOURLY if hours <= 1 and (hours or minutes) else TimeResolution.OTHER
    return None
