"""Convert Natural Earth TopoJSON (npm ``world-atlas``) into the offline basemap GeoJSON.

Usage::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/make_basemap.py package/countries-50m.json static/basemap/world.geojson

The output is one FeatureCollection with two features:

* ``land``: MultiPolygon of the TopoJSON ``land`` object (filled light on the map),
* ``borders``: MultiLineString of the arcs shared by two different countries, i.e. the
  interior borders only (``topojson.mesh(topo, countries, (a, b) => a !== b)``), so
  coastlines are not stroked twice.

Arcs are simplified once (Douglas-Peucker, endpoints kept) before being used by both
features, so land edges and borders stay on the same vertices. Coordinates are rounded
to keep the file small: it is fetched once by the browser and then cached, never embedded
in the map script. Natural Earth data is public domain.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from shapely.affinity import translate
from shapely.geometry import LineString, MultiPolygon, Polygon, box, mapping

Coord = list[float]


def decode_arcs(topo: dict[str, Any]) -> list[list[Coord]]:
    """Return the absolute lon/lat coordinates of every arc (delta + quantisation undone)."""
    transform = topo.get("transform")
    arcs: list[list[Coord]] = []
    for arc in topo["arcs"]:
        if transform is None:
            arcs.append([[float(x), float(y)] for x, y, *_ in arc])
            continue
        (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[Coord] = []
        for qx, qy, *_ in arc:
            x += qx
            y += qy
            points.append([x * kx + dx, y * ky + dy])
        arcs.append(points)
    return arcs


def simplify_arc(points: list[Coord], tolerance: float, digits: int) -> list[Coord]:
    """Simplify one arc, keep its endpoints exact, round and drop repeated vertices."""
    if tolerance > 0 and len(points) > 2:
        simplified = LineString(points).simplify(tolerance, preserve_topology=False)
        points = [list(p) for p in simplified.coords]
    out: list[Coord] = []
    for x, y in points:
        p = [round(x, digits), round(y, digits)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def ring(arc_ids: list[int], arcs: list[list[Coord]]) -> list[Coord]:
    """Stitch a ring (or line) from arc indices; a negative index ``~i`` is arc i reversed."""
    coords: list[Coord] = []
    for i in arc_ids:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        coords.extend(pts if not coords else pts[1:])
    return coords


def polygons_of(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """Return the polygons (lists of rings of arc ids) of a Polygon/MultiPolygon geometry."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def unwrap(points: list[Coord]) -> list[Coord]:
    """Make longitudes continuous (no 360-degree jumps) by shifting them by multiples of 360."""
    out = [list(points[0])]
    for x, y in points[1:]:
        prev = out[-1][0]
        while x - prev > 180:
            x -= 360
        while x - prev < -180:
            x += 360
        out.append([x, y])
    return out


def cut_at_antimeridian(rings: list[list[Coord]]) -> list[list[list[Coord]]]:
    """Split a polygon whose rings jump across +-180 into parts inside -180..180.

    world-atlas leaves antimeridian cutting to d3-geo at render time; Leaflet draws the
    jump as a line across the whole world (Fiji, Chukotka). A ring around a pole
    (Antarctica) unwraps to a 360-degree band and is closed along the pole.
    """
    if not any(abs(b[0] - a[0]) > 180 for r in rings for a, b in zip(r, r[1:], strict=False)):
        return [rings]
    shells = []
    for r in rings:
        u = unwrap(r)
        if abs(u[-1][0] - u[0][0]) > 180:  # encloses a pole: close the ring along it
            pole = 90.0 if sum(y for _, y in u) > 0 else -90.0
            u = [*u, [u[-1][0], pole], [u[0][0], pole], u[0]]
        shells.append(u)
    poly = Polygon(shells[0], shells[1:]).buffer(0)
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = translate(poly.intersection(window), xoff=shift)
        geoms = piece.geoms if isinstance(piece, MultiPolygon) else [piece]
        for g in geoms:
            if isinstance(g, Polygon) and not g.is_empty:
                parts.append(mapping(g)["coordinates"])
    return [[[[round(x, 2), round(y, 2)] for x, y in ring] for ring in part] for part in parts]


def land_multipolygon(topo: dict[str, Any], arcs: list[list[Coord]]) -> list[Any]:
    """Coordinates of a GeoJSON MultiPolygon for the ``land`` object."""
    land = topo["objects"]["land"]
    geometries = land["geometries"] if land["type"] == "GeometryCollection" else [land]
    polys: list[Any] = []
    for geometry in geometries:
        for polygon in polygons_of(geometry):
            rings = [ring(r, arcs) for r in polygon]
            # Rings reduced below a triangle by simplification would be invalid.
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                polys.extend(cut_at_antimeridian(rings))
    return polys


def interior_borders(topo: dict[str, Any], arcs: list[list[Coord]]) -> list[list[Coord]]:
    """Coordinates of a MultiLineString: arcs used by two different countries."""
    users: dict[int, set[int]] = defaultdict(set)
    for index, geometry in enumerate(topo["objects"]["countries"]["geometries"]):
        for polygon in polygons_of(geometry):
            for r in polygon:
                for i in r:
                    users[i if i >= 0 else ~i].add(index)
    lines: list[list[Coord]] = []
    for i in sorted(users):
        if len(users[i]) < 2 or len(arcs[i]) < 2:
            continue
        # Break a border where it jumps across the antimeridian.
        current = [arcs[i][0]]
        for a, b in zip(arcs[i], arcs[i][1:], strict=False):
            if abs(b[0] - a[0]) > 180:
                lines.append(current)
                current = []
            current.append(b)
        lines.append(current)
    return [line for line in lines if len(line) > 1]


def convert(topo: dict[str, Any], tolerance: float, digits: int) -> dict[str, Any]:
    """Build the basemap FeatureCollection from a world-atlas ``countries-*.json`` topology."""
    arcs = [simplify_arc(a, tolerance, digits) for a in decode_arcs(topo)]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"layer": "land"},
                "geometry": {"type": "MultiPolygon", "coordinates": land_multipolygon(topo, arcs)},
            },
            {
                "type": "Feature",
                "properties": {"layer": "borders"},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": interior_borders(topo, arcs),
                },
            },
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-50m.json or -110m")
    parser.add_argument("output", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.03, help="degrees (0: none)")
    parser.add_argument("--digits", type=int, default=2, help="decimals kept (2 ~ 1 km)")
    args = parser.parse_args(argv)
    topo = json.loads(args.topojson.read_text(encoding="utf-8"))
    collection = convert(topo, args.tolerance, args.digits)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
    print(f"{args.output}: {args.output.stat().st_size / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
