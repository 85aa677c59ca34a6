"""Start-up of the ``dataset-atlas`` command, as whole processes (time and peak memory).

Figures: ``import dataset_atlas.cli`` and ``dataset-atlas --help`` against a bare
``python -c pass`` in the same run (ratio = the command's cost over the interpreter's).
``ATLAS_CLI=/other/checkout/.venv/bin/dataset-atlas`` measures another version (before/after).

    python bench/cli_bench.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from common import Figure, table

# Forks and execs the command, then reports its wall time, peak RSS (KiB) and exit code.
# Linux carries a process's peak RSS into the children it spawns (fork copies the memory
# map's high-water mark and exec keeps it), so a benchmark driver that once held 800 MB
# would see every child at 800 MB; this small fresh process in between starts low.
_TRAMPOLINE = """
import os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def whole_process(cmd: Sequence[str], cwd: Path | None = None) -> tuple[float, float]:
    """Run ``cmd`` once as a whole process: (wall seconds, peak RSS in MiB) of that process."""
    env = {k: v for k, v in os.environ.items() if k != "DATASET_ATLAS_INDEX"}
    proc = subprocess.run([sys.executable, "-S", "-c", _TRAMPOLINE, *cmd], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    try:
        seconds, kib, code = proc.stdout.split()
    except ValueError:
        raise RuntimeError(f"{' '.join(cmd)}: {proc.stderr[-500:]}") from None
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {code}: {proc.stderr[-500:]}")
    return float(seconds), int(kib) / 1024  # ru_maxrss is in KiB on Linux


def paired(commands: dict[str, Sequence[str]], runs: int, cwd: Path | None = None) -> dict[str, tuple[float, float]]:
    """Median (seconds, MiB) per command, the commands run in turn so noise hits all alike."""
    for cmd in commands.values():  # warm the page cache: every figure is a warm start
        whole_process(cmd, cwd)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(whole_process(cmd, cwd))
    return {name: (statistics.median(s for s, _ in got), statistics.median(m for _, m in got))
            for name, got in samples.items()}


def cli_command() -> list[str]:
    """$ATLAS_CLI (e.g. another checkout's script, for before/after), else the console script
    next to this interpreter, else ``python -m dataset_atlas.cli``."""
    if os.environ.get("ATLAS_CLI"):
        return [os.environ["ATLAS_CLI"]]
    script = Path(sys.executable).with_name("dataset-atlas")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dataset_atlas.cli"]


def cli_python() -> str:
    """The interpreter that runs :func:`cli_command` (for the import figure)."""
    return str(Path(cli_command()[0]).with_name("python")) if os.environ.get("ATLAS_CLI") else sys.executable


def measure(runs: int = 7) -> list[Figure]:
    res = paired({
        "python": [sys.executable, "-c", "pass"],
        "import": [cli_python(), "-c", "import dataset_atlas.cli"],
        "help": [*cli_command(), "--help"],
    }, runs)
    base_s, base_m = res["python"]
    figures = []
    for name, label in (("import", "import dataset_atlas.cli"), ("help", "dataset-atlas --help")):
        s, m = res[name]
        figures.append(Figure(f"{label} (whole process)", s, base_s, "python -c pass",
                              "no pandas, pyarrow, rasterio or catalog at start-up"))
        figures.append(Figure(f"{label}: peak memory", m, base_m, "python -c pass", unit="MiB"))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(table(measure(args.runs)))
