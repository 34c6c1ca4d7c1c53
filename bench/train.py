"""The training run of the profile-guided build (setup.py): workloads replayed through the
matching core alone and through the risk gate, as the benchmarks and the gateway's core
loop run them, so that the compiler sees which of the compiled core's paths are hot.

    python -m bench.train DIRECTORY

Replays every workload file (`*.csv`, the format of ../shared/bench/README.md) in DIRECTORY
a few times; setup.py gives it the committed test workloads. It prints which modules ran
compiled (setup.py checks that each wrote its profile) and one line per file; it checks
nothing of what the core does (the tests do).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.risk_overhead import new_core, replay_gated
from bench.workload_io import core_steps, read_workload, replace_quantities, replay_core
from gateway import memory, native
from matching.engine import MatchingEngine
from matching.model import StpMode
from risk.gate import Gate

ROUNDS = 3  # replays of each file: enough for the counts to rank the paths, a few seconds


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    paths = sorted(Path(args[0]).glob("*.csv"))
    memory.keep()  # as the gateway and the benchmarks run
    compiled = [name for name, on in native.running_compiled().items() if on]
    print(f"training on {len(paths)} workloads; compiled: {', '.join(compiled) or 'none'}")
    for path in paths:
        workload = read_workload(path)
        replace_qtys = replace_quantities(workload, new_core(workload)[0])
        for _ in range(ROUNDS):
            replay_core(workload, MatchingEngine(workload.instruments(),
                                                 stp_default=StpMode.OFF))
            engine, risk = new_core(workload)
            replay_gated(core_steps(workload, replace_qtys=replace_qtys), engine,
                         Gate(risk, engine))
        print(f"  {path.name}: {len(workload.rows)} commands x {ROUNDS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
