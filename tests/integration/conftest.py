"""Fixtures for integration tests: the real gateway on a free loopback port with a
temporary data directory, and real QuickFIX counterparties. Everything started is stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from config.settings import load_settings
from gateway.app import Gateway
from tests.fixclient import FixClient, free_port

DEMO_YAML = Path(__file__).resolve().parents[2] / "config" / "gateway.yaml"


def counterparty(comp_id: str, begin_string: str = "FIX.4.4", **settings: object
                 ) -> dict[str, object]:
    """One more counterparty for `start_gateway(**{f"counterparties.{comp_id}": ...})`,
    with password `<comp_id lower>-demo` (as the demo's) and its own account `comp_id`."""
    entry: dict[str, object] = {
        "password": f"{comp_id.lower()}-demo", "begin_string": begin_string,
        "authenticate": True, "cancel_on_disconnect": True, "accounts": [comp_id],
        "session": {},
    }
    entry.update(settings)
    return entry


def write_config(directory: Path, port: int, **changes: object) -> Path:
    """The demo profile with its own data dir and port, plus `changes` (dotted keys)."""
    data = yaml.safe_load(DEMO_YAML.read_text())
    data["data_dir"] = str(directory / "var")
    data["acceptor"]["port"] = port
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split(".")
        for key in path:
            node = node.setdefault(key, {})
        node[last] = value
    path = directory / "gateway.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def start_gateway(tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    """Start a gateway (demo profile + changes); it is stopped after the test."""
    started: list[Gateway] = []

    def start(clock: Callable[[], int] | None = None, **changes: object) -> Gateway:
        port = free_port()
        settings = load_settings(write_config(tmp_path, port, **changes))
        gw = Gateway(settings) if clock is None else Gateway(settings, clock=clock)
        gw.start()
        gw.port = port  # type: ignore[attr-defined]
        started.append(gw)
        return gw

    yield start
    for gw in reversed(started):
        gw.stop()


@pytest.fixture
def gateway(start_gateway: Callable[..., Gateway]) -> Gateway:
    return start_gateway()


@pytest.fixture
def connect(tmp_path: Path) -> Iterator[Callable[..., FixClient]]:
    """Log a counterparty on to a gateway; it is stopped after the test.

    `password=None` uses the demo password `<sender lower>-demo`; `password=""` sends none.
    Clients are stopped in parallel: each stop waits up to QuickFIX's 1 s timer."""
    clients: list[FixClient] = []

    def make(gw: Gateway, sender: str = "CLIENT1", password: str | None = None,
             wait: bool = True, **kw: object) -> FixClient:
        if password is None:
            password = f"{sender.lower()}-demo"
        client = FixClient(gw.port, tmp_path, sender, password, **kw)  # type: ignore[attr-defined]
        clients.append(client)
        return client.start(wait=wait)

    yield make
    stoppers = [threading.Thread(target=c.stop) for c in clients]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
