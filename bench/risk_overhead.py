"""Cost of pre-trade risk in the order path: replay a workload through the matching engine
alone, then through throttle + risk checks + matching + exposure update; print one JSON line.

    python -m bench.risk_overhead WORKLOAD.csv [--runs 3] [--breakdown]

Every limit is configured (so every check runs) but generously, so nothing is denied and
both paths must end in the same engine state (state_hash). Each path is timed as one interval around
the timed part of the workload (after the untimed prefill), `--runs` times alternately on
fresh engines; the best run of each is reported. It reports; it never fails on a slow run.
With --breakdown it reports instead the ns per command of the core alone, with each risk
stage (throttle, checks, exposure) alone on top, and with all of them.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from bench.workload_io import OWNER, LeavesReplace, Workload, core_steps, read_workload
from gateway import native
from matching.commands import CancelOrder, ReplaceOrder, SubmitOrder
from matching.engine import MatchingEngine
from matching.model import StpMode
from risk.engine import RiskEngine
from risk.limits import AccountLimits, InstrumentLimits, RiskLimits, ThrottleLimits

NS_PER_STEP = 1_000  # the workload's ts_ns is its line number; risk sees 1 µs per line


def generous_limits(workload: Workload) -> RiskLimits:
    """Every control on, none binding for this workload."""
    big = Decimal(10) ** 15
    accounts = {str(a) for a in {r.acct for r in workload.rows}}
    return RiskLimits(
        defaults=InstrumentLimits(max_order_qty=big, max_order_notional=big,
                                  collar_pct=Decimal(50), max_position=big,
                                  warn_at=Decimal("0.9")),
        account_defaults=AccountLimits(max_open_orders=10**9, max_open_notional=big,
                                       max_position_notional=big),
        accounts={a: AccountLimits() for a in accounts},
        throttle=ThrottleLimits(rate=10**8, burst=10**6, logout_after=10**6),
    )


STAGES = ("throttle", "checks", "exposure")


def risk_handle(engine: MatchingEngine, risk: RiskEngine, denied: list[Any],
                stages: Sequence[str] = STAGES) -> Callable[[Any], list]:
    """The order path as the gateway's core loop runs it, for one command; denials are
    collected in `denied` (there should be none). `stages` leaves risk stages out, to
    measure each one's share (--breakdown)."""
    throttle_on, checks_on, exposure_on = (stage in stages for stage in STAGES)
    handle, apply, admit = engine.handle, risk.apply, risk.admit
    check_order, check_replace = risk.check_order, risk.check_replace
    find = engine.order_by_clordid

    def step(cmd: Any) -> list:
        now = cmd.ts_ns * NS_PER_STEP
        cls = cmd.__class__
        if throttle_on:
            admission = admit(OWNER, cls is CancelOrder, now)
            if admission.denial is not None:
                denied.append(admission.denial)
                return []
        if not checks_on:
            decision = None
        elif cls is SubmitOrder:
            decision = check_order(cmd, engine, now)
        elif cls is ReplaceOrder:
            order = find(cmd.owner, cmd.orig_cl_ord_id)
            decision = check_replace(cmd, order, engine, now) if order is not None else None
        else:
            decision = None
        if decision is not None:
            if decision.denial is not None:
                denied.append(decision.denial)
                return []
            cmd = decision.cmd
        events = handle(cmd)
        if exposure_on:
            apply(events)
        return events

    return step


def timed_replay(steps: Sequence[Any], engine: MatchingEngine, handle: Callable[[Any], list],
                 prefill: int) -> int:
    """Elapsed ns of the steps after the prefill (a LeavesReplace is resolved inside)."""
    for step in steps[:prefill]:
        handle(step.resolve(engine) if step.__class__ is LeavesReplace else step)
    gc.collect()
    gc.freeze()
    start = time.perf_counter_ns()
    for step in steps[prefill:]:
        if step.__class__ is LeavesReplace:
            step = step.resolve(engine)
        handle(step)
    elapsed = time.perf_counter_ns() - start
    gc.unfreeze()
    return elapsed


def new_core(workload: Workload) -> tuple[MatchingEngine, RiskEngine]:
    """A fresh matching engine (STP off, as the workload's reference semantics) and a risk
    engine over it with generous limits and the workload's reference prices."""
    engine = MatchingEngine(workload.instruments(), stp_default=StpMode.OFF)
    refs = {s["name"]: int(s["px0_ticks"]) for s in workload.meta["symbols"]}
    return engine, RiskEngine(generous_limits(workload), engine.instruments, refs)


def run(workload: Workload, steps: Sequence[Any], with_risk: bool,
        stages: Sequence[str] = STAGES) -> tuple[int, str, int]:
    """One replay: elapsed ns, the engine's final state hash, and how many risk denials."""
    engine, risk = new_core(workload)
    handle: Callable[[Any], list] = engine.handle
    denied: list[Any] = []
    if with_risk:
        handle = risk_handle(engine, risk, denied, stages)
    elapsed = timed_replay(steps, engine, handle, workload.prefill)
    return elapsed, engine.state_hash(), len(denied)


def breakdown(workload: Workload, steps: Sequence[Any], runs: int) -> dict[str, Any]:
    """ns per timed command of the core alone, the core with each risk stage alone, and
    the core with all of them (best of `runs` each)."""
    timed = len(steps) - workload.prefill
    setups: dict[str, tuple[bool, Sequence[str]]] = {"core": (False, ())}
    setups.update({f"core+{stage}": (True, (stage,)) for stage in STAGES})
    setups["core+all"] = (True, STAGES)
    best = {name: min(run(workload, steps, with_risk, stages)[0] for _ in range(runs))
            for name, (with_risk, stages) in setups.items()}
    return {"core_build": native.build(), "commands": timed, "runs": runs,
            "ns_per_cmd": {name: round(ns / timed) for name, ns in best.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.risk_overhead", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", help="workload file written by ../shared/bench/workload.py")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each path (best counts)")
    ap.add_argument("--breakdown", action="store_true",
                    help="instead, the cost of each risk stage alone on top of the core")
    args = ap.parse_args(argv)

    workload = read_workload(args.workload)
    steps = core_steps(workload)
    timed = len(steps) - workload.prefill
    if args.breakdown:
        print(json.dumps(breakdown(workload, steps, args.runs)))
        return 0
    best = {False: 0.0, True: 0.0}
    hashes: dict[bool, set[str]] = {False: set(), True: set()}
    denied = 0
    for _ in range(args.runs):
        for with_risk in (False, True):
            elapsed, state, n_denied = run(workload, steps, with_risk)
            best[with_risk] = max(best[with_risk], timed / (elapsed / 1e9))
            hashes[with_risk].add(state)
            denied += n_denied
    print(json.dumps({
        "core_build": native.build(),  # whether the core ran compiled (gateway/native.py)
        "commands": timed,
        "runs": args.runs,
        "core_cmds_per_s": round(best[False]),
        "risk_cmds_per_s": round(best[True]),
        "overhead_pct": round((best[False] / best[True] - 1) * 100, 1),
        "risk_denials": denied,
        "same_final_state": len(hashes[False] | hashes[True]) == 1,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
