"""Restart is replay: rebuild the core's state from the newest usable snapshot plus the journal.

The same path runs after a clean stop and after a crash. A snapshot is only used by the code
that wrote it (a hash of the core's source) and under the instruments it was taken with, so
a code change, or an instrument added to or left out of the configuration, falls back to a
full replay.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from gateway import native
from gateway.snapshots import load_latest
from gateway.store import Store
from matching.engine import MatchingEngine
from matching.model import Instrument

_CORE_PACKAGES = ("matching", "risk")


def code_version() -> str:
    """Hash of the core's source and declarations, and of which of its modules run compiled:
    what a pickled snapshot depends on (a compiled class pickles differently)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for package in _CORE_PACKAGES:
        for path in sorted([*(root / package).glob("*.py"), *(root / package).glob("*.pxd")]):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    h.update(repr(sorted((name, yes) for name, yes in native.running_compiled().items()
                         if name.split(".")[0] in _CORE_PACKAGES)).encode())
    return h.hexdigest()[:16]


@dataclass(slots=True)
class CoreState:
    """Everything replay rebuilds: the matching engine and the risk engine (if any)."""

    engine: MatchingEngine
    risk: Any = None


def recover(store: Store, snapshot_dir: Path, fresh: CoreState,
            apply: Any) -> tuple[CoreState, int]:
    """The state after the whole journal, and how many entries were replayed.

    `apply(state, cmd)` applies one journaled command to `state` exactly as the core loop
    did the first time (engine, then risk bookkeeping).
    """
    started = time.perf_counter()
    snapshot = load_latest(store, snapshot_dir, code_version())
    if snapshot is not None:
        differences = _instruments_changed(snapshot.state.engine.instruments,
                                           fresh.engine.instruments)
        if differences:
            # An instrument added, left out or redefined since: the snapshot has no book
            # for the one, a book for the other, and risk scaled for the set it had (a
            # quote currency's places follow its instruments). Replayed from the start,
            # the journal is applied under the configured set, as the core will run on.
            logger.warning("snapshot at {} was taken under other instruments ({}): "
                           "replaying the whole journal", snapshot.seq,
                           "; ".join(differences))
            snapshot = None
    state, after = (snapshot.state, snapshot.seq) if snapshot else (fresh, 0)
    replayed = 0
    for _, cmd in store.journal_after(after):
        apply(state, cmd)
        replayed += 1
    logger.info("recovered: snapshot at {}, {} journal entries replayed in {:.2f}s, "
                "state hash {}", after or "none", replayed, time.perf_counter() - started,
                state.engine.state_hash()[:16])
    return state, replayed


def _instruments_changed(then: dict[str, Instrument], now: dict[str, Instrument]) -> list[str]:
    """What differs between two sets of instruments, one phrase per symbol."""
    differences = []
    for symbol in sorted(then.keys() | now.keys()):
        before, after = then.get(symbol), now.get(symbol)
        if before is None:
            differences.append(f"{symbol} added")
        elif after is None:
            differences.append(f"{symbol} left out")
        elif before != after:
            differences.append(f"{symbol} redefined")
    return differences
