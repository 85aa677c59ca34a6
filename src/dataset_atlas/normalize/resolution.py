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


# Order matters: the first matching rule wins ("小时" before "时", "half-hourly" as hourly).
_TIME_RULES: list[tuple[re.Pattern[str], TimeResolution]] = [
    (re.compile(r"hour|小时|逐时|每时|^时$|\bhr\b|^pt\d+[hm]$|分钟|minute", re.I), TimeResolution.HOURLY),
    (re.compile(r"dai|day|日|天|^p1d$|^d$", re.I), TimeResolution.DAILY),
    (re.compile(r"week|周|星期|^p7d$|^p1w$", re.I), TimeResolution.WEEKLY),
    (re.compile(r"month|月|^p1m$|^m$", re.I), TimeResolution.MONTHLY),
    (re.compile(r"year|annual|年|^p1y$|^y$", re.I), TimeResolution.YEARLY),
]
_UNKNOWN_WORDS = {"", "none", "null", "unknown", "n/a", "na", "无", "未知", "-", "/"}


def parse_time_resolution(text: object) -> TimeResolution:
    """Classify a free-text temporal resolution (Chinese or English, or ISO 8601 period)."""
    if not isinstance(text, str):
        return TimeResolution.UNKNOWN
    norm = text.strip().lower()
    if norm in _UNKNOWN_WORDS:
        return TimeResolution.UNKNOWN
    if norm.startswith("p"):  # ISO durations as in STAC cube:dimensions (P1DT0H0M0S)
        norm = _iso_period(norm)
    for pattern, value in _TIME_RULES:
        if pattern.search(norm):
            return value
    return TimeResolution.OTHER


_ISO = re.compile(r"^p(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?)?$")


def _iso_period(text: str) -> str:
    """Reduce an ISO 8601 duration to the coarsest non-zero unit (``p1dt0h0m0s`` -> ``p1d``)."""
    m = _ISO.match(text)
    if not m:
        return text
    years, months, weeks, days, hours, minutes, _ = (int(g) if g else 0 for g in m.groups())
    if years:
        return "p1y" if years == 1 else "other"
    if months:
        return "p1m" if months == 1 else "other"
    if weeks or days == 7:
        return "p1w" if (weeks or 1) == 1 else "other"
    if days:
        return "p1d" if days == 1 else "other"
    if hours or minutes:
        return "pt1h" if hours <= 1 else "other"
    return text
