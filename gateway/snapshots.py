"""Snapshots of the core's state: a file beside the database that a restart loads so that it
replays only the journal after it.

Pickling the core takes as long as the day is big (3.8 s for 71 MB after 908,000 commands:
`python -m bench.snapshot`), and the core thread must not stop for that. So the state is
pickled by a forked child process: it sees the state exactly as it was at the fork, between
two batches, while the parent goes on trading (the kernel copies a page only when one of the
two writes to it). The child writes the file under a temporary name, syncs it, renames it
into place and reports its SHA-256 through a pipe; the parent, polled between batches,
names the file in the store only once the child has reported success and exited, so a
snapshot the store names is complete, and a restart checks it against its digest. The store
keeps the two newest (one to fall back on); files it no longer names are deleted.

Nothing here may stop the core: a snapshot that cannot be taken (no fork, no descriptor, a
child that fails or is killed, a database that refuses the record) is logged as an error
and the next one is tried when due. Where the platform cannot fork, and for the last
snapshot at a clean stop (nothing trades then), the snapshot is written by the calling
thread.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import hashlib
import os
import pickle
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from loguru import logger

from gateway.store import SnapshotRecord, Store

_SUFFIX = ".pickle"
_PART = ".part"  # a file being written; never named, removed when found at start
_OK = b"ok "  # what a child that wrote its file reports, followed by the file's SHA-256
_REPORT_MAX = 2048  # bytes of a child's report: below PIPE_BUF, so its write never blocks
FINISH_TIMEOUT_S = 300.0  # how long a stop waits for a snapshot being written


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
    created_ns: int
    path: Path
    report_fd: int  # read end of a pipe: the child's report, then end of file
    started: float  # perf_counter when the fork began
    paused_s: float  # how long the fork held the calling thread


class _Hashing:
    """A binary file that also digests what is written to it."""

    def __init__(self, f: object) -> None:
        self._f = f
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self._f.write(data)


def write_file(path: Path, state: object) -> tuple[int, str]:
    """Pickle `state` to `path`, complete and synced before it has that name; its size and
    SHA-256."""
    part = path.with_name(path.name + _PART)
    with open(part, "wb") as f:
        out = _Hashing(f)
        pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        os.fsync(f.fileno())
        size = f.tell()
    os.replace(part, path)
    _sync_directory(path.parent)
    return size, out.sha256.hexdigest()


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
    """Takes snapshots for one store into one directory; called from the core thread only
    (and, once it has stopped, from the thread that stops the gateway).

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
        self.recorded_seq = records[0].seq if records else 0  # the newest named snapshot
        directory.mkdir(parents=True, exist_ok=True)
        # Files the store does not name: a write a crash interrupted, or one a child
        # finished after its parent was killed, before the parent could name it.
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
        started = time.perf_counter()
        try:
            read_fd, write_fd = os.pipe()
        except OSError as exc:
            logger.error("snapshot at journal {} not taken: {}; the next one is tried when "
                         "due", seq, exc)
            return
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
        self._child = _Child(pid, seq, ts_ns, path, read_fd, started,
                             time.perf_counter() - started)

    def poll(self) -> None:
        """Record the snapshot being written if its child has finished; never waits."""
        child = self._child
        if child is None:
            return
        try:
            pid, status = os.waitpid(child.pid, os.WNOHANG)
        except ChildProcessError:  # reaped already (SIGCHLD ignored): its report tells
            pid, status = child.pid, None
        if pid != 0:
            self._reap(child, None if status is None else os.waitstatus_to_exitcode(status))

    def finish(self, timeout: float = FINISH_TIMEOUT_S) -> None:
        """Wait for the snapshot being written, if any, and record it; a child still
        writing after `timeout` seconds is killed (its snapshot is lost, not the journal)."""
        deadline = time.monotonic() + timeout
        while self._child is not None:
            self.poll()
            if self._child is not None and time.monotonic() > deadline:
                child = self._child
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)
                logger.error("snapshot at journal {} still being written after {:.0f}s: "
                             "process {} killed", child.seq, timeout, child.pid)
                deadline = float("inf")  # killed: its end comes at once
            time.sleep(0.01)

    def write_now(self, state: object, seq: int, ts_ns: int) -> None:
        """Snapshot `state` in the calling thread (which it holds for the whole write)."""
        self.finish()
        started = time.perf_counter()
        path = self._path(seq)
        size, sha256 = write_file(path, state)
        self._record(seq, ts_ns, path, size, sha256)
        logger.info("snapshot at journal {}: {} bytes in {:.2f}s", seq, size,
                    time.perf_counter() - started)

    def _path(self, seq: int) -> Path:
        # A token of its own: a child orphaned by a crash can never write the same file as
        # a snapshot of the next run at the same journal entry.
        return self.directory / f"core-{seq:015d}-{secrets.token_hex(4)}{_SUFFIX}"

    def _reap(self, child: _Child, exit_code: int | None) -> None:
        """Record what a finished child wrote, or report why it did not."""
        self._child = None
        took = time.perf_counter() - child.started
        try:
            report = _read_all(child.report_fd)
            if exit_code not in (0, None) or not report.startswith(_OK):
                raise RuntimeError(report.decode("utf-8", "replace") or "no report")
            sha256 = report[len(_OK):].decode("ascii")
            size = child.path.stat().st_size
            self._record(child.seq, child.created_ns, child.path, size, sha256)
        except Exception as exc:  # noqa: BLE001 (a lost snapshot must not stop the core)
            with contextlib.suppress(OSError):
                child.path.unlink(missing_ok=True)
                child.path.with_name(child.path.name + _PART).unlink(missing_ok=True)
            logger.error("snapshot at journal {} failed after {:.2f}s (process {}, exit code "
                         "{}): {}; the next one is tried when due", child.seq, took,
                         child.pid, exit_code, exc)
            return
        finally:
            os.close(child.report_fd)
        logger.info("snapshot at journal {}: {} bytes in {:.2f}s by process {}; the core "
                    "paused {:.1f} ms for it", child.seq, size, took, child.pid,
                    child.paused_s * 1000)

    def _record(self, seq: int, ts_ns: int, path: Path, size: int, sha256: str) -> None:
        dropped = self.store.record_snapshot(seq, self.code_version, ts_ns, path.name, size,
                                             sha256)
        self.recorded_seq = seq
        for name in dropped:
            (self.directory / name).unlink(missing_ok=True)


