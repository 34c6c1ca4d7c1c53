"""Matching throughput/latency benchmark: replay a workload file, print one JSON line.

    python -m bench.matching WORKLOAD.csv [--no-latency] [--engine core|plain]
    python -m bench.matching WORKLOAD.csv --no-latency --compare [--runs 5]
    (either with --system-memory or --pretouch-mib N: see below)

Timed run: commands are built and the prefill replayed untimed; then `gc.collect();
gc.freeze()` and the rest is timed, per command (perf_counter_ns around each `handle`)
or, with --no-latency, as one interval around the whole loop. The core's commands are
what a FIX client would send: a workload `R` names the new leaves, and the client turns it
into the new total quantity from the fills it has been sent; that is resolved once, by an
untimed replay (bench.workload_io.replace_quantities). Each timed run gets commands built
anew: every ClOrdID and OrigClOrdID a string of its own with no hash cached, as decoded
from FIX, and account and symbol the configured strings the decoder hands over. Outputs
are dropped as a live system drops them once sent: keeping a million event lists alive
made Python's full collections scan them and more than halved the core's measured rate.

Check run: a second, untimed replay on a fresh engine reduces each command's events to
fills as they come and folds the README checksum (trades, qty, notional, seqhash, prefill
included), compared with `metadata.expected`; `same_state` says both runs ended in the
same engine state. The script reports; it asserts nothing and never fails on a slow run.

--compare times the core and the plain design alternately, `--runs` times each on fresh
engines, in one process: the line is the core's report of its median run, with the plain
design's median `plain_cmds_per_s` and the ratio of the two, `vs_plain`. On a machine
whose speed drifts from minute to minute, that ratio is steadier than two separate runs.

The process keeps the memory it frees for reuse, as the gateway does (gateway/memory.py),
for whichever engines it runs; --system-memory leaves CPython's and malloc's defaults in
place, to measure what that changes. `memory` in the line says which ran. --pretouch-mib N
touches the first N MiB of small-object arenas before anything else, as the gateway's
memory.pretouch_mib does (`memory` then says "kept, N MiB pretouched").
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
    Workload,
    core_steps,
    read_workload,
    replace_quantities,
    replay_core,
    replay_plain,
)
from gateway import memory, native


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


def timed_replay(steps: Sequence[Any], handle: Callable[[Any], object], prefill: int,
                 latency: bool) -> Timing:
    """Run `steps` through `handle`, timing those after the prefill."""
    for step in steps[:prefill]:
        handle(step)
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
            t0 = now()
            handle(step)
            t1 = now()
            record(t1 - t0)
        elapsed = now() - start
    else:
        start = now()
        for step in timed:
            handle(step)
        elapsed = now() - start
    gc.unfreeze()
    return Timing(len(timed), elapsed, latencies)


class Core:
    """The core engine on a workload: fresh engines, timed replays, one check run."""

    name = "core"

    def __init__(self, workload: Workload) -> None:
        from matching.engine import (
            MatchingEngine,  # the core, imported only when asked for
        )
        from matching.model import StpMode

        self.workload = workload
        self.new_engine = lambda: MatchingEngine(workload.instruments(),
                                                 stp_default=StpMode.OFF)
        self.replace_qtys = replace_quantities(workload, self.new_engine())

    def timed(self, latency: bool) -> tuple[Timing, object]:
        """One timed replay: its timing and the engine's final state."""
        commands = core_steps(self.workload, replace_qtys=self.replace_qtys)
        engine = self.new_engine()
        timing = timed_replay(commands, engine.handle, self.workload.prefill, latency)
        return timing, engine.state_hash()

    def check(self) -> tuple[list[Fill], object]:
        """The fills of an untimed replay, and its final state."""
        engine = self.new_engine()
        run = replay_core(self.workload, engine)
        return [fill for row in run.fills_by_row for fill in row], engine.state_hash()


