"""The ``dataset-atlas`` command: small functions that return exit codes.

Errors are one line on stderr and a non-zero exit, never a traceback: every handler turns
:class:`AtlasError` (and the OS errors of the files it names) into that line in :func:`main`,
and the parser reports bad arguments the same way.

Start-up is kept short: this module imports only the standard library and light parts of the
package (no pandas, pyarrow, shapely, rasterio or the catalog); each command imports what it
needs. ``--help`` and ``quicklook`` never load pandas (tests/test_cli_process.py checks).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from dataset_atlas.errors import AtlasError, QueryError, UsageError
from dataset_atlas.model import TimeResolution
from dataset_atlas.normalize.dates import parse_date

if TYPE_CHECKING:
    from dataset_atlas.catalog import Catalog, Query, SearchResult

DEFAULT_INDEX = Path("data") / "index.parquet"
MAX_WARNINGS_SHOWN = 20  # the readable report; --json and the app list every warning
MAX_VALUES_LISTED = 40  # valid values named in an "unknown --category" message
# catalog.query.SORT_KEYS, spelled out so that --help need not import the catalog (a test
# keeps the two equal).
SORT_CHOICES = ("relevance", "relevance_zh", "title", "title_zh", "start", "-start", "end", "-end", "resolution",
                "-resolution", "size", "-size", "category")
TIME_RESOLUTIONS = tuple(t.value for t in TimeResolution)
CITATION_FORMATS = ("text", "bibtex", "ris", "csl-json")  # citation.FORMATS (a test keeps them equal)
PREVIEW_SIZES = (16, 8192)  # quicklook.render's MIN/MAX_PREVIEW_SIZE (a test keeps them equal)
QUICKLOOK_CRS = ("EPSG:3857", "EPSG:3413", "EPSG:3031")  # quicklook.render.TARGET_CRS (a test keeps them equal)
# Options whose value may start with "-": western longitudes, descending sort keys.
_DASH_VALUES = {"--bbox": re.compile(r"-\d"), "--sort": re.compile(r"-[a-z]")}


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line (no usage block), like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; see --help\n")


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value} (leave it out for no limit)")
    return value


CATALOG_HELP = ("a GeoParquet index path, postgresql://… (pgstac) or stac+http(s)://… (a STAC API, read-only); "
                "default: $DATASET_ATLAS_CATALOG, else $DATASET_ATLAS_INDEX, else ")


def _add_index(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--catalog", metavar="PATH_OR_URL",
                       help=f"catalog: {CATALOG_HELP}{DEFAULT_INDEX} if present, else the embedded seed records")
    where.add_argument("--index", help="index file (the same as --catalog PATH)")


def _add_filters(p: argparse.ArgumentParser) -> None:
    _add_index(p)
    p.add_argument("--bbox", help="area W,S,E,N in degrees (W > E crosses the antimeridian)")
    p.add_argument("--start", help="time range start: YYYY, YYYY-MM, YYYY-MM-DD or YYYYMMDD (years 1-9999)")
    p.add_argument("--end", help="time range end, same forms; a year or month means its last day")
    p.add_argument("--category", action="append", default=[],
                   help="category as the catalog spells it (repeatable; an unknown one lists the valid ones)")
    p.add_argument("--min-resolution", help="coarsest-at-least cell size, e.g. 10m (keeps 10 m and coarser)")
    p.add_argument("--max-resolution", help="cell size at most, e.g. 1km (keeps 1 km and finer)")
    p.add_argument("--time-resolution", action="append", default=[],
                   help=f"{', '.join(TIME_RESOLUTIONS)} (repeatable)")
    p.add_argument("--access", action="append", default=[], help="e.g. open-access (repeatable)")
    p.add_argument("--file-format", dest="formats", action="append", default=[],
                   help="file format label, e.g. GeoTIFF (repeatable)")
    p.add_argument("--text", default="", help="free text over titles, abstracts and keywords (zh/en)")
    p.add_argument("--sort", default="relevance", choices=SORT_CHOICES,
                   help="sort key; a leading - sorts descending (default: relevance: best matches of --text "
                        "first, else by title)")
    p.add_argument("--limit", type=_limit, default=None, help="at most N records (N >= 0; default: all)")
    p.add_argument("--offset", type=_limit, default=0, help="skip the first N records (paging with --limit)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept separate so tests and docs can inspect it)."""
    parser = _Parser(prog="dataset-atlas", description="Browse dataset catalogs on a map.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read record files and folders into an index or a pgstac database")
    p.add_argument("paths", nargs="+", metavar="PATH")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--catalog", metavar="PATH_OR_URL",
                       help=f"catalog to write: {CATALOG_HELP}{DEFAULT_INDEX}; a database gets the pgstac "
                            "schema installed or migrated and records upserted")
    where.add_argument("--index", help="index file to write (the same as --catalog PATH)")
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

    p = sub.add_parser("cite", help="print a dataset's citation (text, BibTeX, RIS or CSL-JSON)")
    p.add_argument("id")
    p.add_argument("--format", dest="cite_format", default="text", choices=CITATION_FORMATS)
    p.add_argument("--lang", default="en", choices=["zh", "en"], help="language of the citation (default: en)")
    _add_index(p)

    p = sub.add_parser("export", help="export the search result as GeoJSON or CSV")
    _add_filters(p)
    p.add_argument("--format", dest="export_format", required=True, choices=["geojson", "csv"])
    p.add_argument("--out", help="output file (default: standard output)")

    p = sub.add_parser("quicklook", help="render a raster preview and print its facts")
    p.add_argument("file")
    p.add_argument("--out", help="write the preview PNG here")
    p.add_argument("--max-size", type=int, default=1024,
                   help="longest side of the preview, {}-{} pixels (default: 1024)".format(*PREVIEW_SIZES))
    p.add_argument("--data-root", help="refuse files outside this folder")
    p.add_argument("--crs", type=str.upper, choices=QUICKLOOK_CRS, default=QUICKLOOK_CRS[0],
                   help="the map projection of the preview: EPSG:3857 (world, default), EPSG:3413 (Arctic) "
                   "or EPSG:3031 (Antarctic); a raster already in a polar one is not warped")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("demo-data", help="write synthetic data files for the seed datasets")
    p.add_argument("dir", nargs="?", default="data/demo")

    p = sub.add_parser("serve-stac", help="serve a pgstac catalog as a STAC API (stac-fastapi-pgstac)")
    p.add_argument("--catalog", metavar="URL", help="postgresql://… (default: $DATASET_ATLAS_CATALOG)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8081, help="port (default: 8081)")

    p = sub.add_parser("synth", help="write N synthetic NCDC records (for scale tests)")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    return parser


def _date_arg(option: str, text: str | None, *, end: bool = False) -> date | None:
    if text is None:
        return None
    parsed = parse_date(text, end=end)
    if parsed is None:
        raise QueryError(f"{option} {text!r}: not a date; expected YYYY, YYYY-MM, YYYY-MM-DD or "
                         "YYYYMMDD with a year from 1 to 9999")
    return parsed


def _resolution_arg(option: str, text: str | None, parse: Callable[[str], float]) -> float | None:
    if not text:
        return None
    try:
        return parse(text)
    except QueryError as exc:  # the parser's message names the value, not the option
        raise QueryError(f"{option}: {exc}") from None


def query_from_args(args: argparse.Namespace) -> Query:
    """Turn parsed filter options into a :class:`Query` (QueryError naming the option on bad values)."""
    start = _date_arg("--start", args.start)
    end = _date_arg("--end", args.end, end=True)
    if start is not None and end is not None and start > end:
        raise QueryError(f"--start {args.start!r} ({start}) is after --end {args.end!r} ({end})")
    times = tuple(t.lower() for t in args.time_resolution)
    unknown = [t for t in times if t not in TIME_RESOLUTIONS]
    if unknown:
        raise QueryError(f"--time-resolution {unknown[0]!r}: unknown; expected one of {', '.join(TIME_RESOLUTIONS)}")
    from dataset_atlas.catalog.base import Query
    from dataset_atlas.catalog.query import parse_bbox, parse_resolution_text

    return Query(
        bbox=parse_bbox(args.bbox) if args.bbox else None,
        start=start,
        end=end,
        categories=tuple(args.category),
        min_resolution_m=_resolution_arg("--min-resolution", args.min_resolution, parse_resolution_text),
        max_resolution_m=_resolution_arg("--max-resolution", args.max_resolution, parse_resolution_text),
        time_resolutions=times,
        access=tuple(args.access),
        formats=tuple(args.formats),
        text=args.text,
        sort=args.sort,
        limit=args.limit,
        offset=args.offset,
    )


def _check_facet_values(catalog: Catalog, query: Query) -> None:
    """Refuse a --category, --access or --file-format value this catalog does not have.

    These vocabularies come from the data, so a typo would otherwise match nothing and
    print 0 rows; say so and list the values the catalog has.
    """
    for option, column, wanted in (("--category", "category", query.categories),
                                   ("--access", "access", query.access),
                                   ("--file-format", "formats", query.formats)):
        if not wanted:
            continue
        known = catalog.values(column)
        missing = [v for v in wanted if v not in known]
        if missing:
            listed = ", ".join(known[:MAX_VALUES_LISTED]) if known else "(none: no record has one)"
            if len(known) > MAX_VALUES_LISTED:  # most frequent first: the likely ones
                listed += f" and {len(known) - MAX_VALUES_LISTED} more"
            raise QueryError(f"{option} {missing[0]!r}: no such value in this catalog; it has: {listed}")


def _search(args: argparse.Namespace) -> SearchResult:
    return _search_catalog(args)[1]


def _search_catalog(args: argparse.Namespace) -> tuple[Catalog, SearchResult]:
    from dataset_atlas.catalog import open_catalog

    query = query_from_args(args)  # before opening the index: a bad argument fails fast
    catalog = open_catalog(args.catalog or args.index)
    _check_facet_values(catalog, query)
    return catalog, catalog.search(query)


def cmd_ingest(args: argparse.Namespace, out: TextIO) -> int:
    """Build an index from files and folders."""
    from dataset_atlas.catalog import catalog_source
    from dataset_atlas.settings import Settings

    source = catalog_source(Settings.from_env().index_to_write(args.catalog or args.index))
    if source.kind == "stac-api":
        raise UsageError(f"--catalog {source.display}: a STAC API catalog is read-only; ingest into an index "
                         "file or a postgresql:// database")

    show = sys.stderr.isatty() if args.progress is None else args.progress
    shown = [0]

    def progress(n: int) -> None:
        if n - shown[0] >= 1000:
            shown[0] = n
            print(f"\rread {n:,} files", end="", file=sys.stderr, flush=True)

    if source.kind == "pgstac":
        from dataset_atlas.catalog.pgstac import ingest_to_pgstac

        report = ingest_to_pgstac(args.paths, source.location, progress=progress if show else None)
        index: str | Path = source.display
    else:
        from dataset_atlas.catalog.local.ingest import ingest_to_index

        index = Path(source.location)
        # Records stream into the index in row groups: memory stays bounded whatever the catalog size.
        report = ingest_to_index(args.paths, index, progress=progress if show else None)
    if show and shown[0]:
        print(f"\rread {shown[0]:,}+ files", file=sys.stderr)
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
    from dataset_atlas.catalog.export import search_rows

    result = _search(args)
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
    from dataset_atlas.catalog import open_catalog

    record = open_catalog(args.catalog or args.index).get(args.id)
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


def cmd_cite(args: argparse.Namespace, out: TextIO) -> int:
    """Print one dataset's citation."""
    from dataset_atlas.catalog import open_catalog
    from dataset_atlas.citation import build_citation, format_citation

    record = open_catalog(args.catalog or args.index).get(args.id)
    if record is None:
        raise AtlasError(f"no dataset with id {args.id!r}")
    out.write(format_citation(build_citation(record, args.lang), args.cite_format))
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    """Export the search result."""
    from dataset_atlas.catalog.export import result_to_csv, result_to_geojson

    catalog, result = _search_catalog(args)
    export = result_to_geojson if args.export_format == "geojson" else result_to_csv
    text = export(result.frame, catalog.get)  # with CSTR, DOI, landing page, licence link, abstracts
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(result.frame)} records to {args.out}",
              file=sys.stderr)
    else:
        out.write(text)
    return 0


