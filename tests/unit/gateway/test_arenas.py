"""The arena allocator (gateway/arenas.py): freed arenas are handed out again instead of
mapped anew, arenas CPython mapped before the install are kept too, and the core computes
exactly what it computes without it.

It replaces an allocator for a whole process, for good: each test installs it in a fresh
interpreter, never in the one running the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.matching.test_native import _digests

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.timeout(120)


def _run(probe: str) -> dict:
    """The JSON line `probe` prints, run by a fresh interpreter in the repository."""
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_REUSE = """
import json
from gateway import arenas
installed = [arenas.install(), arenas.install()]
objects = [str(i) * 3 for i in range(1_000_000)]
mapped = arenas.counts()
del objects
freed = arenas.counts()
again = [str(i) * 3 for i in range(1_000_000)]
print(json.dumps({"installed": installed, "mapped": mapped.reserves, "freed": freed.free,
                  "reused": arenas.counts().reused, "after": arenas.counts().reserves,
                  "intact": again == [str(i) * 3 for i in range(1_000_000)]}))
"""


def test_freed_arenas_are_handed_out_again_not_mapped_anew() -> None:
    out = _run(_REUSE)

    assert out["installed"] == [True, True]  # the second install does nothing
    assert out["mapped"] >= 1
    assert out["freed"] >= 40  # a million strings of 18-38 bytes span over 40 MiB of arenas
    assert out["reused"] >= out["freed"]
    assert out["after"] == out["mapped"]  # the same objects again fit in what was kept
    assert out["intact"]


_BEFORE_INSTALL = """
import json
from gateway import arenas
objects = [str(i) * 3 for i in range(300_000)]  # in arenas CPython's allocator mapped
arenas.install()
del objects
print(json.dumps({"free": arenas.counts().free, "reserves": arenas.counts().reserves}))
"""


def test_arenas_mapped_before_the_install_are_kept_when_freed() -> None:
    out = _run(_BEFORE_INSTALL)

    assert out["free"] >= 10
    assert out["reserves"] == 0


_CORE = """
import json
from gateway import arenas
from tests.unit.matching.test_native import _digests
print(json.dumps({"installed": arenas.install(), **_digests()}))
"""


def test_the_core_computes_the_same_with_arenas_kept() -> None:
    out = _run(_CORE)

    assert out.pop("installed") is True
    assert out == _digests()
