"""Snapshots of the core: the compiled matching and risk engines, pickled by a forked child
while the caller goes on, restore to the same state and keep working; a snapshot is named in
the store only once complete, a damaged one is skipped for the one before, a failed one is
reported and changes nothing."""

from __future__ import annotations

import contextlib
import os
import signal
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
    def __init__(self, message: str = "cannot pickle this") -> None:
        self.message = message

    def __reduce__(self) -> tuple:
        raise RuntimeError(self.message)


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


def _named(store: Store) -> list[tuple[int, str]]:
    """(seq, file) of every snapshot the store names, newest first."""
    return [(r.seq, r.file) for r in store.snapshot_records()]


def _errors(logged: list[str]) -> list[str]:
    return [line for line in logged if line.startswith("ERROR")]


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
    assert _named(store) == []
    assert load_latest(store, directory, "v1") is None
    assert not any(name.endswith(".pickle") for name in _files(directory))
    release.touch()
    writer.finish()
    assert not writer.busy
    [(seq, file)] = _named(store)
    assert seq == 5 and file.startswith("core-000000000000005-") and file.endswith(".pickle")
    assert _files(directory) == [file]
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


@pytest.mark.parametrize("message", ["cannot pickle this", "x" * 100_000],
                         ids=["short", "longer-than-a-pipe"])
def test_a_failed_snapshot_is_reported_names_nothing_and_the_next_one_is_taken(
        tmp_path: Path, store: Store, logged: list[str], message: str) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1")

    writer.start(Unpicklable(message), 7, 0)
    _wait_recorded(writer)

    assert _named(store) == []
    assert _files(directory) == []
    [error] = _errors(logged)
    assert "snapshot at journal 7 failed" in error
    assert f"RuntimeError: {message}"[:1000] in error and len(error) < 3000
    writer.start("good", 8, 0)
    _wait_recorded(writer)
    assert [seq for seq, _ in _named(store)] == [8]


def test_a_child_killed_while_it_writes_is_reported_and_leaves_no_file(
        tmp_path: Path, store: Store, logged: list[str]) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1")
    writer.start(Held(tmp_path / "never"), 3, 0)

    writer.finish(timeout=0.3)  # as a stop that cannot wait for ever: it kills the child

    assert not writer.busy
    assert _named(store) == [] and _files(directory) == []
    killed, failed = _errors(logged)
    assert "still being written" in killed and "killed" in killed
    assert "snapshot at journal 3 failed" in failed and f"exit code -{signal.SIGKILL}" in failed


@pytest.mark.parametrize("call", ["fork", "pipe"])
def test_a_snapshot_that_cannot_start_is_reported_and_changes_nothing(
        tmp_path: Path, store: Store, logged: list[str], monkeypatch: pytest.MonkeyPatch,
        call: str) -> None:
    writer = SnapshotWriter(store, tmp_path / "snapshots", "v1")

    def refuse(*_: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, call, refuse)
    writer.start("state", 4, 0)

    assert not writer.busy and _named(store) == []
    [error] = _errors(logged)
    assert "snapshot at journal 4 not taken" in error and "Cannot allocate memory" in error


def test_a_record_the_database_refuses_is_reported_not_raised(
        tmp_path: Path, store: Store, logged: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1")

    def refuse(*_: object) -> list[str]:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(store, "record_snapshot", refuse)
    writer.start("state", 6, 0)
    _wait_recorded(writer)

    assert writer.recorded_seq == 0  # so a stop still takes its snapshot
    assert _files(directory) == []
    [error] = _errors(logged)
    assert "snapshot at journal 6 failed" in error and "database is locked" in error


def test_a_snapshot_is_recorded_when_children_are_reaped_by_the_system(
        tmp_path: Path, store: Store) -> None:
    # SIGCHLD ignored (inherited from whoever started the gateway): the kernel reaps the
    # child, and its report says how it went.
    writer = SnapshotWriter(store, tmp_path / "snapshots", "v1")
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        writer.start("state", 2, 0)
        _wait_recorded(writer)
    finally:
        signal.signal(signal.SIGCHLD, before)

    assert [seq for seq, _ in _named(store)] == [2]


def test_the_two_newest_snapshots_are_kept_and_the_older_files_deleted(
        tmp_path: Path, store: Store, logged: list[str]) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1")

    for seq in (10, 20, 30):
        writer.start(f"state {seq}", seq, 0)
        _wait_recorded(writer)

    named = _named(store)
    assert [seq for seq, _ in named] == [30, 20]
    assert _files(directory) == sorted(file for _, file in named)
    done = [line for line in logged if "snapshot at journal 30:" in line]
    assert len(done) == 1 and "the core paused" in done[0]


@pytest.mark.parametrize("damage", ["truncated", "missing", "zeroed", "altered"])
def test_a_damaged_newest_snapshot_is_skipped_for_the_one_before(
        tmp_path: Path, store: Store, logged: list[str], damage: str) -> None:
    directory = tmp_path / "snapshots"
    writer = SnapshotWriter(store, directory, "v1", background=False)
    writer.start("older", 1, 0)
    writer.start("newer", 2, 0)
    newest = directory / _named(store)[0][1]
    data = newest.read_bytes()
    if damage == "truncated":
        newest.write_bytes(data[:-3])
    elif damage == "missing":
        newest.unlink()
    elif damage == "zeroed":
        newest.write_bytes(b"\x00" * len(data))
    else:  # still a pickle, of the same size: only the digest can tell
        newest.write_bytes(data.replace(b"newer", b"NEWER"))

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
    [(_, named)] = _named(store)
    (directory / "core-000000000000009-0a0b0c0d.pickle.part").write_bytes(b"half")  # a crash
    (directory / "core-000000000000008-01020304.pickle").write_bytes(b"whole")  # parent killed

    SnapshotWriter(store, directory, "v1")

    assert _files(directory) == [named]


def test_without_fork_a_snapshot_is_written_in_line(tmp_path: Path, store: Store) -> None:
    writer = SnapshotWriter(store, tmp_path / "snapshots", "v1", background=False)

    writer.start("state", 3, 0)

    assert not writer.busy
    [(seq, file)] = _named(store)
    assert seq == 3 and os.path.exists(tmp_path / "snapshots" / file)
