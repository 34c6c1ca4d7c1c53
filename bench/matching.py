"""Matching throughput/latency benchmark: replay a workload file, print one JSON line.

    python -m bench.matching WORKLOAD.csv [--no-latency] [--engine core|plain]

Timed run: commands are built and the prefill replayed untimed; then `gc.collect();
gc.freeze()` and the rest is timed, per command (perf_counter_ns around each `handle`)
or, with --no-latency, as one interval around the whole loop. Outputs are dropped as a
live system drops them once sent: keeping a million event lists alive made Python's full
collections scan them and more than halved the core's measured rate.

Check run: a second, untimed replay on a fresh engine reduces each command's events to
fills as they come and folds the README checksum (trades, qty, notional, seqhash, prefill
included), compared with `metadata.expected`; `same_state` says both runs ended in the
same engine state. The script reports; it asserts nothing and never fails on a slow run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.plain import PlainEngine
from bench.workload_io import (
    Checksum,
    Fill,
    LeavesReplace,
    OrderLookup,
    Workload,
    core_steps,
    read_workload,
    replay_core,
    replay_plain,
)
from gateway import native


@dataclass(slots=True)
class Timing:
    commands: int
    elapsed_ns: int
    latencies_ns: list[int] | None  # per timed command, when measured


@dataclass(slots=True)
class Outcome:
    timing: Timing
    fills: list[Fill]  # from the check run, in execution order
    same_state: bool  # the timed and the check run ended in the same engine state


def timed_replay(steps: Sequence[Any], handle: Callable[[Any], object],
                 engine: OrderLookup | None, prefill: int, latency: bool) -> Timing:
    """Run `steps` through `handle`, timing those after the prefill. A LeavesReplace step
    is resolved against `engine` first: outside the per-command interval, inside the
    --no-latency one."""
    for step in steps[:prefill]:
        handle(step.resolve(engine) if step.__class__ is LeavesReplace else step)
    timed = steps[prefill:]
    gc.collect()
    gc.freeze()
    now = time.perf_counter_ns
    latencies: list[int] | None = None
    if latency:
        latencies = []
        record = latencies.append
        start = now()
        for step in timed:
            if step.__class__ is LeavesReplace:
                step = step.resolve(engine)
            t0 = now()
            handle(step)
            t1 = now()
            record(t1 - t0)
        elapsed = now() - start
    else:
        start = now()
        for step in timed:
            if step.__class__ is LeavesReplace:
                step = step.resolve(engine)
            handle(step)
        elapsed = now() - start
    gc.unfreeze()
    return Timing(len(timed), elapsed, latencies)


def run_core(workload: Workload, latency: bool) -> Outcome:
    from matching.engine import MatchingEngine  # the core, imported only when asked for
    from matching.model import StpMode

    def new_engine() -> MatchingEngine:
        return MatchingEngine(workload.instruments(), stp_default=StpMode.OFF)

    engine = new_engine()
    timing = timed_replay(core_steps(workload), engine.handle, engine, workload.prefill, latency)
    check_engine = new_engine()
    check = replay_core(workload, check_engine)
    fills = [fill for row_fills in check.fills_by_row for fill in row_fills]
    return Outcome(timing, fills, engine.state_hash() == check_engine.state_hash())


def run_plain(workload: Workload, latency: bool) -> Outcome:
    n_symbols = len(workload.meta["symbols"])
    engine = PlainEngine(n_symbols)
    timing = timed_replay(workload.rows, engine.handle, None, workload.prefill, latency)
    check_engine = PlainEngine(n_symbols)
    fills = [fill for row_fills in replay_plain(workload, check_engine) for fill in row_fills]
    return Outcome(timing, fills, engine.snapshot() == check_engine.snapshot())


ENGINES = {"core": run_core, "plain": run_plain}


def percentile_us(sorted_ns: Sequence[int], p: float) -> float:
    """Nearest-rank percentile, in microseconds."""
    rank = max(1, math.ceil(p * len(sorted_ns)))
    return round(sorted_ns[rank - 1] / 1000, 3)


def report(engine: str, workload: Workload, outcome: Outcome) -> dict[str, Any]:
    timing = outcome.timing
    check = Checksum.of(outcome.fills)
    out: dict[str, Any] = {
        "engine": engine,
        "core_build": native.build(),  # whether the core ran compiled (gateway/native.py)
        "commands": timing.commands,
        "cmds_per_s": round(timing.commands / (timing.elapsed_ns / 1e9)),
        "p50_us": None, "p99_us": None, "p999_us": None, "max_us": None,
        "trades": check.trades,
        "qty": check.qty,
        "notional": check.notional,
        "seqhash": check.seqhash,
        "matches_expected": check.matches(workload.expected),
        "same_state": outcome.same_state,
    }
    if timing.latencies_ns:
        lat = sorted(timing.latencies_ns)
        out.update(p50_us=percentile_us(lat, 0.50), p99_us=percentile_us(lat, 0.99),
                   p999_us=percentile_us(lat, 0.999), max_us=round(lat[-1] / 1000, 3))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", help="workload file written by ../shared/bench/workload.py")
    ap.add_argument("--no-latency", action="store_true",
                    help="time the whole loop once instead of every command")
    ap.add_argument("--engine", choices=sorted(ENGINES), default="core")
    args = ap.parse_args(argv)

    workload = read_workload(args.workload)
    outcome = ENGINES[args.engine](workload, not args.no_latency)
    print(json.dumps(report(args.engine, workload, outcome)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
