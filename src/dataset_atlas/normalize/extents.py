"""Bounding boxes from metadata to a trustworthy WGS84 extent."""

from __future__ import annotations

import math
from collections.abc import Sequence

from dataset_atlas.geometry import lon_intervals
from dataset_atlas.model import BBox, Extent, ExtentQuality
from dataset_atlas.normalize.places import lookup_place


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return finite_float(value)
    if isinstance(value, str) and value.strip():
        try:
            number = float(value.strip().rstrip("°度").strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def finite_float(value: int | float) -> float | None:
    """``value`` as a finite float, or None (NaN, infinity, an integer beyond float range)."""
    try:
        number = float(value)
    except OverflowError:  # a 400-digit integer
        return None
    return number if math.isfinite(number) else None


def normalize_bbox(
    west: object, south: object, east: object, north: object, *, places: Sequence[object] = ()
) -> tuple[Extent, list[str]]:
    """Turn four raw values into an :class:`Extent` and the warnings it raised.

    Null values fall back to the gazetteer (approximate) or give a missing extent. Swapped
    latitudes are swapped back, out-of-range values clamped (``corrected``); ``west > east`` is
    kept: it crosses the antimeridian, per the STAC convention.
    """
    values = [_number(v) for v in (west, south, east, north)]
    warnings: list[str] = []
    if any(v is None for v in values):
        if any(v is not None for v in values) or any(
            isinstance(v, str) and v.strip() for v in (west, south, east, north)
        ):
            warnings.append("bbox incomplete or not numeric; ignored")
        return _from_places(places, warnings)
    w, s, e, n = (float(v) for v in values)  # type: ignore[arg-type]
    corrected = False
    if s > n:
        s, n = n, s
        corrected = True
        warnings.append("south and north latitudes were swapped; corrected")
    if any(abs(lat) > 90 for lat in (s, n)) and all(abs(lon) <= 90 for lon in (w, e)):
        # Longitudes and latitudes given the wrong way round (lat in lon fields).
        w, s, e, n = s, w, n, e
        if s > n:
            s, n = n, s
        corrected = True
        warnings.append("longitudes and latitudes were swapped; corrected")
    if any(abs(v) > 90 for v in (s, n)):
        s, n = (min(max(v, -90.0), 90.0) for v in (s, n))
        corrected = True
        warnings.append("latitude out of range; clamped to ±90")
    if any(abs(v) > 180 for v in (w, e)):
        if 180 < max(w, e) <= 360 and min(w, e) >= 0:
            # 0..360 longitudes (common in climate data): shift to -180..180.
            w, e = (w - 360 if w > 180 else w), (e - 360 if e > 180 else e)
            warnings.append("longitudes given as 0..360; converted to -180..180")
        else:
            w, e = max(-180.0, min(180.0, w)), max(-180.0, min(180.0, e))
            warnings.append("longitude out of range; clamped to ±180")
        corrected = True
    if w == e and s == n:
        return Extent((w, s, e, n), ExtentQuality.POINT), warnings
    quality = ExtentQuality.CORRECTED if corrected else ExtentQuality.EXACT
    return Extent((w, s, e, n), quality, "; ".join(warnings)), warnings


def _from_places(places: Sequence[object], warnings: list[str]) -> tuple[Extent, list[str]]:
    found = lookup_place(*places)
    if found is None:
        return Extent(None, ExtentQuality.MISSING), warnings
    name, box = found
    warnings.append(f"no bbox; extent approximated from place name {name!r}")
    return Extent(box, ExtentQuality.APPROXIMATE, f"from place name {name!r}"), warnings


def union_bboxes(boxes: Sequence[BBox]) -> BBox:
    """Smallest box covering ``boxes``, antimeridian-aware (may return west > east).

    Longitude intervals live on a circle: the covering arc is the complement of the largest
    gap between them.
    """
    intervals: list[tuple[float, float]] = []
    for w, _, e, _ in boxes:
        intervals.extend(lon_intervals(w, e))
    intervals.sort()
    merged: list[list[float]] = []
    for lo, hi in intervals:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    south = min(b[1] for b in boxes)
    north = max(b[3] for b in boxes)
    if len(merged) == 1:
        return (merged[0][0], south, merged[0][1], north)
    gaps = [(merged[i + 1][0] - merged[i][1], i) for i in range(len(merged) - 1)]
    wrap_gap = (merged[0][0] + 180.0) + (180.0 - merged[-1][1])
    best_gap, best_i = max(gaps)
    if wrap_gap >= best_gap:
        return (merged[0][0], south, merged[-1][1], north)
    return (merged[best_i + 1][0], south, merged[best_i][1], north)
