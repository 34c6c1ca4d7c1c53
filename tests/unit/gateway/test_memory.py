"""Freed memory kept for reuse (gateway/memory.py): freed arenas are handed out again
instead of mapped anew, arenas CPython mapped before `keep()` are kept too, a large block
freed and allocated again faults no page again, and the core computes exactly what it
computes without any of it.

`keep()` changes allocators for a whole process, for good: each test runs it in a fresh
interpreter, never in the one running the tests.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import memory
from tests.unit.matching.test_native import _digests

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.timeout(120)


def _run(probe: str, *argv: str) -> dict:
    """The JSON line `probe` prints, run with `argv` by a fresh interpreter in the
    repository."""
    done = subprocess.run([sys.executable, "-c", probe, *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_REUSE = """
import json
from gateway import memory
kept = [memory.keep(), memory.keep()]
objects = [str(i) * 3 for i in range(1_000_000)]
mapped = memory.arena_counts()
del objects
freed = memory.arena_counts()
again = [str(i) * 3 for i in range(1_000_000)]
print(json.dumps({"kept": kept, "mapped": mapped.reserves, "freed": freed.free,
                  "reused": memory.arena_counts().reused,
                  "after": memory.arena_counts().reserves,
                  "intact": again == [str(i) * 3 for i in range(1_000_000)]}))
"""


def test_freed_arenas_are_handed_out_again_not_mapped_anew() -> None:
    out = _run(_REUSE)

    assert out["kept"] == [True, True]  # the second call does nothing
    assert out["mapped"] >= 1
    assert out["freed"] >= 40  # a million strings of 18-38 bytes span over 40 MiB of arenas
    assert out["reused"] >= out["freed"]
    assert out["after"] == out["mapped"]  # the same objects again fit in what was kept
    assert out["intact"]


_BEFORE_KEEP = """
import json
from gateway import memory
objects = [str(i) * 3 for i in range(300_000)]  # in arenas CPython's allocator mapped
memory.keep()
del objects
counts = memory.arena_counts()
print(json.dumps({"free": counts.free, "reserves": counts.reserves}))
"""


def test_arenas_mapped_before_keep_are_kept_when_freed() -> None:
    out = _run(_BEFORE_KEEP)

    assert out["free"] >= 10
    assert out["reserves"] == 0


# Minor page faults while a 64 MiB block is allocated and filled, freed, and allocated and
# filled again: the second round is what keeping saves.
_BLOCK = """
import json, resource, sys
from gateway import memory
kept = memory.keep() if sys.argv[1] == "keep" else False
def faults_of_a_block():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = bytearray(64 << 20)
    block[::4096] = b"x" * (16 << 10)
    del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"kept": kept, "malloc": memory.malloc_kept(),
                  "rounds": [faults_of_a_block(), faults_of_a_block()]}))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc's settings are glibc's")
def test_a_large_block_freed_and_allocated_again_faults_no_page_again() -> None:
    kept, system = _run(_BLOCK, "keep"), _run(_BLOCK, "system")

    assert kept["kept"] and kept["malloc"]
    assert system["rounds"][1] > 10_000  # 16,384 pages of 4 KiB, mapped anew and faulted
    assert kept["rounds"][1] < 1_000


# Resident memory (MiB) taken by keep() itself, and then by a million small strings (about
# 48 MiB of arenas) and the 8 MiB list that holds them.
_PRETOUCH = """
import json, sys
from gateway import memory
def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 >> 20
start = resident_mib()
memory.keep(pretouch_mib=int(sys.argv[1]))
kept = resident_mib()
objects = [str(i) * 3 for i in range(1_000_000)]
counts = memory.arena_counts()
print(json.dumps({"by_keep": kept - start, "by_objects": resident_mib() - kept,
                  "reserves": counts.reserves, "touched_mib": counts.touched_mib}))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc/self/statm")
def test_pretouched_arenas_are_resident_before_the_objects_that_use_them() -> None:
    touched, untouched = _run(_PRETOUCH, "128"), _run(_PRETOUCH, "0")

    assert touched["touched_mib"] == 128 and untouched["touched_mib"] == 0
    assert touched["by_keep"] >= 120  # every page written: resident
    assert touched["reserves"] == 1  # the objects' arenas came from the touched reserve
    assert touched["by_objects"] < 24  # the list, not the strings' arenas
    assert untouched["by_keep"] < 8
    assert untouched["by_objects"] >= 48


def test_a_pretouch_out_of_range_is_refused_and_changes_nothing() -> None:
    with pytest.raises(ValueError, match="negative"):
        memory.keep(pretouch_mib=-1)
    # Beyond any machine; in bytes, rounded up, it would wrap a size_t.
    with pytest.raises(MemoryError, match="cannot map"):
        memory.keep(pretouch_mib=(1 << 44) - 1)


_CORE = """
import json
from gateway import memory
from tests.unit.matching.test_native import _digests
print(json.dumps({"kept": memory.keep(), **_digests()}))
"""


def test_the_core_computes_the_same_with_memory_kept() -> None:
    out = _run(_CORE)

    assert out.pop("kept") is True
    assert out == _digests()
