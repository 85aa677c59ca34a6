"""EASE-Grid v1 raw binary files (NSIDC SMMR/SSM/I brightness temperatures and their subsets).

The files carry no header: 2-byte integers, brightness temperature x 10 in kelvin, 0 for
missing cells. The grid is inferred from the file size and the byte order from the values,
so both choices are reported back (``grid_note``) instead of being silently assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from dataset_atlas.errors import RasterError

CELL = 25067.525  # metres, EASE-Grid v1 25 km cell (NSIDC)
VALID_MIN, VALID_MAX = 500, 3500  # 50-350 K, x10
SCALE = 0.1

_ML = "+proj=cea +lat_ts=30 +lon_0=0 +R=6371228 +units=m +no_defs"  # EPSG:3410


@dataclass(frozen=True)
class EaseGrid:
    """One grid a raw file may be laid out on."""

    name: str
    epsg: int
    width: int
    height: int
    x0: float  # west edge of column 0 (metres)
    y0: float  # north edge of row 0 (metres)
    note: str

    @property
    def nbytes(self) -> int:
        """Size in bytes of a 2-byte raw file on this grid."""
        return self.width * self.height * 2

    @property
    def transform(self) -> Affine:
        """Affine transform of the cell corners."""
        return Affine(CELL, 0.0, self.x0, 0.0, -CELL, self.y0)

    @property
    def crs(self) -> CRS:
        """CRS of the grid (EPSG:3410 for ML, 3408/3409 for NL/SL)."""
        return CRS.from_epsg(self.epsg)


# Full ML grid: 1383 x 586, origin at column 691.0 / row 292.5 (cell centres).
_ML_X0 = -17334193.5375
_ML_Y0 = 7344784.825
_POLAR_HALF = 360.5 * CELL  # NL/SL: 721 x 721 cells, pole at the centre of cell 360

GRIDS: tuple[EaseGrid, ...] = (
    EaseGrid("ML-China-centres", 3410, 307, 164, _ML_X0 + 922 * CELL, _ML_Y0 - 53 * CELL,
             "EASE-Grid v1 ML (EPSG:3410), China subset 60-140E 15-55N, cells whose centres "
             "fall inside: columns 922-1228, rows 53-216 (307 x 164)"),
    EaseGrid("ML-China-touching", 3410, 308, 166, _ML_X0 + 922 * CELL, _ML_Y0 - 52 * CELL,
             "EASE-Grid v1 ML (EPSG:3410), China subset 60-140E 15-55N, cells touching the "
             "box: columns 922-1229, rows 52-217 (308 x 166)"),
    EaseGrid("ML", 3410, 1383, 586, _ML_X0, _ML_Y0,
             "EASE-Grid v1 global ML (EPSG:3410), full 1383 x 586 grid"),
    EaseGrid("NL", 3408, 721, 721, -_POLAR_HALF, _POLAR_HALF,
             "EASE-Grid v1 north polar NL (EPSG:3408), full 721 x 721 grid"),
)

# NSIDC-style names: ...-ML1978301A.37H, ...-NL1980001D.19V; the channel is the extension.
NAME_RE = re.compile(
    r"(?P<grid>[MNS]L)(?P<year>\d{4})(?P<doy>\d{3})(?P<pass>[AD])\.(?P<ch>\d{2})(?P<pol>[HV])$",
    re.IGNORECASE,
)
CHANNEL_EXT_RE = re.compile(r"^\.\d{2}[HV]$", re.IGNORECASE)


def looks_like_ease_name(name: str) -> bool:
    """True when a file name follows the EASE-Grid brightness-temperature convention."""
    return bool(NAME_RE.search(name))


def grid_for_size(nbytes: int, name: str = "") -> EaseGrid | None:
    """The grid whose 2-byte layout has exactly ``nbytes`` bytes, or None."""
    matches = [g for g in GRIDS if g.nbytes == nbytes]
    if not matches:
        return None
    m = NAME_RE.search(name)
    if m and m.group("grid").upper() == "SL" and matches[0].name == "NL":
        return EaseGrid("SL", 3409, 721, 721, -_POLAR_HALF, _POLAR_HALF,
                        "EASE-Grid v1 south polar SL (EPSG:3409), full 721 x 721 grid")
    return matches[0]


@dataclass(frozen=True)
class EaseRaster:
    """A decoded raw file: kelvin values (NaN = missing) on a known grid."""

    kelvin: np.ma.MaskedArray
    grid: EaseGrid
    byteorder: str  # "<" or ">"
    note: str


def read_ease_raw(data: bytes | BinaryIO, *, name: str) -> EaseRaster:
    """Decode a raw EASE-Grid brightness temperature file.

    ``data`` is the file's bytes or an open binary file (injectable for tests); ``name``
    is the file name, used for messages and to tell NL from SL.
    """
    raw = data if isinstance(data, bytes | bytearray) else data.read(GRIDS[2].nbytes + 1)
    grid = grid_for_size(len(raw), name)
    if grid is None and len(raw) > GRIDS[2].nbytes:
        raise RasterError(name, "raw file larger than any known EASE-Grid layout")
    if grid is None:
        known = ", ".join(f"{g.width}x{g.height} ({g.nbytes} bytes)" for g in GRIDS)
        raise RasterError(
            name, f"raw file of {len(raw)} bytes fits no known EASE-Grid layout ({known})"
        )
    best: tuple[float, str, np.ndarray] | None = None
    for order in ("<", ">"):
        values = np.frombuffer(raw, dtype=f"{order}u2").reshape(grid.height, grid.width)
        nonzero = values[values != 0]
        share = (
            float(np.count_nonzero((nonzero >= VALID_MIN) & (nonzero <= VALID_MAX)))
            / nonzero.size
            if nonzero.size
            else 0.0
        )
        if best is None or share > best[0]:
            best = (share, order, values)
    assert best is not None
    share, order, values = best
    nonzero_count = int(np.count_nonzero(values))
    if nonzero_count and share < 0.5:
        raise RasterError(
            name,
            "values fall outside the brightness-temperature range 500-3500 (x10 K) in both "
            "byte orders: not an EASE-Grid brightness temperature file, or corrupt",
        )
    invalid = (values == 0) | (values < VALID_MIN) | (values > VALID_MAX)
    kelvin = np.ma.MaskedArray(values.astype(np.float32) * np.float32(SCALE), mask=invalid)
    endian = "little-endian" if order == "<" else "big-endian"
    note = f"{grid.note}; {endian} 2-byte integers (chosen by valid range), x0.1 -> K"
    return EaseRaster(kelvin=kelvin, grid=grid, byteorder=order, note=note)