def cmd_quicklook(args: argparse.Namespace, out: TextIO) -> int:
    """Render one raster preview."""
    lo, hi = PREVIEW_SIZES
    if not lo <= args.max_size <= hi:  # checked before importing rasterio: fails fast
        raise UsageError(f"--max-size {args.max_size}: must be between {lo} and {hi} pixels")
    from dataset_atlas.quicklook.render import render_quicklook  # rasterio is slow to import: only here

    look = render_quicklook(args.file, max_size=args.max_size, crs=args.crs,
                            data_root=Path(args.data_root) if args.data_root else None)
    if args.out:
        Path(args.out).write_bytes(look.png_bytes())
    if args.json:
        print(json.dumps(look.to_json(), ensure_ascii=False, indent=2), file=out)
    else:
        where = "not georeferenced" if look.bounds is None else "bounds " + ",".join(f"{v:.4f}" for v in look.bounds)
        print(f"{args.file}: {look.width}x{look.height} {look.source_crs or ''}; {where}; style {look.style}"
              + (f"; wrote {args.out}" if args.out else ""), file=out)
    return 0


def cmd_demo_data(args: argparse.Namespace, out: TextIO) -> int:
    """Write the synthetic demo files."""
    from dataset_atlas.demo import write_demo_data

    paths = write_demo_data(Path(args.dir))
    print(f"demo data (synthetic) in {args.dir}: {len(paths)} files", file=out)
    return 0


