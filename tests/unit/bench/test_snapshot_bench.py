"""bench.snapshot runs end to end on a committed workload and reports what it promises: the
snapshot written both ways, the tail replayed with and without a child writing, and the copy
loaded back in the same state. Nothing here looks at how fast anything was."""

from __future__ import annotations

import json
from pathlib import Path

from bench import snapshot

WORKLOAD = Path(__file__).resolve().parents[2] / "data" / "workloads" / "default_s7.csv"


def test_reports_the_pause_of_both_ways_and_the_tail_with_and_without_a_child(capsys) -> None:
    assert snapshot.main([str(WORKLOAD), "--tail", "500"]) == 0

    out = json.loads(capsys.readouterr().out)
    assert out["tail_commands"] == 500 and out["same_state"]
    assert out["snapshot_bytes"] > 0 and out["orders"] > 0
    for key in ("inline_s", "fork_pause_ms", "background_s"):
        assert out[key] >= 0
    for suffix in ("", "_alone"):
        assert out[f"tail_p50_us{suffix}"] <= out[f"tail_p99_us{suffix}"] <= \
            out[f"tail_max_us{suffix}"]
