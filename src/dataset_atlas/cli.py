"""The ``dataset-atlas`` command: small functions that return exit codes.

Errors are one line on stderr and a non-zero exit, never a traceback: every handler turns
:class:`AtlasError` (and the OS errors of the files it names) into that line in :func:`main`.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from dataset_atlas.catalog import LocalCatalog, Query, SearchResult, default_index_path, open_catalog
from dataset_atlas.catalog.export import result_to_csv, result_to_geojson, search_rows
from dataset_atlas.catalog.query import SORT_KEYS, parse_bbox, parse_query_date, parse_resolution_text
from dataset_atlas.errors import AtlasError

DEFAULT_INDEX = Path("data") / "index.parquet"
MAX_WARNINGS_SHOWN = 20  # the readable report; --json and the app list every warning


def _add_index(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", help=f"index file (default: $DATASET_ATLAS_INDEX, else {DEFAULT_INDEX} "
                                    "if present, else the embedded seed records)")


def _add_filters(p: argparse.ArgumentParser) -> None:
    _add_index(p)
    p.add_argument("--bbox", help="area W,S,E,N in degrees (W > E crosses the antimeridian)")
    p.add_argument("--start", help="time range start: YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--end", help="time range end: YYYY, YYYY-MM or YYYY-MM-DD")
    p.add_argument("--category", action="append", default=[], help="category (repeatable)")
    p.add_argument("--min-resolution", help="coarsest-at-least cell size, e.g. 10m (keeps 10 m and coarser)")
    p.add_argument("--max-resolution", help="cell size at most, e.g. 1km (keeps 1 km and finer)")
    p.add_argument("--time-resolution", action="append", default=[],
                   help="hourly, daily, weekly, monthly, yearly, other, unknown (repeatable)")
    p.add_argument("--access", action="append", default=[], help="e.g. open-access (repeatable)")
    p.add_argument("--file-format", dest="formats", action="append", default=[],
                   help="file format label, e.g. GeoTIFF (repeatable)")
    p.add_argument("--text", default="", help="free text over titles, abstracts and keywords (zh/en)")
    p.add_argument("--sort", default="title", choices=sorted(SORT_KEYS))
    p.add_argument("--limit", type=int, default=None, help="at most N records")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(prog="dataset-atlas", description="Browse dataset catalogs on a map.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read record files and folders into an index")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--index", help=f"index file to write (default: $DATASET_ATLAS_INDEX or {DEFAULT_INDEX})")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show progress on stderr (default: when stderr is a terminal)")

    p = sub.add_parser("search", help="search the catalog")
    _add_filters(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="print one whole normalised record")
    p.add_argument("id")
    _add_index(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", help="export the search result as GeoJSON or CSV")
    _add_filters(p)
    p.add_argument("--format", dest="export_format", required=True, choices=["geojson", "csv"])
    p.add_argument("--out", help="output file (default: standard output)")

    p = sub.add_parser("quicklook", help="render a raster preview and print its facts")
    p.add_argument("file")
    p.add_argument("--out", help="write the preview PNG here")
    p.add_argument("--max-size", type=int, default=1024)
    p.add_argument("--data-root", help="refuse files outside this folder")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("demo-data", help="write synthetic data files for the seed datasets")
    p.add_argument("dir", nargs="?", default="data/demo")

    p = sub.add_parser("synth", help="write N synthetic NCDC records (for scale tests)")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    return parser


def query_from_args(args: argparse.Namespace) -> Query:
    """Turn parsed filter options into a :class:`Query` (QueryError on bad values)."""
    return Query(
        bbox=parse_bbox(args.bbox) if args.bbox else None,
        start=parse_query_date(args.start) if args.start else None,
        end=parse_query_date(args.end, end=True) if args.end else None,
        categories=tuple(args.category),
        min_resolution_m=parse_resolution_text(args.min_resolution) if args.min_resolution else None,
        max_resolution_m=parse_resolution_text(args.max_resolution) if args.max_resolution else None,
        time_resolutions=tuple(t.lower() for t in args.time_resolution),
        access=tuple(args.access),
        formats=tuple(args.formats),
        text=args.text,
        sort=args.sort,
        limit=args.limit,
    )


def cmd_ingest(args: argparse.Namespace, out: TextIO) -> int:
    """Build an index from files and folders."""
    index = Path(args.index) if args.index else (default_index_path() or DEFAULT_INDEX)

    show = sys.stderr.isatty() if args.progress is None else args.progress
    shown = [0]

    def progress(n: int) -> None:
        if n - shown[0] >= 1000:
            shown[0] = n
            print(f"\rread {n:,} files", end="", file=sys.stderr, flush=True)

    catalog = LocalCatalog.from_paths(args.paths, progress=progress if show else None)
    if show and shown[0]:
        print(f"\rread {shown[0]:,}+ files; saving the index", file=sys.stderr)
    report = catalog.report
    if report.ingested:
        catalog.save(index)
    if args.json:
        payload = {**report.to_dict(), "index": str(index) if report.ingested else None}
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    else:
        print(f"ingested {report.ingested} records into {index if report.ingested else '(nothing written)'}",
              file=out)
        for rej in report.rejected:
            print(f"rejected {rej.path}: {rej.reason}", file=out)
        for warning in report.warnings[:MAX_WARNINGS_SHOWN]:
            print(f"warning {warning}", file=out)
        if len(report.warnings) > MAX_WARNINGS_SHOWN:
            print(f"... and {len(report.warnings) - MAX_WARNINGS_SHOWN:,} more warnings (--json lists all; "
                  "so does the app's Catalog & ingest page)", file=out)
    if not report.ingested:
        print("dataset-atlas: no record could be ingested", file=sys.stderr)
        return 1
    return 0


def cmd_search(args: argparse.Namespace, out: TextIO) -> int:
    """Search and print records (JSON or a table)."""
    result = open_catalog(args.index).search(query_from_args(args))
    rows = search_rows(result.frame)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return 0
    _print_table(result, rows, out)
    return 0


def _print_table(result: SearchResult, rows: list[dict[str, Any]], out: TextIO) -> None:
    print(f"{result.matched} of {result.total} datasets", file=out)
    for row in rows:
        bbox = "no extent" if row["bbox"] is None else ",".join(f"{v:g}" for v in row["bbox"])
        res = "?" if row["resolution_m"] is None else f"{row['resolution_m']:g} m"
        span = f"{row['start'] or '?'}..{row['end'] or 'ongoing'}"
        title = row["title"]["en"] or row["title"]["zh"]
        print(f"{row['id'][:36]:36}  {title[:60]:60}  {row['category'][:12]:12}  {span:23}  "
              f"{res:>9}  {row['time_resolution']:8}  {bbox} ({row['extent_quality']})", file=out)


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    """Print one normalised record."""
    record = open_catalog(args.index).get(args.id)
    if record is None:
        raise AtlasError(f"no dataset with id {args.id!r}")
    data = record.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
        return 0
    for key, value in data.items():
        if key != "raw":
            print(f"{key}: {json.dumps(value, ensure_ascii=False)}", file=out)
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """Export the search result."""
    result = open_catalog(args.index).search(query_from_args(args))
    text = result_to_geojson(result.frame) if args.export_format == "geojson" else result_to_csv(result.frame)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {result.matched if args.limit is None else len(result.frame)} records to {args.out}",
              file=sys.stderr)
    else:
        out.write(text)
    return 0


def cmd_quicklook(args: argparse.Namespace, out: TextIO) -> int:
    """Render one raster preview."""
    from dataset_atlas.quicklook import render_quicklook  # rasterio is slow to import: only here

    look = render_quicklook(args.file, max_size=args.max_size,
                            data_root=Path(args.data_root) if args.data_root else None)
    if args.out:
        Path(args.out).write_bytes(look.png_bytes())
    if args.json:
        print(json.dumps(look.to_json(), ensure_ascii=False, indent=2), file=out)
    else:
        where = "not georeferenced" if look.bounds is None else "bounds " + ",".join(f"{v:.4f}" for v in look.bounds)
        print(f"{args.file}: {look.width}x{look.height} {look.crs or ''}; {where}; style {look.style}"
              + (f"; wrote {args.out}" if args.out else ""), file=out)
    return 0


def cmd_demo_data(args: argparse.Namespace, out: TextIO) -> int:
    """Write the synthetic demo files."""
    from dataset_atlas.demo import write_demo_data

    paths = write_demo_data(Path(args.dir))
    print(f"demo data (synthetic) in {args.dir}: {len(paths)} files", file=out)
    return 0


def cmd_synth(args: argparse.Namespace, out: TextIO) -> int:
    """Write synthetic records."""
    from dataset_atlas.synth import write_synthetic_records

    if args.count < 0:
        raise AtlasError("--count must be zero or more")
    written = write_synthetic_records(args.count, Path(args.out), seed=args.seed)
    print(f"wrote {written} synthetic records to {args.out}", file=out)
    return 0


COMMANDS = {
    "ingest": cmd_ingest, "search": cmd_search, "show": cmd_show, "export": cmd_export,
    "quicklook": cmd_quicklook, "demo-data": cmd_demo_data, "synth": cmd_synth,
}


def _attach_negative_values(argv: Sequence[str]) -> list[str]:
    """``--bbox -175,55,-172,58`` -> ``--bbox=-175,55,-172,58``.

    argparse takes a value that starts with ``-`` and is not a plain number for an option,
    and western-hemisphere boxes start with a minus sign.
    """
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        if items[i] == "--bbox" and i + 1 < len(items) and re.match(r"^-\d", items[i + 1]):
            out.append(f"--bbox={items[i + 1]}")
            i += 2
            continue
        out.append(items[i])
        i += 1
    return out


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(_attach_negative_values(sys.argv[1:] if argv is None else argv))
    stream = out or sys.stdout
    try:
        return COMMANDS[args.command](args, stream)
    except AtlasError as exc:
        print(f"dataset-atlas: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # a file named on the command line: one line, not a traceback
        print(f"dataset-atlas: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def run(argv: Sequence[str]) -> tuple[int, str]:
    """Run in-process and capture standard output (for tests and notebooks)."""
    buffer = io.StringIO()
    code = main(argv, buffer)
    return code, buffer.getvalue()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
