"""Derive the polar basemaps (Arctic, Antarctic) from the shipped world basemap.

Usage::

    python scripts/make_polar_basemap.py static/basemap/world-50m.geojson static/basemap

Writes ``arctic-50m.geojson`` (latitudes 20..90) and ``antarctic-50m.geojson`` (-90..-20), each
a FeatureCollection in lon/lat that the polar maps project in the browser (Proj4Leaflet):

* ``land``: the land MultiPolygon clipped to the hemisphere, drawn filled *without* a stroke:
  its rings run along the antimeridian (Chukotka, Antarctica) and the South Pole, edges that
  would show as seams in a polar view;
* ``coast``: the land rings without those artificial edges, stroked as the coastline;
* ``borders``: the interior country borders, clipped;
* ``graticule``: parallels every 10° and meridians every 30° (to 80°), densified every degree.

Nothing is fetched: the input is the app's own Natural Earth file (public domain).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shapely.geometry import MultiLineString, MultiPolygon, box, mapping, shape
from shapely.ops import linemerge

DIGITS = 2
# The polar maps show the square +-4194 km around the pole (down to ~39° at its corners);
# land nearer the equator than this is never in view and only costs bytes.
LAT_CUT = 20.0


def _round(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, list | tuple) and node and isinstance(node[0], float | int):
            return [round(float(v), DIGITS) for v in node]
        return [walk(n) for n in node]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _artificial(a: tuple[float, float], b: tuple[float, float], lat_cut: float) -> bool:
    """An edge along the antimeridian, a pole or the clipping parallel: not a coastline."""
    if abs(a[0]) >= 179.99 and abs(b[0]) >= 179.99 and a[0] == b[0]:
        return True
    return (abs(a[1]) >= 89.99 and abs(b[1]) >= 89.99) or (a[1] == b[1] == lat_cut)


def coastlines(land: Any, lat_cut: float) -> MultiLineString:
    """The rings of ``land`` without the artificial edges, merged into lines."""
    polygons = [g for g in getattr(land, "geoms", [land]) if g.geom_type == "Polygon"]
    pieces: list[list[tuple[float, float]]] = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            current: list[tuple[float, float]] = []
            coords = list(ring.coords)
            for a, b in zip(coords, coords[1:], strict=False):
                if _artificial(a, b, lat_cut):
                    if len(current) >= 2:
                        pieces.append(current)
                    current = []
                    continue
                if not current:
                    current = [a]
                current.append(b)
            if len(current) >= 2:
                pieces.append(current)
    merged = linemerge(MultiLineString(pieces))
    return merged if isinstance(merged, MultiLineString) else MultiLineString([merged])


def graticule(north: bool) -> MultiLineString:
    """Parallels every 10° and meridians every 30° of one hemisphere, densified every degree."""
    sign = 1 if north else -1
    lines = []
    for lat in range(int(LAT_CUT), 90, 10):
        lines.append([(lon, sign * lat) for lon in range(-180, 181, 1)])
    for lon in range(-180, 180, 30):
        lines.append([(lon, sign * lat) for lat in range(int(LAT_CUT), 81, 1)])
    return MultiLineString(lines)


def polar(world: dict[str, Any], north: bool) -> dict[str, Any]:
    """The polar basemap FeatureCollection of one hemisphere from the world basemap."""
    clip = box(-180, LAT_CUT, 180, 90) if north else box(-180, -90, 180, -LAT_CUT)
    layers = {f["properties"]["layer"]: shape(f["geometry"]) for f in world["features"]}
    land = layers["land"].intersection(clip)
    # The cut along the equator leaves slivers (points, lines): keep the polygons only.
    land = MultiPolygon([g for g in getattr(land, "geoms", [land]) if g.geom_type == "Polygon"])
    borders = layers["borders"].intersection(clip)
    features = [
        ("land", land),
        ("coast", coastlines(land, LAT_CUT if north else -LAT_CUT)),
        ("borders", borders),
        ("graticule", graticule(north)),
    ]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"layer": name}, "geometry": _round(mapping(geom))}
        for name, geom in features if not geom.is_empty
    ]}


def main() -> None:
    """Write both polar basemaps."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("world", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    world = json.loads(args.world.read_text(encoding="utf-8"))
    for name, north in (("arctic-50m.geojson", True), ("antarctic-50m.geojson", False)):
        doc = polar(world, north)
        (args.out / name).write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        print(f"{name}: {(args.out / name).stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
