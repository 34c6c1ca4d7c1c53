"""Snapshots of the core: the compiled matching and risk engines, pickled by a forked child
while the caller goes on, restore to the same state and keep working; a snapshot is named in
the store only once complete, a damaged one is skipped for the one before, a failed one is
reported and changes nothing."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from bench.risk_overhead import new_core, replay_gated
from bench.workload_io import LeavesReplace, core_steps, read_workload
from gateway.core_loop import apply
from gateway.recovery import CoreState, code_version
from gateway.snapshots import SnapshotWriter, load_latest
from gateway.store import Store
from matching.engine import MatchingEngine
from risk.engine import RiskEngine
from risk.gate import Gate

WORKLOAD = Path(__file__).resolve().parents[2] / "data" / "workloads" / "default_s7.csv"


def _exposure(risk: RiskEngine, accounts: list[str], symbols: list[str]) -> list[tuple]:
    legs = [risk.leg(a, s) for a in accounts for s in symbols]
    return [(leg.position, leg.open_buy, leg.open_sell, leg.credit.open_notional)
            for leg in legs]


def test_a_snapshot_of_engine_and_risk_loads_back_equal_and_keeps_working(
        tmp_path: Path) -> None:
    # Arrange: half a workload through risk and matching, as the core loop runs it
    workload = read_workload(WORKLOAD)
    steps = core_steps(workload)
    engine, risk = new_core(workload)
    half = len(steps) // 2

    def run(engine: MatchingEngine, risk: RiskEngine, part: list) -> None:
        assert replay_gated(part, engine, Gate(risk, engine)) == 0

    run(engine, risk, steps[:half])
    store = Store(f"sqlite:///{tmp_path / 'core.db'}")
    writer = SnapshotWriter(store, tmp_path / "snapshots", code_version())

    # Act: written by a child process, then loaded back as a restart does
    writer.start(CoreState(engine, risk), 1, 0)
    writer.finish()
    snapshot = load_latest(store, tmp_path / "snapshots", code_version())

    # Assert: loaded, equal, and both copies go on to the same end
    assert snapshot is not None
    restored = snapshot.state
    accounts = sorted({str(r.acct) for r in workload.rows})
    symbols = sorted(engine.instruments)
    assert restored.engine.state_hash() == engine.state_hash()
    assert _exposure(restored.risk, accounts, symbols) == _exposure(risk, accounts, symbols)
    run(engine, risk, steps[half:])
    # the restored copy goes on as replay would after a restart (gateway/core_loop.apply)
    for step in steps[half:]:
        apply(restored, step.resolve(restored.engine) if isinstance(step, LeavesReplace)
              else step)
    assert restored.engine.state_hash() == engine.state_hash()
    assert _exposure(restored.risk, accounts, symbols) == _exposure(risk, accounts, symbols)
    store.close()


# -- writing in the background -------------------------------------------------------------


class Held:
    """A state whose pickling waits until the file `release` exists, so that a snapshot
    stays in progress for as long as a test wants. Only the child pickles it; it loads
    back as `value`."""

    def __init__(self, release: Path, value: str = "state") -> None:
        self.release = release
        self.value = value

    def __reduce__(self) -> tuple[type, tuple[str]]:
        deadline = time.monotonic() + 30  # a test that never releases still ends
        while not self.release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return str, (self.value,)


class Unpicklable:
    def __reduce__(self) -> tuple:
        raise RuntimeError("cannot pickle this")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'core.db'}")
    yield store
    store.close()


@pytest.fixture
def logged() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lines.append, level="INFO", format="{level} {message}")
    yield lines
    logger.remove(sink)


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _wait_recorded(writer: SnapshotWriter) -> None:
    """Poll as the core loop does between batches, until the child has been reaped."""
    deadline = time.monotonic() + 30
    while writer.busy and time.monotonic() < deadline:
        writer.poll()
        time.sleep(0.01)
    assert not writer.busy


def test_the_caller_goes_on_while_a_child_writes_and_the_store_names_only_a_whole_file(
        tmp_path: Path, store: Store) -> None:
    directory, release = tmp_path / "snapshots", tmp_path / "release"
    writer = SnapshotWriter(store, directory, "v1")

    writer.start(Held(release), 5, 1_000)

    # still being written: start() came back, and nothing is named or in place yet
    assert writer.busy
    writer.poll()
    assert writer.busy
    assert store.snapshot_records() == []
    assert load_latest(store, directory, "v1") is None
    assert "core-000000000000005.pickle" not in _files(directory)
    release.touch()
    writer.finish()
    assert not writer.busy
    assert [(r.seq, r.file) for r in store.snapshot_records()] == [
        (5, "core-000000000000005.pickle")]
    assert _files(directory) == ["core-000000000000005.pickle"]
    snapshot = load_latest(store, directory, "v1")
    assert snapshot is not None and (snapshot.seq, snapshot.state) == (5, "state")
    assert writer.recorded_seq == 5


def test_a_connection_the_parent_closes_is_closed_while_a_child_writes(
        tmp_path: Path, store: Store) -> None:
    # A FIX session's socket is a descriptor the child inherits: it closes its copies
    # first, so a session the gateway ends meanwhile ends for the counterparty at once.
    release = tmp_path / "release"
    writer = SnapshotWriter(store, tmp_path / "snapshots", "v1")
    ours, theirs = socket.socketpair()
    try:
        writer.start(Held(release), 1, 0)
        ours.close()
        theirs.settimeout(10)
        assert theirs.recv(1) == b""  # end of stream, though the child is still writing
        assert writer.busy
    finally:
        release.touch()
        writer.finish()
        theirs.close()
        with contextlib.suppress(OSError):
            ours.close()


def test_a_failed_snapshot_is_reported_names_nothing_and_the_next_one_is_taken(
        tmp_path: Path, store: Store, logged: list[str]) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1")

    writer.start(Unpicklable(), 7, 0)
    _wait_recorded(writer)

    assert store.snapshot_records() == []
    assert _files(directory) == []
    [error] = [line for line in logged if line.startswith("ERROR")]
    assert "snapshot at journal 7 failed" in error
    assert "RuntimeError: cannot pickle this" in error
    writer.start("good", 8, 0)
    _wait_recorded(writer)
    assert [r.seq for r in store.snapshot_records()] == [8]


def test_the_two_newest_snapshots_are_kept_and_the_older_files_deleted(
        tmp_path: Path, store: Store, logged: list[str]) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1")

    for seq in (10, 20, 30):
        writer.start(f"state {seq}", seq, 0)
        _wait_recorded(writer)

    assert [r.seq for r in store.snapshot_records()] == [30, 20]
    assert _files(directory) == ["core-000000000000020.pickle", "core-000000000000030.pickle"]
    done = [line for line in logged if "snapshot at journal 30:" in line]
    assert len(done) == 1 and "the core paused" in done[0]


@pytest.mark.parametrize("damage", ["truncated", "missing", "garbage"])
def test_a_damaged_newest_snapshot_is_skipped_for_the_one_before(
        tmp_path: Path, store: Store, logged: list[str], damage: str) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1", background=False)
    writer.start("older", 1, 0)
    writer.start("newer", 2, 0)
    newest = directory / "core-000000000000002.pickle"
    if damage == "truncated":
        newest.write_bytes(newest.read_bytes()[:-3])
    elif damage == "missing":
        newest.unlink()
    else:  # the recorded size, other bytes
        newest.write_bytes(b"\x00" * newest.stat().st_size)

    snapshot = load_latest(store, directory, "v1")

    assert snapshot is not None and (snapshot.seq, snapshot.state) == (1, "older")
    assert any("snapshot at 2" in line and "unusable" in line for line in logged)


def test_a_snapshot_of_other_code_is_not_used(tmp_path: Path, store: Store) -> None:
    directory = tmp_path / "snapshots"
    SnapshotWriter(store, directory, "v1", background=False).start("state", 1, 0)

    assert load_latest(store, directory, "v2") is None


def test_files_the_store_does_not_name_are_removed_at_start(tmp_path: Path,
                                                            store: Store) -> None:
    directory = tmp_path / "snapshots"
    SnapshotWriter(store, directory, "v1", background=False).start("state", 1, 0)
    (directory / "core-000000000000009.pickle.part").write_bytes(b"half")  # a crash mid-write
    (directory / "core-000000000000008.pickle").write_bytes(b"whole")  # its parent killed

    SnapshotWriter(store, directory, "v1")

    assert _files(directory) == ["core-000000000000001.pickle"]


def test_without_fork_a_snapshot_is_written_in_line(tmp_path: Path, store: Store) -> None:
    writer = SnapshotWriter(store, tmp_path / "snapshots", "v1", background=False)

    writer.start("state", 3, 0)

    assert not writer.busy
    assert [r.seq for r in store.snapshot_records()] == [3]
    assert os.path.exists(tmp_path / "snapshots" / "core-000000000000003.pickle")
