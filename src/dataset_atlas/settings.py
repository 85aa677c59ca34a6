"""Configuration read from the environment, in one place.

The app, the CLI and the benches ask :func:`Settings.from_env` instead of reading variables
themselves, so every part agrees on which catalog and which data folder are in use.

``DATASET_ATLAS_CATALOG``
    Where the catalog lives: a GeoParquet index path, ``postgresql://…`` (pgstac) or
    ``stac+http(s)://…`` (a STAC API, read-only).
``DATASET_ATLAS_INDEX``
    A GeoParquet index path (older spelling, still honoured after ``DATASET_ATLAS_CATALOG``).
``DATASET_ATLAS_DATA_ROOT``
    The folder holding data files for quicklooks (default ``data/demo`` when present).
``DATASET_ATLAS_RESULT_ROWS``
    The most rows the app reads for one result from a database catalog (default 20,000): the
    map, table and timeline show that many in the current order, the counts cover them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dataset_atlas.errors import AtlasError

CATALOG_ENV = "DATASET_ATLAS_CATALOG"
INDEX_ENV = "DATASET_ATLAS_INDEX"
DATA_ROOT_ENV = "DATASET_ATLAS_DATA_ROOT"
RESULT_ROWS_ENV = "DATASET_ATLAS_RESULT_ROWS"
DEFAULT_INDEX = Path("data") / "index.parquet"
DEFAULT_DATA_ROOT = Path("data") / "demo"


@dataclass(frozen=True)
class Settings:
    """What the environment says (empty variables count as unset)."""

    catalog: str | None = None
    index: Path | None = None
    data_root: Path | None = None
    result_rows: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the variables (``os.environ`` unless given)."""
        env = os.environ if environ is None else environ
        index = env.get(INDEX_ENV) or None
        root = env.get(DATA_ROOT_ENV) or None
        rows = (env.get(RESULT_ROWS_ENV) or "").strip()
        if rows and (not rows.isdigit() or int(rows) < 1):
            raise AtlasError(f"{RESULT_ROWS_ENV}={rows!r}: expected a whole number of rows, 1 or more")
        return cls(catalog=env.get(CATALOG_ENV, "").strip() or None, index=Path(index) if index else None,
                   data_root=Path(root) if root else None, result_rows=int(rows) if rows else None)

    def catalog_location(self, given: str | os.PathLike[str] | None = None) -> str | None:
        """The catalog to open: ``given`` (a CLI option), else the variables, else ``data/index.parquet``.

        None means the embedded seed records.
        """
        if given:
            return os.fspath(given)
        if self.catalog:
            return self.catalog
        if self.index is not None:
            return str(self.index)
        return str(DEFAULT_INDEX) if DEFAULT_INDEX.is_file() else None

    def index_to_write(self, given: str | os.PathLike[str] | None = None) -> str:
        """Where ``ingest`` writes: like :meth:`catalog_location`, defaulting to ``data/index.parquet``."""
        return self.catalog_location(given) or str(DEFAULT_INDEX)

    def data_folder(self) -> Path | None:
        """The data files' folder: ``$DATASET_ATLAS_DATA_ROOT``, else ``data/demo`` if present."""
        if self.data_root is not None:
            return self.data_root
        return DEFAULT_DATA_ROOT if DEFAULT_DATA_ROOT.is_dir() else None


def seeds_dir() -> Path:
    """The embedded seed records, shipped inside the package (works from an installed wheel)."""
    seeds = resources.files("dataset_atlas") / "seeds"
    if not isinstance(seeds, Path) or not seeds.is_dir():  # e.g. a zipped install
        raise AtlasError(f"the embedded seed records are not a folder on disk ({seeds}); reinstall the package")
    return seeds
