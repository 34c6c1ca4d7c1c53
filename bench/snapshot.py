"""What a snapshot of the core costs the core thread: replay a workload through risk and
matching, snapshot the state, and print one JSON line.

    python -m bench.snapshot WORKLOAD.csv [--tail 100000]

All but the last `--tail` commands are replayed untimed through the risk gate (as the
gateway's core loop runs them). Then:
- in line: the state is written by the calling thread (`SnapshotWriter.write_now`), which is
  held for `inline_s`, as the core thread was before snapshots moved to a child process;
- in the background: `start()` forks a child that writes it; the caller is held for
  `fork_pause_ms`, and the child is done within `background_s`. While it writes, the last
  `--tail` commands are replayed with each one timed (`tail_*_us`, with the child), and
  the same commands again on a copy of the state loaded back from the snapshot, with no
  child (`tail_*_us_alone`): what copy-on-write costs the core while a snapshot is taken.
It reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.matching import percentile_us
from bench.risk_overhead import new_core, replay_gated
from bench.workload_io import LeavesReplace, core_steps, read_workload
from gateway.recovery import CoreState
from gateway.snapshots import SnapshotWriter, load_latest
from gateway.store import Store
from risk.gate import Gate


def timed_tail(steps: list, gate: Gate) -> list[int]:
    """Per-command nanoseconds of `steps` through `gate`."""
    now = time.perf_counter_ns
    out = []
    for step in steps:
        cmd = step.resolve(gate.engine) if step.__class__ is LeavesReplace else step
        t0 = now()
        gate.handle(cmd)
        out.append(now() - t0)
    return out


def latency(ns: list[int], suffix: str) -> dict[str, float]:
    ns = sorted(ns)
    return {f"tail_p50_us{suffix}": percentile_us(ns, 0.5),
            f"tail_p99_us{suffix}": percentile_us(ns, 0.99),
            f"tail_max_us{suffix}": round(ns[-1] / 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.snapshot", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", help="workload file written by ../shared/bench/workload.py")
    ap.add_argument("--tail", type=int, default=100_000,
                    help="commands replayed, timed, while the snapshot is written")
    args = ap.parse_args(argv)

    workload = read_workload(args.workload)
    steps = core_steps(workload)
    head, tail = steps[:-args.tail], steps[-args.tail:]
    engine, risk = new_core(workload)
    replay_gated(head, engine, Gate(risk, engine))
    state = CoreState(engine, risk)
    gc.collect()

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        directory = Path(tmp) / "snapshots"

        started = time.perf_counter()
        SnapshotWriter(store, directory, "bench", background=False).write_now(
            state, 1, 0)
        inline_s = time.perf_counter() - started
        size = store.snapshot_records()[0].size
        copy = load_latest(store, directory, "bench")
        assert copy is not None

        writer = SnapshotWriter(store, directory, "bench")
        started = time.perf_counter()
        writer.start(state, 2, 0)
        pause_ms = (time.perf_counter() - started) * 1000
        with_child = timed_tail(tail, Gate(risk, engine))
        child_running_after_tail = writer.busy
        writer.finish()
        background_s = time.perf_counter() - started

        alone = timed_tail(tail, Gate(copy.state.risk, copy.state.engine))
        same = copy.state.engine.state_hash() == engine.state_hash()
        store.close()

    print(json.dumps({
        "commands_before": len(head),
        "orders": engine.next_order_id() - 1,
        "snapshot_bytes": size,
        "inline_s": round(inline_s, 3),
        "fork_pause_ms": round(pause_ms, 2),
        "background_s": round(background_s, 3),
        "tail_commands": len(tail),
        **latency(with_child, ""),
        **latency(alone, "_alone"),
        "child_outlived_tail": child_running_after_tail,
        "same_state": same,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