def cmd_serve_stac(args: argparse.Namespace, out: TextIO) -> int:
    """Serve a pgstac database as a STAC API until interrupted."""
    from dataset_atlas.catalog import catalog_source
    from dataset_atlas.settings import Settings

    location = args.catalog or Settings.from_env().catalog
    if not location:
        raise UsageError("serve-stac needs --catalog postgresql://… (or $DATASET_ATLAS_CATALOG)")
    source = catalog_source(location, Settings())
    if source.kind != "pgstac":
        raise UsageError(f"serve-stac needs --catalog postgresql://… (got {source.display})")
    from dataset_atlas.catalog.serve import serve_stac

    print(f"serving {source.display} as a STAC API at http://{args.host}:{args.port}/", file=out, flush=True)
    serve_stac(source.location, host=args.host, port=args.port)
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
    "ingest": cmd_ingest, "search": cmd_search, "show": cmd_show, "cite": cmd_cite, "export": cmd_export,
    "quicklook": cmd_quicklook, "demo-data": cmd_demo_data, "synth": cmd_synth, "serve-stac": cmd_serve_stac,
}


def _attach_dash_values(argv: Sequence[str]) -> list[str]:
    """``--bbox -175,55,-172,58`` -> ``--bbox=-175,55,-172,58``; ``--sort -start`` likewise.

    argparse takes a value that starts with ``-`` and is not a plain number for an option:
    western-hemisphere boxes start with a minus sign, and so do descending sort keys.
    """
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        pattern = _DASH_VALUES.get(items[i])
        if pattern is not None and i + 1 < len(items) and pattern.match(items[i + 1]):
            out.append(f"{items[i]}={items[i + 1]}")
            i += 2
            continue
        out.append(items[i])
        i += 1
    return out


