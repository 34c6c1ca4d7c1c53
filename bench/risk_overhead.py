"""Cost of pre-trade risk in the order path: replay a workload through the matching engine
alone, then through the risk gate (throttle + risk checks + matching + exposure update, as
the gateway's core loop runs it: risk/gate.py); print one JSON line.

    python -m bench.risk_overhead WORKLOAD.csv [--runs 3] [--system-memory]

Every limit is configured (so every check runs) but generously, so nothing is denied
(`risk_denied`, counted on an untimed replay through the gate) and both paths must end in
the same engine state (state_hash: a denial would change it). Each
path is timed as one interval around the timed part of the workload (after the untimed
prefill), `--runs` times alternately on fresh engines; the best run of each is reported.
Both replay the commands a FIX client would send, built anew for every run, as
bench.matching does, and keeps freed memory for reuse as it does (unless --system-memory).
It reports; it never fails on a slow run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bench.matching import SYSTEM_MEMORY_HELP, choose_memory, timed_replay
from bench.workload_io import (
    LeavesReplace,
    Workload,
    core_steps,
    read_workload,
    replace_quantities,
)
from gateway import native
from matching.commands import RejectOrder
from matching.engine import MatchingEngine
from matching.model import StpMode
from risk.engine import RiskEngine
from risk.gate import Gate
from risk.limits import AccountLimits, InstrumentLimits, RiskLimits, ThrottleLimits
from risk.throttle import MAX_THROTTLE


def generous_limits(workload: Workload) -> RiskLimits:
    """Every control on, none binding for this workload (whose clock advances 1 ns a line:
    the throttle refills a token per nanosecond)."""
    big = Decimal(10) ** 15
    return RiskLimits(
        defaults=InstrumentLimits(max_order_qty=big, max_order_notional=big,
                                  collar_pct=Decimal(50), max_position=big,
                                  warn_at=Decimal("0.9")),
        account_defaults=AccountLimits(max_open_orders=10**9, max_open_notional=big,
                                       max_position_notional=big),
        accounts={a: AccountLimits() for a in workload.accounts.values()},
        throttle=ThrottleLimits(rate=MAX_THROTTLE, burst=MAX_THROTTLE, logout_after=10**6),
    )


def replay_gated(steps: Sequence[Any], engine: MatchingEngine, gate: Gate) -> int:
    """Run `steps` through the gate, untimed; returns how many risk refused (orders it
    rejected, replaces it refused: not the engine's own rejects)."""
    denied = 0
    for step in steps:
        gate.handle(step.resolve(engine) if step.__class__ is LeavesReplace else step)
        applied = gate.applied
        if applied is None or type(applied) is RejectOrder:
            denied += 1
    return denied


def new_core(workload: Workload) -> tuple[MatchingEngine, RiskEngine]:
    """A fresh matching engine (STP off, as the workload's reference semantics) and a risk
    engine over it with generous limits and the workload's reference prices."""
    engine = MatchingEngine(workload.instruments(), stp_default=StpMode.OFF)
    refs = {s["name"]: int(s["px0_ticks"]) for s in workload.meta["symbols"]}
    return engine, RiskEngine(generous_limits(workload), engine.instruments, refs)


def run(workload: Workload, replace_qtys: Sequence[int], with_risk: bool) -> tuple[int, str]:
    """One replay: elapsed ns and the engine's final state hash."""
    steps = core_steps(workload, replace_qtys=replace_qtys)
    engine, risk = new_core(workload)
    handle = Gate(risk, engine).handle if with_risk else engine.handle
    elapsed = timed_replay(steps, handle, workload.prefill, False).elapsed_ns
    return elapsed, engine.state_hash()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.risk_overhead", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", help="workload file written by ../shared/bench/workload.py")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each path (best counts)")
    ap.add_argument("--system-memory", action="store_true", help=SYSTEM_MEMORY_HELP)
    args = ap.parse_args(argv)
    allocator = choose_memory(args.system_memory)

    workload = read_workload(args.workload)
    # Resolved on the core alone: nothing is denied, so the gated path meets the same fills
    # (risk_denied and same_final_state say so).
    replace_qtys = replace_quantities(workload, new_core(workload)[0])
    engine, risk = new_core(workload)
    denied = replay_gated(core_steps(workload), engine, Gate(risk, engine))
    timed = len(workload.rows) - workload.prefill
    best = {False: 0.0, True: 0.0}
    hashes: dict[bool, set[str]] = {False: set(), True: set()}
    for _ in range(args.runs):
        for with_risk in (False, True):
            elapsed, state = run(workload, replace_qtys, with_risk)
            best[with_risk] = max(best[with_risk], timed / (elapsed / 1e9))
            hashes[with_risk].add(state)
    print(json.dumps({
        "core_build": native.build(),  # whether the core ran compiled (gateway/native.py)
        "commands": timed,
        "runs": args.runs,
        "core_cmds_per_s": round(best[False]),
        "risk_cmds_per_s": round(best[True]),
        "overhead_pct": round((best[False] / best[True] - 1) * 100, 1),
        "risk_denied": denied,
        "same_final_state": len(hashes[False] | hashes[True]) == 1,
        "memory": allocator,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
