"""Session-wide fixtures shared by all test packages."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from gateway import native
from tests.postgres import ENV_URL, PostgresServer, fresh_database


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test a compiled core built from older source: the tests would pass or fail
    on code that is no longer in the tree."""
    stale = native.stale_builds()
    if stale:
        pytest.exit(f"compiled core older than its source ({', '.join(stale)}): rebuild with "
                    "`python3 -m pip install -e .`", returncode=2)


def pytest_report_header() -> str:
    running = native.running_compiled()
    compiled = sorted(name for name, yes in running.items() if yes)
    python = sorted(name for name, yes in running.items() if not yes)
    return (f"matching core: compiled {', '.join(compiled) or '-'}; "
            f"pure Python {', '.join(python) or '-'}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server: GATEWAY_TEST_POSTGRES_URL, or one started from the
    system's binaries for this test session. Skips, saying why, when neither exists."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    server = PostgresServer()
    why = server.unavailable()
    if why is not None:
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    try:
        url = server.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is a reason to skip
        pytest.skip(f"PostgreSQL tests skipped: server did not start ({exc})")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    return fresh_database(postgres_server, name)
