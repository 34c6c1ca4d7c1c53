"""Self-trade prevention: each mode, only when two orders of one account would really trade."""

from __future__ import annotations

import pytest

from matching.engine import DepthLevel
from matching.events import OrderCanceled, OrderFilled, OrderRestated
from matching.model import OrdStatus, StpMode
from matching.reasons import EndReason
from tests.unit.matching.conftest import (
    BUY,
    FOK,
    PX,
    SELL,
    limit,
    make_engine,
    of,
    one,
    run,
    trades,
)

# Owners A and A2 trade for one account "acc"; O is someone else.


def _own(cl: str, side: object, qty: int, px: int, **kw: object) -> object:
    return limit("A", cl, side, qty, px, account="acc", **kw)


def _own2(cl: str, side: object, qty: int, px: int, **kw: object) -> object:
    return limit("A2", cl, side, qty, px, account="acc", **kw)


def _self_trade_cancels(events: list) -> list[str]:
    return [e.cl_ord_id for e in of(events, OrderCanceled) if e.reason is EndReason.SELF_TRADE]


def test_default_mode_cancels_the_aggressor_and_keeps_the_resting_order() -> None:
    # Arrange
    engine = make_engine()
    engine.handle(_own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 5, PX))

    # Assert
    assert not of(events, OrderFilled)
    assert _self_trade_cancels(events) == ["agg"]
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 5, 1)]
    engine.check_invariants()


def test_cancel_aggressor_after_trading_with_others_ahead_keeps_those_fills() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_AGGRESSOR)
    run(engine, limit("O", "o1", SELL, 3, PX), _own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 10, PX))

    # Assert
    assert trades(events) == [(1, 3, PX, 3)]
    end = one(events, OrderCanceled)
    assert (end.cl_ord_id, end.reason, end.cum_qty) == ("agg", EndReason.SELF_TRADE, 3)
    assert engine.order(2).leaves_qty == 5
    engine.check_invariants()


def test_cancel_resting_removes_own_order_and_trades_through_to_others() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_RESTING)
    run(engine, _own("rest", SELL, 5, PX), limit("O", "o1", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 8, PX))

    # Assert
    assert _self_trade_cancels(events) == ["rest"]
    assert trades(events) == [(2, 3, PX, 5)]
    assert engine.order(3).status is OrdStatus.PARTIALLY_FILLED
    assert engine.top_of_book("BTC-USD").bid_px == PX  # the rest of the aggressor rests
    engine.check_invariants()


def test_cancel_resting_with_an_iceberg_removes_its_whole_reserve() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_RESTING)
    engine.handle(_own("ice", SELL, 50, PX, display_qty=5))

    # Act
    events = engine.handle(_own2("agg", BUY, 8, PX))

    # Assert
    assert _self_trade_cancels(events) == ["ice"]
    assert engine.depth("BTC-USD", SELL) == []
    engine.check_invariants()


def test_cancel_both_cancels_aggressor_and_resting() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_BOTH)
    run(engine, _own("rest", SELL, 5, PX), limit("O", "o1", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 8, PX))

    # Assert
    assert _self_trade_cancels(events) == ["rest", "agg"]
    assert not of(events, OrderFilled)
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 5, 1)]
    engine.check_invariants()


def test_decrement_with_larger_resting_cancels_aggressor_and_shrinks_resting() -> None:
    # Arrange
    engine = make_engine(StpMode.DECREMENT_AND_CANCEL)
    engine.handle(_own("rest", SELL, 10, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 4, PX))

    # Assert
    restated = one(events, OrderRestated)
    assert (restated.cl_ord_id, restated.qty, restated.leaves_qty) == ("rest", 6, 6)
    assert _self_trade_cancels(events) == ["agg"]
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 6, 1)]
    engine.check_invariants()


def test_decrement_with_larger_aggressor_cancels_resting_and_shrinks_aggressor() -> None:
    # Arrange
    engine = make_engine(StpMode.DECREMENT_AND_CANCEL)
    run(engine, _own("rest", SELL, 4, PX), limit("O", "o1", SELL, 3, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 10, PX))

    # Assert
    restated = one(events, OrderRestated)
    assert (restated.cl_ord_id, restated.qty) == ("agg", 6)
    assert _self_trade_cancels(events) == ["rest"]
    assert trades(events) == [(2, 3, PX, 3)]
    agg = engine.order(3)
    assert (agg.qty, agg.cum_qty, agg.leaves_qty) == (6, 3, 3)
    assert engine.top_of_book("BTC-USD").bid_qty == 3
    engine.check_invariants()


