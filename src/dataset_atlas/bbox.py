"""The lon/lat box type and its split at the antimeridian, in plain Python.

A leaf module: ``model`` (loaded by the CLI at start-up, without numpy) and ``geometry``
(numpy) both take the box type from here, so neither imports the other.
"""

from __future__ import annotations

BBox = tuple[float, float, float, float]  # (west, south, east, north); west > east crosses 180°


def lon_intervals(west: float, east: float) -> list[tuple[float, float]]:
    """Longitude intervals on the [-180, 180] line: two when the box crosses 180°."""
    if west > east:
        return [(west, 180.0), (-180.0, east)]
    return [(west, east)]
