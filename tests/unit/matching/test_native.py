"""The compiled core: it is what runs, it is built from the source in the tree, and it
behaves exactly as that Python source does when run uncompiled.

The last test copies the Python source (no compiled builds) into a temporary directory and
runs the same seeded command streams, and a committed workload through risk and matching,
in a fresh interpreter; then compares every event, state hash and exposure with the
compiled core's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from bench.risk_overhead import new_core, replay_gated
from bench.workload_io import core_steps, read_workload, replay_core
from gateway import native
from matching.engine import MatchingEngine
from matching.model import StpMode
from risk.gate import Gate
from tests.unit.matching.test_book_random import _run

ROOT = Path(__file__).resolve().parents[3]
WORKLOAD = ROOT / "tests" / "data" / "workloads" / "onesym_replacecross_s17.csv"
SEEDS = (3, 11)

# Run in the fresh interpreter, on the copied source: the same digests, as one JSON line.
_PROBE = """
import json
from gateway import memory, native
from tests.unit.matching.test_native import _digests
print(json.dumps({"compiled": native.running_compiled(), "memory": memory.keep(),
                  **_digests()}))
"""


def _digests() -> dict:
    """What the core makes of seeded random command streams (every event, state hash) and of
    a committed workload through risk and matching (fills, state hash, every exposure)."""
    def digest(seed: int) -> list[str]:
        _, events, engine, _ = _run(seed)
        return [hashlib.sha256(repr(events).encode()).hexdigest(), engine.state_hash()]

    workload = read_workload(WORKLOAD)
    engine = MatchingEngine(workload.instruments(), stp_default=StpMode.OFF)
    run = replay_core(workload, engine)

    engine, risk = new_core(workload)
    denied = replay_gated(core_steps(workload), engine, Gate(risk, engine))
    legs = [risk.leg(str(a), s) for a in sorted({r.acct for r in workload.rows})
            for s in sorted(engine.instruments)]
    exposure = [[leg.position, leg.open_buy, leg.open_sell, leg.credit.open_notional,
                 leg.account.open_orders] for leg in legs]
    return {"seeds": {str(seed): digest(seed) for seed in SEEDS},
            "workload": [repr(run.fills_by_row), engine.state_hash()],
            "with_risk": [engine.state_hash(), denied, exposure]}


def test_every_module_with_declarations_runs_compiled() -> None:
    running = native.running_compiled()

    assert set(running) == {
        "gateway.memory", "matching.book", "matching.clordids", "matching.commands",
        "matching.engine", "matching.events", "matching.model", "matching.names",
        "risk.checks", "risk.engine", "risk.exposure", "risk.gate", "risk.open_orders",
        "risk.quiet", "risk.reduce_only", "risk.reference", "risk.throttle"}
    assert all(running.values()), (
        f"running as pure Python: {running}; build with `python3 -m pip install -e .`")
    assert native.build() == "compiled"


def test_no_compiled_build_is_older_than_its_source() -> None:
    assert native.stale_builds() == []


@pytest.mark.timeout(300)
def test_python_source_behaves_exactly_as_the_compiled_build(tmp_path: Path) -> None:
    # Arrange: the source alone, and an interpreter that sees it before the installed project
    # (-S: no .pth files, so the editable install's finder is not there to redirect imports)
    source_only = shutil.ignore_patterns("*.so", "*.c", "__pycache__")
    for package in ("matching", "risk", "gateway", "bench", "tests"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=source_only)
    env = {"PYTHONPATH": f"{tmp_path}:{':'.join(site.getsitepackages())}",
           "PYTHONHASHSEED": "0"}

    # Act
    done = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False)

    # Assert
    assert done.returncode == 0, done.stderr
    pure = json.loads(done.stdout)
    assert not any(pure.pop("compiled").values()), "the probe imported a compiled build"
    assert pure.pop("memory") is False  # the allocators are C: as Python, nothing is kept
    assert pure == _digests()
