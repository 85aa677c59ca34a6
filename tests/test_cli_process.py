"""The `dataset-atlas` command as a real process: what it imports, special files, one-line errors.

In-process tests cannot see these: an earlier import in the test session hides what the
command imports itself, and a FIFO that blocks would hang the whole session (here it only
times out one child).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

from dataset_atlas.quicklook.render import MERCATOR_LAT

from .helpers import write_tif

HEAVY = ("pandas", "pyarrow", "shapely", "geopandas", "dataset_atlas.catalog")
TIMEOUT = 120  # seconds; generous for shared machines, only reached if something blocks


def cli(*args: str, cwd: Path, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATASET_ATLAS_INDEX"}
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run([sys.executable, *flags, "-m", "dataset_atlas.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def imported(stderr: str) -> set[str]:
    """Top-level names of the modules `-X importtime` reports."""
    return {m.group(1) for m in re.finditer(r"^import time:\s*\d+ \|\s*\d+ \|\s*([\w.]+)", stderr, re.M)}


# Classes 1..7 in a repeating pattern, 0 (nodata) nowhere: a small categorical raster.
CLASSES = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) % 7 + 1).astype(np.uint8)


def test_importing_the_cli_leaves_out_pandas_and_the_catalog(tmp_path: Path) -> None:
    code = ("import sys, json, dataset_atlas.cli; "
            f"print(json.dumps([m for m in {HEAVY!r} + ('rasterio', 'numpy') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=TIMEOUT, check=True).stdout
    assert json.loads(out) == []


def test_help_imports_no_pandas(tmp_path: Path) -> None:
    for args in (["--help"], ["search", "--help"], ["quicklook", "--help"]):
        proc = cli(*args, cwd=tmp_path, importtime=True)
        assert proc.returncode == 0 and "usage: dataset-atlas" in proc.stdout
        names = imported(proc.stderr)
        assert "dataset_atlas.cli" in names or "argparse" in names  # the report is really there
        assert not any(n == h or n.startswith(h + ".") for n in names for h in HEAVY), args


def test_quicklook_of_a_small_geotiff_imports_no_pandas(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "small.tif", CLASSES, "EPSG:4326", Affine(0.1, 0, 100, 0, -0.1, 50), nodata=0)
    proc = cli("quicklook", str(tif), "--json", "--out", str(tmp_path / "q.png"), cwd=tmp_path, importtime=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = imported(proc.stderr)
    assert "rasterio" in names
    assert not any(n == h or n.startswith(h + ".") for n in names for h in HEAVY)
    doc = json.loads(proc.stdout)
    assert doc["bounds"] == pytest.approx([100, 43.6, 106.4, 50])
    assert (tmp_path / "q.png").read_bytes()[:4] == b"\x89PNG"


def test_polar_quicklook_reports_true_bounds_and_overlay_bounds(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "arctic.tif", CLASSES, "EPSG:3413",
                    Affine(40_000.0, 0, -1_280_000, 0, -40_000.0, 1_280_000), nodata=0)
    proc = cli("quicklook", str(tif), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    w, s, e, n = doc["bounds"]
    assert (w, e, n) == (-180.0, 180.0, 90.0) and 70 < s < 80
    assert doc["overlay_bounds"] == pytest.approx([w, s, e, MERCATOR_LAT])
    text = cli("quicklook", str(tif), cwd=tmp_path).stdout
    assert "bounds -180.0000," in text and ",180.0000,90.0000;" in text


def one_line_error(proc: subprocess.CompletedProcess[str], message: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr


def test_fifo_is_not_a_regular_file_and_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "data" / "pipe.tif"
    fifo.parent.mkdir()
    os.mkfifo(fifo)  # nobody ever writes: opening it for reading would block for good
    one_line_error(cli("quicklook", str(fifo), cwd=tmp_path), f"{fifo}: not a regular file (a FIFO)")
    one_line_error(cli("quicklook", "pipe.tif", "--data-root", str(fifo.parent), cwd=tmp_path),
                   "pipe.tif: not a regular file (a FIFO)")


def test_devices_are_not_regular_files(tmp_path: Path) -> None:
    (tmp_path / "z.tif").symlink_to("/dev/zero")
    one_line_error(cli("quicklook", "/dev/zero", cwd=tmp_path), "/dev/zero: not a regular file (a character device)")
    one_line_error(cli("quicklook", "z.tif", "--json", cwd=tmp_path),
                   "z.tif: not a regular file (a character device)")
    one_line_error(cli("quicklook", str(tmp_path), cwd=tmp_path), "not a regular file (a directory)")
    one_line_error(cli("quicklook", "missing.tif", cwd=tmp_path), "missing.tif: no such file")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quicklook", "x.tif", "--max-size", "0"], "--max-size 0: must be between 16 and 8192 pixels"),
        (["quicklook", "x.tif", "--max-size", "100000"], "--max-size 100000: must be between 16 and 8192"),
        (["search", "--limit", "-1"], "argument --limit: must be 0 or more, got -1"),
        (["search", "--start", "99999"], "--start '99999': not a date"),
        (["search", "--start", "2020", "--end", "2010"], "is after --end '2010'"),
        (["search", "--category", "nope"], "--category 'nope': no such value in this catalog; it has: "),
    ],
)
def test_bad_arguments_are_one_line_on_stderr(tmp_path: Path, args: list[str], message: str) -> None:
    one_line_error(cli(*args, cwd=tmp_path), message)
