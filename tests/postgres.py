"""A throwaway PostgreSQL server for tests, from the system's binaries, or the one named by
GATEWAY_TEST_POSTGRES_URL. Tests that need it skip, saying why, where neither is possible."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.fixclient import free_port

ENV_URL = "GATEWAY_TEST_POSTGRES_URL"
_SEARCH = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in _SEARCH:
        if (directory / name).exists():
            return str(directory / name)
    return None


class PostgresServer:
    """initdb + pg_ctl in a temporary directory, on a free loopback port; stopped by stop()."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.directory: Path | None = None
        self.port = free_port()

    def unavailable(self) -> str | None:
        """Why no server can be started here, or None."""
        if self.initdb is None or self.pg_ctl is None:
            return f"no PostgreSQL server binaries (initdb, pg_ctl); set {ENV_URL} to use one"
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return "the psycopg driver is not installed"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' user to run the server"
        return None

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(argv), check=True, capture_output=True, timeout=60)

    def start(self) -> str:
        self.directory = Path(tempfile.mkdtemp(prefix="gateway-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        data = str(self.directory / "data")
        self._run(self.initdb, "-D", data, "-A", "trust", "-U", "gateway", "--no-sync")
        self._run(self.pg_ctl, "-D", data, "-w", "-t", "30", "-l", str(self.directory / "log"),
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off", "start")
        return f"postgresql+psycopg://gateway@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self.directory is not None:
            try:
                self._run(self.pg_ctl, "-D", str(self.directory / "data"), "-m", "immediate",
                          "stop")
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)
                self.directory = None


def fresh_database(server_url: str, name: str) -> str:
    """Create an empty database `name` on the server; its URL."""
    import psycopg

    base = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
