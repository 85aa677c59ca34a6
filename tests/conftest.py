"""Shared fixtures: paths to the seeds and the real STAC corpus (read from ../shared)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from dataset_atlas.model import DatasetRecord

from .pgcluster import Cluster, PostgresUnavailable

# Shared, noisy machines: a slow example is not a failure (no timing assertions anywhere).
settings.register_profile("atlas", deadline=None)
settings.load_profile("atlas")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
STAC_CORPUS = ROOT.parent / "shared" / "corpora" / "planetary-computer-stac"

CALC_ID = "ce37070c-315d-4f22-a158-6fd1e9674153"
MAGT_ID = "9c16c02b-ea8b-4f96-9df7-2ee831130842"
SMMR_ID = "6c62a54a-462f-4f1c-a1c6-e48619f166a5"


def seed(record_id: str) -> DatasetRecord:
    """The seed record with this id, read by the NCDC reader."""
    from dataset_atlas.sources.ncdc import read_ncdc

    for path in SEEDS.iterdir():
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["id"] == record_id:
            return read_ncdc(doc, str(path))
    raise AssertionError(f"no seed with id {record_id}")


def collection(corpus: Path, name: str) -> DatasetRecord:
    """The corpus collection ``name`` (file stem), read by the STAC reader."""
    from dataset_atlas.sources.stac import read_stac_collection

    return read_stac_collection(json.loads((corpus / f"{name}.json").read_text()), name)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a server the tests started: SIGTERM, then SIGKILL after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def stac_corpus() -> Path:
    if not STAC_CORPUS.is_dir():
        pytest.fail(f"the STAC corpus is missing at {STAC_CORPUS} (it must sit in ../shared)")
    return STAC_CORPUS


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole run (started only if a test asks for it)."""
    try:
        cluster = Cluster()
    except PostgresUnavailable as exc:  # `make test` installs it (the `postgres` target)
        pytest.fail(str(exc))
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def pg_dsn(pg_cluster: Cluster) -> str:
    """A new empty database in the test cluster."""
    return pg_cluster.create_database()
