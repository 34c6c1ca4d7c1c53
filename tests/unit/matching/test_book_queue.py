"""A price level's queue is linked through its orders (book.PriceLevel): it keeps time
priority through cancels, fills and refreshed iceberg slices, and a snapshot (a pickle)
restores it link for link, however long it is."""

from __future__ import annotations

import pickle

import pytest

from matching.engine import MatchingEngine
from tests.unit.matching.conftest import (
    BUY,
    PX,
    SELL,
    cancel,
    limit,
    make_engine,
    run,
    trades,
)


def _queue(engine: MatchingEngine, side: str = "asks") -> list[str]:
    level = getattr(engine.book("BTC-USD"), side).best
    return [] if level is None else [o.cl_ord_id for o in level.queue()]


def test_a_cancel_from_the_middle_front_and_back_keeps_the_rest_in_time_priority(
        engine: MatchingEngine) -> None:
    run(engine, *(limit("A", f"s{i}", SELL, 1, PX) for i in range(5)))

    run(engine, cancel("A", "x2", "s2"), cancel("A", "x0", "s0"), cancel("A", "x4", "s4"))

    assert _queue(engine) == ["s1", "s3"]
    assert engine.depth("BTC-USD", SELL)[0].orders == 2
    engine.check_invariants()


def test_a_restored_snapshot_trades_its_queue_in_the_same_order() -> None:
    first = make_engine()
    run(first, limit("A", "s1", SELL, 2, PX), limit("B", "s2", SELL, 3, PX, display_qty=1),
        limit("C", "s3", SELL, 2, PX), limit("A", "s4", SELL, 1, PX + 1),
        cancel("C", "x3", "s3"), limit("D", "b1", BUY, 3, PX))  # s2 shows a new slice behind
    restored = pickle.loads(pickle.dumps(first))

    assert _queue(restored) == _queue(first) == ["s2"]
    assert restored.state_hash() == first.state_hash()
    restored.check_invariants()
    sweep = limit("D", "b2", BUY, 3, PX + 1)
    assert trades(restored.handle(sweep)) == trades(first.handle(sweep))
    assert restored.state_hash() == first.state_hash()


def test_a_queue_of_twenty_thousand_orders_pickles_and_restores_intact(
        engine: MatchingEngine) -> None:
    run(engine, *(limit("A", f"s{i}", SELL, 1, PX) for i in range(20_000)))

    restored = pickle.loads(pickle.dumps(engine))

    assert _queue(restored) == [f"s{i}" for i in range(20_000)]
    assert restored.state_hash() == engine.state_hash()
    restored.check_invariants()


def test_taking_out_an_order_that_does_not_rest_on_the_side_raises_and_changes_nothing(
        engine: MatchingEngine) -> None:
    run(engine, limit("A", "s1", SELL, 1, PX), limit("A", "s2", SELL, 1, PX + 2))
    stray = engine.order_by_clordid("A", "s1")
    before = engine.state_hash()
    stray.price = PX + 1  # no level there (tests only: the engine never does this)

    with pytest.raises(LookupError):
        engine.book("BTC-USD").asks.remove(stray)

    stray.price = PX
    assert engine.state_hash() == before
    engine.check_invariants()