def test_decrement_with_equal_quantities_cancels_both() -> None:
    # Arrange
    engine = make_engine(StpMode.DECREMENT_AND_CANCEL)
    engine.handle(_own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 5, PX))

    # Assert
    assert _self_trade_cancels(events) == ["rest", "agg"]
    assert not of(events, OrderRestated)
    engine.check_invariants()


def test_stp_off_lets_an_account_trade_with_itself() -> None:
    # Arrange
    engine = make_engine(StpMode.OFF)
    engine.handle(_own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 5, PX))

    # Assert
    assert trades(events) == [(1, 2, PX, 5)]


def test_mode_per_account_overrides_the_default() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_AGGRESSOR, by_account={"acc": StpMode.CANCEL_RESTING})
    engine.handle(_own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 5, PX))

    # Assert
    assert _self_trade_cancels(events) == ["rest"]
    assert engine.top_of_book("BTC-USD").bid_qty == 5


def test_same_owner_with_different_accounts_trades() -> None:
    # Arrange
    engine = make_engine()
    engine.handle(limit("A", "rest", SELL, 5, PX, account="acc1"))

    # Act
    events = engine.handle(limit("A", "agg", BUY, 5, PX, account="acc2"))

    # Assert
    assert trades(events) == [(1, 2, PX, 5)]


@pytest.mark.parametrize("mode", list(StpMode), ids=lambda m: m.value)
def test_stp_never_acts_when_own_order_rests_elsewhere_and_match_is_with_another_account(
        mode: StpMode) -> None:
    # Arrange: own sell deeper than the aggressor reaches, own buy on the same side
    engine = make_engine(mode)
    run(engine,
        limit("O", "o1", SELL, 5, PX),
        _own("deep", SELL, 5, PX + 10),
        _own("bid", BUY, 5, PX - 10))

    # Act
    events = engine.handle(_own2("agg", BUY, 5, PX + 5))

    # Assert
    assert trades(events) == [(1, 4, PX, 5)]
    assert not _self_trade_cancels(events) and not of(events, OrderRestated)
    assert engine.order(2).is_live and engine.order(3).is_live
    engine.check_invariants()


@pytest.mark.parametrize("mode", list(StpMode), ids=lambda m: m.value)
def test_stp_never_acts_when_aggressor_fills_before_reaching_own_order(mode: StpMode) -> None:
    # Arrange: own sell behind enough liquidity at the same price
    engine = make_engine(mode)
    run(engine, limit("O", "o1", SELL, 5, PX), _own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 5, PX))

    # Assert
    assert trades(events) == [(1, 3, PX, 5)]
    assert engine.order(2).leaves_qty == 5


def test_fok_blocked_by_own_order_is_cancelled_without_trading() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_AGGRESSOR)
    run(engine, limit("O", "o1", SELL, 3, PX), _own("rest", SELL, 5, PX), limit("O", "o2", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 8, PX, tif=FOK))

    # Assert
    assert not of(events, OrderFilled)
    assert one(events, OrderCanceled).reason is EndReason.FOK_UNFILLABLE


def test_fok_does_not_count_an_iceberg_reserve_that_refreshes_behind_own_order() -> None:
    # Arrange: the iceberg shows 2 of 10; after its slice it goes behind the own order
    engine = make_engine(StpMode.CANCEL_AGGRESSOR)
    run(engine, limit("O", "ice", SELL, 10, PX, display_qty=2), _own("rest", SELL, 5, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 10, PX, tif=FOK))

    # Assert: all or nothing, never a partial fill
    assert not of(events, OrderFilled)
    assert one(events, OrderCanceled).reason is EndReason.FOK_UNFILLABLE
    engine.check_invariants()


def test_fok_with_cancel_resting_counts_liquidity_behind_own_order() -> None:
    # Arrange
    engine = make_engine(StpMode.CANCEL_RESTING)
    run(engine, _own("rest", SELL, 5, PX), limit("O", "o1", SELL, 6, PX))

    # Act
    events = engine.handle(_own2("agg", BUY, 6, PX, tif=FOK))

    # Assert
    assert _self_trade_cancels(events) == ["rest"]
    assert engine.order(3).status is OrdStatus.FILLED
