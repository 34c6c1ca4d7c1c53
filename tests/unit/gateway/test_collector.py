"""The cyclic collector's share (gateway/collector.py): start-up frozen after one collection
(garbage it left is freed, not frozen), and the pauses counter counts full collections only.

Freezing is for a whole process, for good: that test runs in a fresh interpreter."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from gateway.collector import Pauses

ROOT = Path(__file__).resolve().parents[3]

_FREEZE = """
import gc, json, weakref
from gateway.collector import freeze_start_up

class Node:
    pass

garbage = Node()
garbage.me = garbage  # a cycle: only the collector frees it
gone = weakref.ref(garbage)
del garbage
kept = Node()
kept.me = kept
frozen = freeze_start_up()
print(json.dumps({"frozen": frozen, "count": gc.get_freeze_count(),
                  "tracked": len(gc.get_objects()), "garbage_freed": gone() is None,
                  "kept_frozen": not any(o is kept for o in gc.get_objects())}))
"""


def test_start_up_is_frozen_after_its_garbage_is_collected() -> None:
    done = subprocess.run([sys.executable, "-c", _FREEZE], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)

    assert out["frozen"] == out["count"] > 1000  # the interpreter's own modules, at least
    assert out["tracked"] < 100  # only what the probe made since
    assert out["garbage_freed"]
    assert out["kept_frozen"]


def test_pauses_count_full_collections_only() -> None:
    with Pauses() as pauses:
        gc.collect(0)
        gc.collect(1)
        gc.collect()
        gc.collect()

    report = pauses.report()
    assert report["gc_full"] == 2
    assert 0 <= report["gc_full_max_ms"] <= report["gc_full_total_ms"]
    assert pauses._seen not in gc.callbacks  # removed on leaving


def test_no_collection_reports_zeros() -> None:
    assert Pauses().report() == {"gc_full": 0, "gc_full_max_ms": 0.0, "gc_full_total_ms": 0.0}
