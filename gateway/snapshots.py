"""Snapshots of the core's state: a file beside the database that a restart loads so that it
replays only the journal after it.

Pickling the core takes as long as the day is big: 5.2 s and 79 MB after a million
commands (`python -m bench.snapshot`), and the core thread must not stop for that. So the
state is pickled by a forked child process: it sees the state exactly as it was at the fork,
between two batches, while the parent goes on trading (the kernel copies a page only when
one of the two writes to it). The child writes `core-<seq>.pickle` under a temporary name,
syncs it and renames it into place; the parent, polled between batches, records the file in
the store only once the child has exited cleanly, so a snapshot the store names is complete.
The store keeps the two newest (one to fall back on); files it no longer names are deleted.

Where the platform cannot fork, and for the last snapshot at a clean stop (nothing trades
then), the snapshot is written by the calling thread.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from loguru import logger

from gateway.store import SnapshotRecord, Store

_SUFFIX = ".pickle"
_PART = ".part"  # a file being written; never recorded, removed when found at start


def _read_only(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


# Frozen settings (risk limits) use read-only mappings, which pickle cannot take as they are.
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int  # the last journal entry the state includes
    state: object


@dataclass(slots=True)
class _Child:
    """A snapshot being written by a forked process."""

    pid: int
    seq: int
    code_version: str
    created_ns: int
    path: Path
    report_fd: int  # read end of a pipe: the child writes its error there, if it has one
    started: float  # perf_counter when the fork began
    paused_s: float  # how long the fork held the calling thread


def write_file(path: Path, state: object) -> int:
    """Pickle `state` to `path`, complete and synced before it has that name; its size."""
    part = path.with_name(path.name + _PART)
    with open(part, "wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
        size = f.tell()
    os.replace(part, path)
    _sync_directory(path.parent)
    return size


def _sync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX; elsewhere nothing to do)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SnapshotWriter:
    """Takes snapshots for one store into one directory; called from the core thread only.

    `start()` begins one (in a child process if it can), `poll()` records one that has
    finished, `finish()` waits for one still being written, `write_now()` writes one in the
    calling thread. One snapshot is written at a time."""

    def __init__(self, store: Store, directory: Path, code_version: str,
                 background: bool = hasattr(os, "fork")) -> None:
        self.store = store
        self.directory = directory
        self.code_version = code_version
        self.background = background
        self._child: _Child | None = None
        records = store.snapshot_records()
        self.recorded_seq = records[0].seq if records else 0  # the newest complete snapshot
        directory.mkdir(parents=True, exist_ok=True)
        # Files the store does not name: a write a crash interrupted, or one a child
        # finished after its parent was killed, before the parent could record it.
        named = {r.file for r in records}
        for path in directory.glob(f"core-*{_SUFFIX}*"):
            if path.name not in named:
                path.unlink(missing_ok=True)

    @property
    def busy(self) -> bool:
        """A snapshot is being written in the background."""
        return self._child is not None

    def start(self, state: object, seq: int, ts_ns: int) -> None:
        """Snapshot `state`, which includes the journal up to `seq`: in a child process, the
        caller going on at once; in line where there is no fork. Not while `busy`."""
        assert self._child is None, "one snapshot at a time"
        if not self.background:
            self.write_now(state, seq, ts_ns)
            return
        path = self._path(seq)
        read_fd, write_fd = os.pipe()
        started = time.perf_counter()
        try:
            pid = os.fork()
        except OSError as exc:  # no memory or processes left: no snapshot, trading goes on
            os.close(read_fd)
            os.close(write_fd)
            logger.error("snapshot at journal {} not taken: cannot fork ({}); the next one "
                         "is tried when due", seq, exc)
            return
        if pid == 0:  # the child: write the file and leave, touching nothing else
            _child_main(state, path, write_fd)
        os.close(write_fd)
        paused = time.perf_counter() - started
        self._child = _Child(pid, seq, self.code_version, ts_ns, path, read_fd, started,
                             paused)

    def poll(self) -> None:
        """Record the snapshot being written if its child has finished; never waits."""
        child = self._child
        if child is not None:
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid != 0:
                self._reap(child, os.waitstatus_to_exitcode(status))

    def finish(self) -> None:
        """Wait for the snapshot being written, if any, and record it."""
        if self._child is not None:
            _, status = os.waitpid(self._child.pid, 0)
            self._reap(self._child, os.waitstatus_to_exitcode(status))

    def write_now(self, state: object, seq: int, ts_ns: int) -> None:
        """Snapshot `state` in the calling thread (which it holds for the whole write)."""
        self.finish()
        started = time.perf_counter()
        path = self._path(seq)
        size = write_file(path, state)
        self._record(seq, self.code_version, ts_ns, path, size)
        logger.info("snapshot at journal {}: {} bytes in {:.2f}s", seq, size,
                    time.perf_counter() - started)

    def _path(self, seq: int) -> Path:
        return self.directory / f"core-{seq:015d}{_SUFFIX}"

    def _reap(self, child: _Child, exit_code: int) -> None:
        """Record what a finished child wrote, or report why it did not."""
        self._child = None
        try:
            error = os.read(child.report_fd, 4096).decode("utf-8", "replace")
        finally:
            os.close(child.report_fd)
        took = time.perf_counter() - child.started
        if exit_code == 0 and not error:
            size = child.path.stat().st_size
            self._record(child.seq, child.code_version, child.created_ns, child.path, size)
            logger.info("snapshot at journal {}: {} bytes in {:.2f}s by process {}; the core "
                        "paused {:.1f} ms for it", child.seq, size, took, child.pid,
                        child.paused_s * 1000)
            return
        child.path.unlink(missing_ok=True)
        child.path.with_name(child.path.name + _PART).unlink(missing_ok=True)
        logger.error("snapshot at journal {} failed after {:.2f}s (process {}, exit code {}): "
                     "{}; the next one is tried when due", child.seq, took, child.pid,
                     exit_code, error or "no reason given")

    def _record(self, seq: int, code_version: str, ts_ns: int, path: Path, size: int) -> None:
        self.recorded_seq = seq
        for name in self.store.record_snapshot(seq, code_version, ts_ns, path.name, size):
            (self.directory / name).unlink(missing_ok=True)


def _child_main(state: object, path: Path, report_fd: int) -> None:
    """The forked child's whole life. It shares the parent's descriptors (sockets of FIX
    sessions, the database): it closes them first, so that a session the parent closes
    is closed at once, and it never logs (a logging lock may have been held by another
    thread at the fork). It leaves by os._exit: no finaliser of the parent's objects runs."""
    code = 1
    try:
        gc.disable()  # a collection would touch, and so copy, every page of the heap
        os.closerange(3, report_fd)
        os.closerange(report_fd + 1, os.sysconf("SC_OPEN_MAX"))
        write_file(path, state)
        code = 0
    except BaseException as exc:  # noqa: BLE001 (whatever it is, the parent reports it)
        with contextlib.suppress(OSError):  # a parent gone: nobody left to tell
            os.write(report_fd, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
    finally:
        os._exit(code)


def load_latest(store: Store, directory: Path, code_version: str) -> Snapshot | None:
    """The newest snapshot the store records that this code can use, else None (replay the
    whole journal). One that is from other code, missing, of the wrong size or unreadable is
    skipped with a warning, for the one before it."""
    for record in store.snapshot_records():
        usable = _load(record, directory, code_version)
        if usable is not None:
            return usable
    return None


def _load(record: SnapshotRecord, directory: Path, code_version: str) -> Snapshot | None:
    if record.code_version != code_version:
        logger.warning("snapshot at {} is from other code ({}): ignored", record.seq,
                       record.code_version)
        return None
    path = directory / record.file
    try:
        size = path.stat().st_size
        if size != record.size:
            raise ValueError(f"{size} bytes, {record.size} recorded")
        with open(path, "rb") as f:
            return Snapshot(record.seq, pickle.load(f))
    except Exception as exc:  # a damaged or missing snapshot: replay from further back
        logger.warning("snapshot at {} ({}) unusable ({}): ignored", record.seq, path, exc)
        return None
