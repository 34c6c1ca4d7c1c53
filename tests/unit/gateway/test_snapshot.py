"""A snapshot of the core (the compiled matching and risk engines, pickled) restores to the
same state and keeps working: the store loads it back instead of falling back to a replay."""

from __future__ import annotations

from pathlib import Path

from bench.risk_overhead import new_core, replay_gated
from bench.workload_io import LeavesReplace, core_steps, read_workload
from gateway.core_loop import apply
from gateway.recovery import CoreState, code_version, take_snapshot
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

    # Act
    take_snapshot(store, CoreState(engine, risk), 1, 0)
    snapshot = store.latest_snapshot(code_version())

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
