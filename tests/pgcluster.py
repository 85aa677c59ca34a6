"""A throwaway PostgreSQL cluster owned by the tests (and the benches): started, used, removed.

``initdb`` into a temp folder, ``postgres`` on a free loopback port and a socket in that
folder, trust authentication on loopback only. As root the server runs as the ``postgres``
user (PostgreSQL refuses root). The server is the tests' child and is asked to die with it
(PR_SET_PDEATHSIG), so nothing started here outlives the run. ``make postgres`` installs
the server and PostGIS from Debian when they are missing.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .helpers import free_port

START_TIMEOUT_S = 60
SUPERUSER = "atlas"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries (or no PostGIS) on this machine."""


def server_bindir() -> Path:
    """The newest installed server's bin folder (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("no PostgreSQL server found (initdb); run `make postgres` to install it")


def _die_with_parent() -> None:  # runs in the child after the user switch, so the kernel keeps it
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Cluster:
    """One running server; :meth:`create_database` gives each test module its own database."""

    def __init__(self) -> None:
        self.bindir = server_bindir()
        share = Path(str(self.bindir).replace("/usr/lib/", "/usr/share/").removesuffix("/bin"))
        if share.is_dir() and not (share / "extension" / "postgis.control").exists():
            raise PostgresUnavailable(f"PostGIS is not installed for {share.name}; run `make postgres`")
        self.dir = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._databases = 0

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=self.user, cwd=self.dir, timeout=120)

    def start(self) -> Cluster:
        """initdb and start the server; returns when it accepts connections."""
        data = self.dir / "data"
        # C.UTF-8: lower() knows every script and "C" collation sorts by code point, as Python does.
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        log = open(self.dir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.process = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.dir),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=100"],
            stdout=log, stderr=subprocess.STDOUT, user=self.user, cwd=self.dir, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PostgresUnavailable(f"postgres exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            ready = subprocess.run([str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True, check=False)
            if ready.returncode == 0:
                return self
            time.sleep(0.2)
        self.stop()
        raise PostgresUnavailable(f"postgres did not start within {START_TIMEOUT_S} s")

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URL for a database of this cluster (TCP on loopback, so asyncpg can connect too)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "atlas") -> str:
        """A new empty database; returns its URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{self._databases}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        """Fast shutdown, then remove every file of the cluster."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: disconnects clients
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and removed on exit."""
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()
