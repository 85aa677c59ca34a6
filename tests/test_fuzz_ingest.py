"""Fuzz the ingest: mutated seeds and STAC collections, odd encodings and special files.

Whatever the input, a run must finish, every file must be either ingested or reported with
its path, files with only harmless damage must be ingested, and the index must load. The
same seed gives the same files. The quick run is part of the suite; ``pytest -m fuzz`` runs
a bigger one (more files, through worker processes).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.sources.discover import printable_path

from .conftest import SEEDS, STAC_CORPUS

RUN_TIMEOUT_S = 120  # a hang fails the test instead of blocking it


@dataclass
class Case:
    """One fuzzed file: its path and whether it must be ingested (harmless damage only)."""

    path: Path
    must_ingest: bool
    mutation: str


def base_documents() -> list[dict[str, Any]]:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.iterdir())]
    for path in sorted(STAC_CORPUS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("type") == "Collection":
            docs.append(doc)
    return docs


def _paths(doc: Any, prefix: tuple = (), depth: int = 0) -> list[tuple]:
    """Every place in the document (keys and list positions), up to four levels deep."""
    out: list[tuple] = []
    if depth >= 4:
        return out
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key), depth + 1))
    return out


def _set(doc: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def _random_place(rng: random.Random, doc: dict) -> tuple:
    places = [p for p in _paths(doc) if p != ("id",) and p != ("type",)]
    return rng.choice(places) if places else ("extra",)


RAW = "\u0000RAW{}\u0000"  # placeholder replaced by raw JSON text after dumping


def _dump(doc: Any, raws: list[str]) -> bytes:
    text = json.dumps(doc, ensure_ascii=False)
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(RAW.format(i)), raw)
    return text.encode("utf-8", "surrogatepass")


def _wrong_type(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    value = rng.choice([[1, "a"], {"x": {"y": None}}, 12, -3.5, True, None, "", "text", [[[]]], 1e308])
    _set(doc, _random_place(rng, doc), value)
    return _dump(doc, []), False


def _surrogate(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    strings = [p for p in _paths(doc) if p != ("id",) and isinstance(_get(doc, p), str)]
    place = rng.choice(strings) if strings else ("extra",)
    _set(doc, place, RAW.format(0))
    lone = rng.choice(["\\ud83d", "\\udfff", "\\udc80x", "a\\ud800b"])
    return _dump(doc, [json.dumps("text " + "X")[:-2] + lone + '"']), place[0] not in ("type",)


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _huge_number(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    raw = rng.choice(["1e999", "-1e309", "9" * 400, "-" + "9" * 400, "1e-400", "123456789012345678901234567890"])
    safe = ["ds_total_size", "ds_files_count", "ds_acq_lon_west", "ds_acq_lat_north", "gsd"]
    if rng.random() < 0.5:
        place: tuple = (rng.choice(safe),)
        harmless = True
    else:
        place, harmless = _random_place(rng, doc), False
    _set(doc, place, RAW.format(0))
    return _dump(doc, [raw]), harmless


def _deep(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    depth = rng.choice([100, 300, 999, 1000, 1023, 1100, 5000])
    _set(doc, _random_place(rng, doc), RAW.format(0))
    return _dump(doc, ["[" * depth + "]" * depth]), False


def _encoding(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    encoding = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig",
                           "gb18030", "latin-1"])
    text = json.dumps(doc, ensure_ascii=encoding == "latin-1")
    return text.encode(encoding), encoding.startswith("utf")


def _truncate(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    data = _dump(doc, [])
    return data[: rng.randrange(0, len(data))], False


def _flip_bytes(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    data = bytearray(_dump(doc, []))
    for _ in range(rng.randint(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data), False


def _structure(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    choice = rng.randrange(6)
    if choice == 0:
        return _dump([doc, doc], []), False  # the second is a duplicate id
    return [b"[]", b"null", b"5", b'"text"', b"[1, {}]"][choice - 1], False


def _drop_key(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    del doc[rng.choice(list(doc))]
    return _dump(doc, []), False


def _stac_links(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    doc["links"] = rng.choice([5, 1.5, True, "x", {"rel": "child"}, [5, None, {"href": 3}]])
    return _dump(doc, []), True


def _big_texts(rng: random.Random, doc: dict) -> tuple[bytes, bool]:
    key = "title_en" if "title_cn" in doc else "title"
    doc[key] = "z" * rng.choice([100_000, 1_000_000])
    if "title_cn" in doc:
        doc["ds_topic_tags"] = [f"k{i}" for i in range(20_000)]
    else:
        doc["keywords"] = [f"k{i}" for i in range(20_000)]
    return _dump(doc, []), True


MUTATIONS: list[Callable[[random.Random, dict], tuple[bytes, bool]]] = [
    _wrong_type, _surrogate, _huge_number, _deep, _encoding, _truncate, _flip_bytes, _structure, _drop_key,
    _stac_links, _big_texts,
]


def make_corpus(root: Path, count: int, seed: int) -> list[Case]:
    """``count`` mutated files, a control copy of every base document, and special files."""
    rng = random.Random(seed)
    bases = base_documents()
    cases: list[Case] = []
    root.mkdir(parents=True, exist_ok=True)
    for n, base in enumerate(bases):  # controls: unmodified, unique ids
        path = root / "controls" / f"c{n:04d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(_dump({**base, "id": f"control-{n}"}, []))
        cases.append(Case(path, True, "control"))
    for n in range(count):
        doc = json.loads(json.dumps({**rng.choice(bases), "id": f"fuzz-{n}"}))
        mutation = rng.choice(MUTATIONS)
        data, harmless = mutation(rng, doc)
        folder = root / f"m{n // 100:03d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"{n:05d}{rng.choice(['.json', '.json', '.txt'])}"
        path.write_bytes(data)
        # a .txt in a folder that does not start like JSON is not a record file: not reported
        cases.append(Case(path, harmless and path.suffix == ".json", mutation.__name__))
    special = root / "special"
    special.mkdir()
    os.mkfifo(special / "fifo.json")
    os.mkfifo(special / "fifo.txt")
    os.symlink("/dev/zero", special / "zero.json")
    os.symlink("/dev/null", special / "null.json")
    os.symlink("missing.json", special / "dangling.json")
    (special / "folder.json").mkdir()
    (special / "folder.json" / "inner.json").write_bytes(_dump({**bases[0], "id": "inner"}, []))
    (special / "empty.json").write_bytes(b"")
    gbk = special / os.fsdecode("冻土数据.json".encode("gbk"))
    gbk.write_bytes(_dump({**bases[1], "id": "gbk-name"}, []))
    cases += [Case(special / "folder.json" / "inner.json", True, "inside a folder named .json"),
              Case(gbk, True, "non-UTF-8 file name")]
    cases += [Case(special / n, False, "special file")
              for n in ("fifo.json", "fifo.txt", "zero.json", "null.json", "dangling.json", "empty.json")]
    return cases


# Parallel path without thousands of files: smaller thresholds, then the real streaming ingest.
PARALLEL_INGEST = """
import json, sys
from dataset_atlas.catalog.local import ingest
ingest.PARALLEL_MIN_FILES, ingest.CHUNK_FILES = 50, 40
report = ingest.ingest_to_index(sys.argv[2:], sys.argv[1], workers=2)
print(json.dumps(report.to_dict(), ensure_ascii=False))
"""


def run_ingest(paths: list[Path], index: Path, *, parallel: bool) -> dict[str, Any]:
    """A real ingest process with a timeout; its JSON report."""
    if parallel:
        command = [sys.executable, "-c", PARALLEL_INGEST, str(index), *map(str, paths)]
    else:
        command = [sys.executable, "-m", "dataset_atlas.cli", "ingest", "--json", "--index", str(index),
                   *map(str, paths)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ingest did not finish in {RUN_TIMEOUT_S} s (a hang)")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    return json.loads(done.stdout)


def check_run(cases: list[Case], report: dict[str, Any], index: Path) -> None:
    catalog = LocalCatalog.load(index)
    ingested = set(catalog.frame["source_path"])
    reported = {r["path"].split("#")[0] for r in report["rejected"] + report["skipped"]}
    assert report["ingested"] == len(catalog)
    for case in cases:
        shown = printable_path(case.path)
        if case.must_ingest:
            assert shown in ingested, f"{case.mutation}: {shown} was not ingested ({_reason(report, shown)})"
        elif case.path.suffix == ".json" or shown in reported:
            assert shown in ingested or shown in reported, f"{case.mutation}: {shown} neither ingested nor reported"
    for row in catalog.frame.itertuples():  # every stored record reads back
        assert catalog.get(row.id) is not None
    for rejected in report["rejected"]:
        assert rejected["reason"] and rejected["path"]


def _reason(report: dict[str, Any], shown: str) -> str:
    return next((r["reason"] for r in report["rejected"] if r["path"].startswith(shown)), "not reported")


def test_fuzzed_inputs_never_cost_the_run(tmp_path: Path, stac_corpus: Path) -> None:
    cases = make_corpus(tmp_path / "in", count=400, seed=20240609)
    explicit = [tmp_path / "in" / "special" / n for n in ("fifo.json", "zero.json", "folder.json")]
    report = run_ingest([tmp_path / "in", *explicit], tmp_path / "serial.parquet", parallel=False)
    check_run(cases, report, tmp_path / "serial.parquet")
    parallel = run_ingest([tmp_path / "in"], tmp_path / "parallel.parquet", parallel=True)
    check_run(cases, parallel, tmp_path / "parallel.parquet")
    assert parallel["ingested"] == report["ingested"] - 0  # explicit paths add no new records


@pytest.mark.fuzz
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_inputs_bigger_run(tmp_path: Path, stac_corpus: Path, seed: int) -> None:
    cases = make_corpus(tmp_path / "in", count=4000, seed=seed)
    check_run(cases, run_ingest([tmp_path / "in"], tmp_path / "idx.parquet", parallel=True), tmp_path / "idx.parquet")
