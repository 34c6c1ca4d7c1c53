"""What the end of a trading day costs the core, and what it saves: replay a workload as
one day, end it, and print one JSON line.

    python -m bench.new_day WORKLOAD.csv

The whole workload is replayed (untimed) on a matching engine; then EndOfDay (DAY orders
expire) and NewDay (the orders that are over are let go, their ClOrdIDs kept by order id
for a day, to recognise a resend) are each timed once, as the core thread runs them. The
pickled size of the engine before and after is what a snapshot holds. It reports; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time

from bench.workload_io import read_workload, replay_core
from matching.commands import EndOfDay, NewDay
from matching.engine import MatchingEngine
from matching.model import StpMode


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.new_day", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload", help="workload file written by ../shared/bench/workload.py")
    args = ap.parse_args(argv)

    workload = read_workload(args.workload)
    engine = MatchingEngine(workload.instruments(), stp_default=StpMode.OFF)
    replay_core(workload, engine)
    orders = engine.next_order_id() - 1
    before = len(pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL))
    end = 2**62  # after every time of the workload

    started = time.perf_counter()
    expired = len(engine.handle(EndOfDay(end)))
    end_of_day_s = time.perf_counter() - started
    started = time.perf_counter()
    engine.handle(NewDay(end))
    new_day_s = time.perf_counter() - started

    print(json.dumps({
        "orders": orders,
        "expired": expired,
        "carried": sum(1 for _ in engine.live_orders()),
        "end_of_day_s": round(end_of_day_s, 3),
        "new_day_s": round(new_day_s, 3),
        "pickled_bytes_before": before,
        "pickled_bytes_after": len(pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
