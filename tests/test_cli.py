"""The `dataset-atlas` command, in-process: contract keys, exit codes, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from dataset_atlas.cli import run

from .conftest import CALC_ID, MAGT_ID, SEEDS, SMMR_ID


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    path = tmp_path / "index.parquet"
    code, out = run(["ingest", str(SEEDS), "--index", str(path), "--json"])
    assert code == 0
    return path


def test_ingest_seeds_json(tmp_path: Path) -> None:
    path = tmp_path / "idx" / "index.parquet"
    code, out = run(["ingest", str(SEEDS), "--index", str(path), "--json"])
    report = json.loads(out)
    assert code == 0 and report["ingested"] == 3 and report["rejected"] == []
    assert report["index"] == str(path) and path.is_file()
    assert any("approximated" in w for w in report["warnings"])


def test_ingest_nothing_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    code, out = run(["ingest", str(bad), "--index", str(tmp_path / "i.parquet"), "--json"])
    assert code == 1
    report = json.loads(out)
    assert report["ingested"] == 0 and report["rejected"][0]["path"] == str(bad)
    assert not (tmp_path / "i.parquet").exists()


def test_search_json_contract(index: Path) -> None:
    code, out = run(["search", "--index", str(index), "--json"])
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    keys = {"id", "title", "category", "bbox", "extent_quality", "start", "end", "resolution_m",
            "time_resolution", "access"}
    assert all(keys <= row.keys() for row in rows)
    calc = next(r for r in rows if r["id"] == CALC_ID)
    assert calc["bbox"] == [-180.0, 60.0, 180.0, 90.0] and calc["extent_quality"] == "approximate"
    assert calc["title"]["en"].startswith("Circumpolar") and calc["start"] == "2020-01-01"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--max-resolution", "1km"], {CALC_ID, MAGT_ID}),
        (["--min-resolution", "0.1°"], {SMMR_ID}),
        (["--time-resolution", "daily", "--time-resolution", "yearly"], {SMMR_ID, MAGT_ID}),
        (["--text", "冻土"], {MAGT_ID}),
        (["--bbox", "170,50,-170,70"], {CALC_ID}),
        (["--bbox", "-175,55,-172,65"], {CALC_ID}),  # a value starting with "-" is not an option
        (["--bbox=-10,-5,10,5"], set()),
        (["--start", "1980", "--end", "1985"], {SMMR_ID}),
        (["--category", "基础地理"], {CALC_ID}),
        (["--access", "login-access"], {SMMR_ID}),
        (["--file-format", "Raster"], {SMMR_ID}),
    ],
)
def test_search_filters(index: Path, args: list[str], expected: set[str]) -> None:
    code, out = run(["search", "--index", str(index), "--json", *args])
    assert code == 0 and {r["id"] for r in json.loads(out)} == expected


def test_search_table_and_limit(index: Path) -> None:
    code, out = run(["search", "--index", str(index), "--limit", "1", "--sort", "start"])
    assert code == 0 and out.startswith("3 of 3 datasets") and SMMR_ID in out and CALC_ID not in out


def test_default_is_seeds_without_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out = run(["search", "--json"])
    assert code == 0 and len(json.loads(out)) == 3


def test_show(index: Path) -> None:
    code, out = run(["show", MAGT_ID, "--index", str(index), "--json"])
    record = json.loads(out)
    assert code == 0 and record["id"] == MAGT_ID and record["resolution"]["metres"] == 1000.0
    assert record["raw"]["ds_space_res"] == "1km"


def test_export(index: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "r.geojson"
    code, _ = run(["export", "--index", str(index), "--format", "geojson", "--out", str(out_file), "--text", "SMMR"])
    assert code == 0
    features = json.loads(out_file.read_text(encoding="utf-8"))["features"]
    assert [f["id"] for f in features] == [SMMR_ID]
    code, out = run(["export", "--index", str(index), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert code == 0 and {r["id"] for r in rows} == {CALC_ID, MAGT_ID, SMMR_ID}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "no-such-id"], "no dataset with id"),
        (["search", "--bbox", "1,2,3"], "four numbers"),
        (["search", "--start", "yesterday"], "date"),
        (["search", "--max-resolution", "fine"], "--max-resolution: not a spatial resolution: 'fine'"),
        (["search", "--min-resolution", "x"], "--min-resolution: not a spatial resolution: 'x'"),
        (["search", "--index", "/nonexistent/index.parquet"], "no index file"),
        # dates: a year has four digits and lies in 1-9999; the range must run forwards
        (["search", "--start", "99999"], "--start '99999': not a date"),
        (["search", "--start", "1000000-01-01"], "--start '1000000-01-01': not a date"),
        (["search", "--end", "10000"], "--end '10000': not a date"),
        (["search", "--start", "2020", "--end", "2010"],
         "--start '2020' (2020-01-01) is after --end '2010' (2010-12-31)"),
        (["search", "--start", "2020-06", "--end", "2020-05"], "is after --end"),
        # argparse's own errors are one line too (no usage block)
        (["search", "--limit", "-1"], "argument --limit: must be 0 or more, got -1"),
        (["search", "--limit", "ten"], "argument --limit: 'ten' is not a whole number"),
        (["search", "--sort", "-nope"], "argument --sort: invalid choice: '-nope'"),
        (["nonsense"], "invalid choice: 'nonsense'"),
        # values the catalog does not have are named, with the ones it has
        (["search", "--category", "Permafrost"], "--category 'Permafrost': no such value in this catalog; "
                                                 "it has: 基础地理, 冻土, 遥感及产品"),
        (["export", "--format", "csv", "--category", "x"], "--category 'x': no such value"),
        (["search", "--time-resolution", "fortnightly"],
         "--time-resolution 'fortnightly': unknown; expected one of hourly, daily, 4-day, 5-day, weekly, "
         "8-day, 10-day, 16-day, monthly, yearly, other, unknown"),
        (["search", "--access", "closed"], "--access 'closed': no such value in this catalog; it has: "),
        (["search", "--file-format", "NetCDF"], "--file-format 'NetCDF': no such value in this catalog; it has: "),
        (["quicklook", "x.tif", "--max-size", "0"], "--max-size 0: must be between 16 and 8192 pixels"),
        (["quicklook", "x.tif", "--max-size", "100000"], "--max-size 100000: must be between 16 and 8192 pixels"),
        (["quicklook", "/dev/zero"], "/dev/zero: not a regular file (a character device)"),
    ],
)
def test_errors_are_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./data/index.parquet: the embedded seeds
    code, out = run(args)
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--end", "9999"], {CALC_ID, MAGT_ID, SMMR_ID}),  # the last usable year, to its last day
        (["--end", "9999-12"], {CALC_ID, MAGT_ID, SMMR_ID}),
        (["--start", "9999-12-31"], set()),
        (["--start", "20100315"], {CALC_ID, MAGT_ID}),  # 2010-03-15, not 2010-01-01
        (["--end", "19781024"], set()),  # SMMR starts on 1978-10-25
        (["--end", "19781025"], {SMMR_ID}),
        (["--start", "2020", "--end", "2020"], {CALC_ID, MAGT_ID}),
        (["--time-resolution", "Hourly"], set()),  # a valid value this catalog lacks: 0 rows, no error
    ],
)
def test_date_and_vocabulary_filters(index: Path, args: list[str], expected: set[str]) -> None:
    code, out = run(["search", "--index", str(index), "--json", *args])
    assert code == 0 and {r["id"] for r in json.loads(out)} == expected


@pytest.mark.parametrize("sort", [["--sort", "-start"], ["--sort=-start"], ["--sort", "-end"]])
def test_descending_sort_keys_are_values_not_options(index: Path, sort: list[str]) -> None:
    code, out = run(["search", "--index", str(index), "--json", *sort, "--bbox", "-180,-90,180,90"])
    key = sort[-1].removeprefix("--sort=").lstrip("-")
    starts = [r[key] for r in json.loads(out)]
    assert code == 0 and len(starts) == 3 and starts == sorted(starts, reverse=True)


def test_limit_zero_counts_without_rows(index: Path) -> None:
    code, out = run(["search", "--index", str(index), "--limit", "0"])
    assert code == 0 and out == "3 of 3 datasets\n"


def test_help_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"])[0] == 0 and "quicklook" in capsys.readouterr().out
    assert run(["search", "--help"])[0] == 0
    help_text = capsys.readouterr().out
    assert "-start" in help_text and "hourly" in help_text


def test_cli_copies_agree_with_their_sources() -> None:
    # The CLI spells these out so that parsing arguments imports neither pandas nor rasterio.
    from dataset_atlas.catalog.query import SORT_KEYS
    from dataset_atlas.cli import PREVIEW_SIZES, SORT_CHOICES
    from dataset_atlas.quicklook.render import MAX_PREVIEW_SIZE, MIN_PREVIEW_SIZE

    assert SORT_CHOICES == tuple(SORT_KEYS)
    assert PREVIEW_SIZES == (MIN_PREVIEW_SIZE, MAX_PREVIEW_SIZE)


def test_quicklook_and_demo_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["demo-data", str(tmp_path / "demo")])
    assert code == 0 and "synthetic" in out
    tif = next((tmp_path / "demo" / MAGT_ID).glob("*.tif"))
    png = tmp_path / "q.png"
    code, out = run(["quicklook", str(tif), "--json", "--out", str(png), "--max-size", "256"])
    info = json.loads(out)
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"bounds", "crs", "width", "height", "stats", "legend"} <= info.keys()
    w, s, e, n = info["bounds"]
    assert 110 < w < e < 140 and 35 < s < n < 60  # NE China, from an Albers GeoTIFF
    code, _ = run(["quicklook", "/etc/hostname", "--data-root", str(tmp_path / "demo")])
    err = capsys.readouterr().err
    assert code == 2 and "outside the data folder" in err and "Traceback" not in err
    junk = tmp_path / "demo" / "junk.tif"
    junk.write_bytes(b"II*\x00garbage")
    code, _ = run(["quicklook", str(junk)])
    err = capsys.readouterr().err
    assert code == 2 and "junk.tif" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["search", "--text", "ok \udcff"], ["search", "--category", "\udcfe"],
                                  ["show", "\udcff"], ["cite", "\udcff"],
                                  ["search", "--catalog", "postgresql://h\udcff/db"]])
def test_an_argument_that_is_not_utf8_is_one_clear_line(index: Path, argv: list[str],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Bytes that do not decode reach Python as lone surrogates; they are named, not a traceback."""
    code, out = run([*argv, *(["--index", str(index)] if "--catalog" not in argv else [])])
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert err.startswith("dataset-atlas: ") and "not UTF-8 text" in err and ("\\xff" in err or "\\xfe" in err)
    assert "Traceback" not in err


def test_a_file_name_that_is_not_utf8_is_still_a_file_name(tmp_path: Path) -> None:
    odd = tmp_path / "r\udcff"
    odd.mkdir()
    (odd / "seed.json").write_text((SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]).read_text(encoding="utf-8"),
                                   encoding="utf-8")
    code, _ = run(["ingest", str(odd), "--index", str(tmp_path / "i.parquet")])
    assert code == 0