def _read_all(fd: int) -> bytes:
    """Everything written to a pipe whose writer has exited."""
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


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
        _, sha256 = write_file(path, state)
        report = _OK + sha256.encode("ascii")
        code = 0
    except BaseException as exc:  # noqa: BLE001 (whatever it is, the parent reports it)
        report = f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
    finally:
        with contextlib.suppress(BaseException):  # a parent gone: nobody left to tell
            os.write(report_fd, report[:_REPORT_MAX])
        os._exit(code)


def load_latest(store: Store, directory: Path, code_version: str) -> Snapshot | None:
    """The newest snapshot the store records that this code can use, else None (replay the
    whole journal). One that is from other code, missing, damaged or unreadable is skipped
    with a warning, for the one before it."""
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
        data = path.read_bytes()
        if len(data) != record.size or hashlib.sha256(data).hexdigest() != record.sha256:
            raise ValueError(f"{len(data)} bytes not those recorded ({record.size} bytes, "
                             f"SHA-256 {record.sha256[:16]}...)")
        return Snapshot(record.seq, pickle.loads(data))
    except Exception as exc:  # noqa: BLE001 (damaged or missing: replay from further back)
        logger.warning("snapshot at {} ({}) unusable ({}): ignored", record.seq, path, exc)
        return None
