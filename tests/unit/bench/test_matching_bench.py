"""bench.matching runs end to end on a committed workload and reports what it promises:
the checksum matched, both engines' runs in one state, the core and plain rates side by
side. Nothing here looks at how fast anything was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import matching

ROOT = Path(__file__).resolve().parents[3]
WORKLOAD = ROOT / "tests" / "data" / "workloads" / "default_s7.csv"


def test_compare_reports_core_and_plain_design_from_the_same_run(capsys) -> None:
    assert matching.main([str(WORKLOAD), "--no-latency", "--compare", "--runs", "2"]) == 0

    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "core" and out["runs"] == 2
    assert out["matches_expected"] and out["plain_matches_expected"] and out["same_state"]
    assert out["vs_plain"] == round(out["cmds_per_s"] / out["plain_cmds_per_s"], 3)


def test_one_engine_with_latency_reports_its_percentiles(capsys) -> None:
    assert matching.main([str(WORKLOAD), "--engine", "plain"]) == 0

    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "plain" and out["matches_expected"] and out["same_state"]
    assert out["p50_us"] <= out["p99_us"] <= out["p999_us"] <= out["max_us"]


def test_compare_refuses_to_mix_in_per_command_timing() -> None:
    with pytest.raises(SystemExit):
        matching.main([str(WORKLOAD), "--compare"])


@pytest.mark.parametrize("argv", [["--pretouch-mib", "64", "--system-memory"],
                                  ["--pretouch-mib", "-1"],
                                  ["--pretouch-mib", str((1 << 44) - 1)]],
                         ids=["with-system", "negative", "beyond-any-machine"])
def test_pretouch_refuses_what_it_cannot_do(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        matching.main([str(WORKLOAD), *argv])


def test_pretouch_is_reported_in_the_line() -> None:
    # A fresh interpreter: keeping memory, once done in this one, cannot touch any more.
    done = subprocess.run([sys.executable, "-m", "bench.matching", str(WORKLOAD), "--no-latency",
                           "--pretouch-mib", "16"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr

    out = json.loads(done.stdout)
    assert out["memory"] == "kept, 16 MiB pretouched" and out["matches_expected"]