# Arguments that name files: any bytes the file system allows (Python keeps undecodable ones as
# surrogate escapes, and the os functions give them back). A catalog URL is text, though.
_PATH_ARGUMENTS = {"paths", "catalog", "index", "out", "file", "data_root", "dir"}


def _undecodable_argument(args: argparse.Namespace) -> str | None:
    """What is wrong with the first argument (other than a file name) that is not UTF-8 text, if any.

    The shell passes bytes; ones that do not decode reach Python as lone surrogates, which no
    search, database or text index can hold."""
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or (dest in _PATH_ARGUMENTS and "://" not in item):
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                shown = item.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                name = dest if dest in ("id", "paths") else "--" + dest.replace("_", "-")
                return f"{name} '{shown}': not UTF-8 text (the terminal passed bytes that do not decode)"
    return None


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point; returns the exit code."""
    try:
        args = build_parser().parse_args(_attach_dash_values(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, or a bad argument already reported on one line
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    undecodable = _undecodable_argument(args)
    if undecodable:
        print(f"dataset-atlas: {undecodable}", file=sys.stderr)
        return 2
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
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dataset-atlas: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


def run(argv: Sequence[str]) -> tuple[int, str]:
    """Run in-process and capture standard output (for tests and notebooks)."""
    buffer = io.StringIO()
    code = main(argv, buffer)
    return code, buffer.getvalue()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
