"""Differential tests: the core and the plain baseline reproduce the workload checksums.

Each file in tests/data/workloads/ was written by ../shared/bench/workload.py, whose
metadata carries the checksum of its reference matcher. Replaying a file through an
engine must give the same trades, quantity, notional and order-sensitive seqhash. No
timing is asserted here (see bench/ for that).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.plain import PlainEngine
from bench.workload_io import (
    Checksum,
    Workload,
    first_divergence,
    read_workload,
    replay_core,
    replay_plain,
)
from matching.model import StpMode

DATA = Path(__file__).resolve().parents[2] / "data" / "workloads"
FILES = sorted(DATA.glob("*.csv"))


def test_workload_files_are_present() -> None:
    assert len(FILES) >= 4, DATA


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.stem)
def workload(request: pytest.FixtureRequest) -> Workload:
    return read_workload(request.param)


@pytest.fixture(scope="module")
def plain_fills(workload: Workload) -> list[list]:
    return replay_plain(workload, PlainEngine(len(workload.meta["symbols"])))


def _assert_checksum(fills: list, workload: Workload) -> None:
    got = Checksum.of(fill for row_fills in fills for fill in row_fills)
    want = workload.expected
    assert (got.trades, got.qty, got.notional, got.seqhash) == (
        want["trades"], want["qty"], want["notional"], want["seqhash"])


@pytest.mark.timeout(120)
def test_plain_engine_reproduces_reference_checksum(workload: Workload, plain_fills: list) -> None:
    _assert_checksum(plain_fills, workload)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("by_first_cl_ord_id", [False, True], ids=["latest-clordid", "first-clordid"])
def test_core_engine_reproduces_reference_checksum(
        workload: Workload, plain_fills: list, by_first_cl_ord_id: bool) -> None:
    """Cancels/replaces name the order by its latest ClOrdID, or by its first (an alias)."""
    from matching.engine import MatchingEngine

    engine = MatchingEngine(workload.instruments(), stp_default=StpMode.OFF)
    run = replay_core(workload, engine, by_first_cl_ord_id=by_first_cl_ord_id)

    divergence = first_divergence(workload.rows, run.fills_by_row, plain_fills)
    assert divergence is None, divergence
    _assert_checksum(run.fills_by_row, workload)
    assert run.post_only_rejects == workload.expected["post_only_rejects"]