class Plain:
    """The plain design, the same way."""

    name = "plain"

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.n_symbols = len(workload.meta["symbols"])

    def timed(self, latency: bool) -> tuple[Timing, object]:
        engine = PlainEngine(self.n_symbols)
        timing = timed_replay(self.workload.rows, engine.handle, self.workload.prefill,
                              latency)
        return timing, engine.snapshot()

    def check(self) -> tuple[list[Fill], object]:
        engine = PlainEngine(self.n_symbols)
        fills = [fill for row in replay_plain(self.workload, engine) for fill in row]
        return fills, engine.snapshot()


ENGINES = {"core": Core, "plain": Plain}
SYSTEM_MEMORY_HELP = ("leave CPython's and malloc's defaults in place (default: keep freed "
                      "memory for reuse, as the gateway does)")


PRETOUCH_HELP = ("MiB of small-object arenas touched before the workload is read, as the "
                 "gateway's memory.pretouch_mib (default 0)")


def choose_memory(system: bool, pretouch_mib: int = 0) -> str:
    """Keep freed memory for reuse unless told not to, `pretouch_mib` of it touched now;
    the words the report says."""
    if system or not memory.keep(pretouch_mib):
        return "system"
    touched = memory.arena_counts().touched_mib  # by the first call in this process
    return f"kept, {touched} MiB pretouched" if touched else "kept"


def measure(engines: Sequence[Core | Plain], latency: bool, runs: int) -> list[Outcome]:
    """`runs` timed replays of each engine, taken in turn; per engine the median run, the
    check run's fills, and whether every run ended in the check run's state."""
    runs_of: list[list[tuple[Timing, object]]] = [[] for _ in engines]
    for _ in range(runs):
        for engine, done in zip(engines, runs_of):
            done.append(engine.timed(latency))
    outcomes = []
    for engine, done in zip(engines, runs_of):
        fills, state = engine.check()
        median = sorted((t for t, _ in done), key=lambda t: t.elapsed_ns)[len(done) // 2]
        outcomes.append(Outcome(median, fills, all(s == state for _, s in done)))
    return outcomes


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
    ap.add_argument("--compare", action="store_true",
                    help="time the core and the plain design in turn (needs --no-latency)")
    ap.add_argument("--runs", type=int, default=None,
                    help="timed runs of each engine, the median reported (default 1, or 3 "
                         "with --compare)")
    ap.add_argument("--system-memory", action="store_true", help=SYSTEM_MEMORY_HELP)
    ap.add_argument("--pretouch-mib", type=int, default=0, metavar="N", help=PRETOUCH_HELP)
    args = ap.parse_args(argv)
    if args.compare and not args.no_latency:
        ap.error("--compare measures throughput only: add --no-latency")
    if args.pretouch_mib and args.system_memory:
        ap.error("--pretouch-mib touches kept memory: it does not go with --system-memory")
    if args.pretouch_mib < 0:
        ap.error("--pretouch-mib must be 0 or more")
    runs = args.runs or (3 if args.compare else 1)
    try:
        allocator = choose_memory(args.system_memory, args.pretouch_mib)
    except MemoryError as error:
        ap.error(f"--pretouch-mib {args.pretouch_mib}: {error}")

    workload = read_workload(args.workload)
    if not args.compare:
        engine = ENGINES[args.engine](workload)
        [outcome] = measure([engine], not args.no_latency, runs)
        print(json.dumps({**report(args.engine, workload, outcome), "memory": allocator}))
        return 0
    core, plain = measure([Core(workload), Plain(workload)], False, runs)
    out = report("core", workload, core)
    plain_out = report("plain", workload, plain)
    out.update(runs=runs, plain_cmds_per_s=plain_out["cmds_per_s"],
               vs_plain=round(out["cmds_per_s"] / plain_out["cmds_per_s"], 3),
               plain_matches_expected=plain_out["matches_expected"],
               same_state=core.same_state and plain.same_state, memory=allocator)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
