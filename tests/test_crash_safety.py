"""Kill a real `dataset-atlas ingest` (SIGKILL, SIGTERM, SIGINT) while it reads and while it writes:
the previous index must stay intact, no worker may outlive it, and the next ingest must leave
no temp file behind. Real files, real processes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.catalog.local.writer import temp_files

from .conftest import SEEDS

RECORDS = 6000  # above the worker threshold (2000 files): the ingest forks worker processes
ATTEMPTS = 3  # a moment missed (the ingest was quicker) is tried again on a larger input, then fails


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    subprocess.run([sys.executable, "-m", "dataset_atlas.cli", "synth", "--count", str(RECORDS), "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="module")
def synthetic_more(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twice as many other records: read with ``synthetic``, the ingest takes three times as long."""
    out = tmp_path_factory.mktemp("synth_more")
    subprocess.run([sys.executable, "-m", "dataset_atlas.cli", "synth", "--count", str(2 * RECORDS), "--out", str(out),
                    "--seed", "7"], check=True, capture_output=True, timeout=300)
    return out


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != b"Z":
                found.add(int(entry))
    return found


def state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return b"X"


def alive(pid: int) -> bool:
    return state(pid) not in (b"Z", b"X")


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def catch(proc: subprocess.Popen[bytes], moment: Callable[[], bool], timeout: float) -> bool:
    """Stop ``proc`` (SIGSTOP) at a time when ``moment()`` holds: True once it is stopped there.

    Stopping first closes the race in which the ingest finishes between seeing the moment and
    sending the signal (then a SIGTERM finds nothing to interrupt and the run exits 0)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if moment():
            proc.send_signal(signal.SIGSTOP)
            if wait_for(lambda: state(proc.pid) in (b"T", b"Z", b"X"), timeout=10) \
                    and state(proc.pid) == b"T" and moment():
                return True
            proc.send_signal(signal.SIGCONT)  # moved on (or ended) before it stopped: try again
        time.sleep(0.02)
    return False


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ingest_to_index as a command, printing errors as the CLI does: records stream into the temp
# file while the workers read, so a kill always lands mid-write.
STREAMED = """
import sys
from dataset_atlas.catalog.local.ingest import ingest_to_index
from dataset_atlas.errors import AtlasError
try:
    ingest_to_index(sys.argv[1:-1], sys.argv[-1])
except AtlasError as exc:
    print(f"dataset-atlas: {exc}", file=sys.stderr)
    sys.exit(2)
"""


def start_ingest(sources: list[Path], index: Path, how: str = "cli") -> subprocess.Popen[bytes]:
    paths = [str(source) for source in sources]
    command = ([sys.executable, "-m", "dataset_atlas.cli", "ingest", *paths, "--index", str(index)]
               if how == "cli" else [sys.executable, "-c", STREAMED, *paths, str(index)])
    # A shell that starts a job in the background (CI may) makes it ignore SIGINT, and an ignored
    # signal stays ignored across exec: give the ingest the default, as a terminal would.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


# When to kill: once the workers run (reading), or once the temp index file exists (writing:
# from the start when records stream into the file, at the end when a whole frame is saved).
MOMENTS = {
    "reading": lambda proc, index: bool(children(proc.pid)),
    "writing": lambda proc, index: bool(temp_files(index)),
    "streaming": lambda proc, index: bool(temp_files(index)) and bool(children(proc.pid)),
}


@pytest.mark.parametrize(("how", "moment"), [("cli", "reading"), ("cli", "writing"), ("streamed", "streaming")])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_killed_ingest_keeps_the_old_index(request: pytest.FixtureRequest, tmp_path: Path, synthetic: Path,
                                           sig: signal.Signals, how: str, moment: str) -> None:
    index = tmp_path / "index.parquet"
    sources = [synthetic]
    for _ in range(ATTEMPTS):
        subprocess.run([sys.executable, "-m", "dataset_atlas.cli", "ingest", str(SEEDS), "--index", str(index)],
                       check=True, capture_output=True, timeout=120)
        before = digest(index)
        proc = start_ingest(sources, index, how)
        if catch(proc, lambda p=proc: MOMENTS[moment](p, index), timeout=120):  # type: ignore[misc]
            break
        if proc.poll() is None:  # still running after the timeout: end it, try again
            proc.kill()
        proc.communicate(timeout=60)
        sources = [synthetic, request.getfixturevalue("synthetic_more")]  # a longer ingest: more time to catch it
    else:
        pytest.fail(f"the {moment} moment was not caught in {ATTEMPTS} ingests (each finished first)")
    try:
        workers = children(proc.pid)
        proc.send_signal(sig)  # the ingest is stopped here, so the signal lands at that moment
        proc.send_signal(signal.SIGCONT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0, stderr.decode(errors="replace")[-3000:]
    if sig != signal.SIGKILL:  # handled: one clear line, temp file removed at once
        assert proc.returncode == 2 and f"{sig.name}: ".encode() in stderr and b"interrupted" in stderr
        assert b"Traceback" not in stderr and not temp_files(index)
    assert wait_for(lambda: not any(alive(w) for w in workers), timeout=10), "worker processes survived"
    assert digest(index) == before
    assert len(LocalCatalog.load(index)) == 3

    done = subprocess.run([sys.executable, "-m", "dataset_atlas.cli", "ingest", str(synthetic), "--index",
                           str(index)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert not temp_files(index)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.parquet"]  # no lock file either
    assert len(LocalCatalog.load(index)) == RECORDS
