"""bench.snapshot and bench.new_day run end to end on a committed workload and report what
they promise: the snapshot written both ways, the tail replayed with and without a child
writing, the copy loaded back in the same state; the end of a day timed and what it lets
go. Nothing here looks at how fast anything was."""

from __future__ import annotations

import json
from pathlib import Path

from bench import new_day, snapshot

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


def test_new_day_reports_its_cost_and_what_it_lets_go(capsys) -> None:
    assert new_day.main([str(WORKLOAD)]) == 0

    out = json.loads(capsys.readouterr().out)
    assert out["orders"] > out["carried"] > 0
    assert out["pickled_bytes_after"] < out["pickled_bytes_before"]
    assert out["end_of_day_s"] >= 0 and out["new_day_s"] >= 0
