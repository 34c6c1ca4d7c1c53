"""New orders: every order type and time in force, icebergs, stops, and refusals with reasons."""

from __future__ import annotations

import pytest

from matching.commands import AdvanceTime, EndOfDay, RejectOrder
from matching.engine import DepthLevel, MatchingEngine, TopOfBook
from matching.events import (
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRestated,
    OrderTriggered,
)
from matching.model import OrdStatus
from matching.reasons import EndReason, RejectReason
from tests.unit.matching.conftest import (
    BUY,
    DAY,
    FOK,
    GTC,
    GTD,
    IOC,
    PX,
    SELL,
    cancel,
    limit,
    market,
    of,
    oid,
    one,
    run,
    stop,
    trades,
)

# -- limit orders ----------------------------------------------------------------------------


def test_limit_on_empty_book_is_accepted_and_rests(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(limit("A", "a1", BUY, 10, PX))

    # Assert
    acc = one(events, OrderAccepted)
    assert (acc.order_id, acc.exec_id, acc.status, acc.leaves_qty, acc.cum_qty) == (
        1, 1, OrdStatus.NEW, 10, 0)
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX, 10, None, 0)
    engine.check_invariants()


def test_crossing_limit_trades_at_the_resting_price(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "a1", SELL, 10, PX))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 10, PX + 100))

    # Assert
    assert trades(events) == [(1, 2, PX, 10)]
    assert engine.last_trade_px("BTC-USD") == PX


def test_partial_fills_across_levels_follow_price_then_time(engine: MatchingEngine) -> None:
    # Arrange
    run(engine,
        limit("S", "s1", SELL, 5, PX),
        limit("S", "s2", SELL, 3, PX + 1),
        limit("T", "t1", SELL, 4, PX + 1),
        limit("S", "s3", SELL, 5, PX + 2))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 10, PX + 1))

    # Assert
    assert trades(events) == [(1, 5, PX, 5), (2, 5, PX + 1, 3), (3, 5, PX + 1, 2)]
    taker = engine.order(5)
    assert (taker.status, taker.cum_qty, taker.cum_notional) == (
        OrdStatus.FILLED, 10, PX * 5 + (PX + 1) * 5)
    assert engine.order(3).status is OrdStatus.PARTIALLY_FILLED
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX + 1, 2, 1), DepthLevel(PX + 2, 5, 1)]
    engine.check_invariants()


def test_fill_events_carry_last_cum_leaves_and_notional(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 4, PX), limit("S", "s2", SELL, 6, PX + 1))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 20, PX + 1))

    # Assert
    taker_fills = [e for e in of(events, OrderFilled) if e.aggressor]
    assert [(f.last_qty, f.last_px, f.cum_qty, f.leaves_qty, f.cum_notional, f.status)
            for f in taker_fills] == [
        (4, PX, 4, 16, 4 * PX, OrdStatus.PARTIALLY_FILLED),
        (6, PX + 1, 10, 10, 4 * PX + 6 * (PX + 1), OrdStatus.PARTIALLY_FILLED),
    ]
    assert engine.instruments["BTC-USD"].avg_price_text(taker_fills[-1].cum_notional, 10) \
        == "100.006"


def test_each_fill_is_one_maker_and_one_taker_event_sharing_a_trade_id(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 2, PX), limit("S", "s2", SELL, 2, PX))

    # Act
    fills = of(engine.handle(limit("B", "b1", BUY, 4, PX)), OrderFilled)

    # Assert
    assert [(f.order_id, f.contra_order_id, f.aggressor, f.trade_id) for f in fills] == [
        (1, 3, False, 1), (3, 1, True, 1), (2, 3, False, 2), (3, 2, True, 2)]


def test_unfilled_remainder_of_crossing_limit_rests_at_its_price(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 4, PX))

    # Act
    engine.handle(limit("B", "b1", BUY, 10, PX + 5))

    # Assert
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX + 5, 6, None, 0)
    assert engine.order(2).status is OrdStatus.PARTIALLY_FILLED
    engine.check_invariants()


# -- market orders ---------------------------------------------------------------------------


def test_market_sweeps_every_level_and_cancels_the_rest_never_rests(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 5, PX), limit("S", "s2", SELL, 5, PX + 500))

    # Act
    events = engine.handle(market("B", "m1", BUY, 20, tif=GTC))

    # Assert
    assert trades(events) == [(1, 3, PX, 5), (2, 3, PX + 500, 5)]
    end = one(events, OrderCanceled)
    assert (end.reason, end.cum_qty, end.leaves_qty) == (EndReason.MARKET_REMAINDER, 10, 0)
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, None, 0)


def test_market_with_protection_price_stops_at_that_price(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 5, PX), limit("S", "s2", SELL, 5, PX + 3))

    # Act
    events = engine.handle(market("B", "m1", BUY, 20, px=PX + 2))

    # Assert
    assert trades(events) == [(1, 3, PX, 5)]
    assert one(events, OrderCanceled).reason is EndReason.MARKET_REMAINDER
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, PX + 3, 5)


def test_market_sell_on_an_empty_book_is_cancelled(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(market("B", "m1", SELL, 5))

    # Assert
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    assert engine.order(1).status is OrdStatus.CANCELED
    engine.check_invariants()


# -- IOC and FOK -----------------------------------------------------------------------------


def test_ioc_fills_what_it_can_and_cancels_the_rest(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 3, PX))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 10, PX, tif=IOC))

    # Assert
    assert trades(events) == [(1, 2, PX, 3)]
    end = one(events, OrderCanceled)
    assert (end.reason, end.status, end.cum_qty) == (
        EndReason.IOC_REMAINDER, OrdStatus.CANCELED, 3)
    assert engine.top_of_book("BTC-USD").bid_px is None


def test_ioc_that_does_not_cross_is_cancelled_not_rested(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 3, PX + 1))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 10, PX, tif=IOC))

    # Assert
    assert one(events, OrderCanceled).reason is EndReason.IOC_REMAINDER
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, PX + 1, 3)


def test_fok_exactly_available_across_levels_fills_completely(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 4, PX), limit("S", "s2", SELL, 6, PX + 1))

    # Act
    events = engine.handle(limit("B", "f1", BUY, 10, PX + 1, tif=FOK))

    # Assert
    assert trades(events) == [(1, 3, PX, 4), (2, 3, PX + 1, 6)]
    assert engine.order(3).status is OrdStatus.FILLED
    assert not of(events, OrderCanceled)


def test_fok_one_lot_short_is_cancelled_not_rejected(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 4, PX), limit("S", "s2", SELL, 5, PX + 1))
    before = engine.state_hash()

    # Act
    events = engine.handle(limit("B", "f1", BUY, 10, PX + 1, tif=FOK))

    # Assert
    assert not of(events, OrderFilled) and not of(events, OrderRejected)
    end = one(events, OrderCanceled)
    assert (end.reason, end.status, end.cum_qty) == (
        EndReason.FOK_UNFILLABLE, OrdStatus.CANCELED, 0)
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 4, 1), DepthLevel(PX + 1, 5, 1)]
    assert engine.state_hash() != before  # only the order record and sequences moved


def test_fok_ignores_liquidity_beyond_its_limit(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("S", "s1", SELL, 4, PX), limit("S", "s2", SELL, 6, PX + 2))

    # Act
    events = engine.handle(limit("B", "f1", BUY, 10, PX + 1, tif=FOK))

    # Assert
    assert one(events, OrderCanceled).reason is EndReason.FOK_UNFILLABLE
    assert not of(events, OrderFilled)


def test_fok_counts_an_iceberg_hidden_reserve(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 30, PX, display_qty=5))

    # Act
    events = engine.handle(limit("B", "f1", BUY, 30, PX, tif=FOK))

    # Assert
    assert sum(q for *_, q in trades(events)) == 30
    assert engine.order(2).status is OrdStatus.FILLED


def test_market_fok_short_of_liquidity_is_cancelled(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 4, PX))

    # Act
    events = engine.handle(market("B", "m1", BUY, 5, tif=FOK))

    # Assert
    assert one(events, OrderCanceled).reason is EndReason.FOK_UNFILLABLE
    assert engine.order(1).leaves_qty == 4


# -- post-only -------------------------------------------------------------------------------


@pytest.mark.parametrize("buy_px", [PX, PX + 1], ids=["at-touch", "through"])
def test_post_only_that_would_cross_is_rejected_not_repriced(
        engine: MatchingEngine, buy_px: int) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 5, PX))

    # Act
    events = engine.handle(limit("B", "p1", BUY, 5, buy_px, post_only=True))

    # Assert
    rej = one(events, OrderRejected)
    assert (rej.reason, rej.order_id, rej.status) == (
        RejectReason.MATCH_POST_ONLY_WOULD_CROSS, 0, OrdStatus.REJECTED)
    assert engine.instruments["BTC-USD"].price_text(buy_px) in rej.text
    assert engine.order_by_clordid("B", "p1") is None
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, PX, 5)


def test_post_only_that_does_not_cross_rests(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 5, PX))

    # Act
    events = engine.handle(limit("B", "p1", BUY, 5, PX - 1, post_only=True))

    # Assert
    assert one(events, OrderAccepted).status is OrdStatus.NEW
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX - 1, 5, PX, 5)


def test_post_only_ioc_is_an_invalid_order(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(limit("B", "p1", BUY, 5, PX, tif=IOC, post_only=True))

    # Assert
    assert one(events, OrderRejected).reason is RejectReason.MATCH_INVALID_ORDER


# -- GTD and DAY -----------------------------------------------------------------------------


def test_gtd_expires_when_time_advances_to_its_expiry(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "g1", BUY, 5, PX, tif=GTD, ts=100, expire_ns=1_000))

    # Act
    early = engine.handle(AdvanceTime(999))
    due = engine.handle(AdvanceTime(1_000))

    # Assert
    assert early == []
    exp = one(due, OrderExpired)
    assert (exp.reason, exp.status, exp.leaves_qty, exp.ts_ns) == (
        EndReason.GTD_EXPIRED, OrdStatus.EXPIRED, 0, 1_000)
    assert engine.top_of_book("BTC-USD").bid_px is None
    engine.check_invariants()


def test_gtd_expired_by_a_later_tick_is_reported_at_its_expiry(engine: MatchingEngine) -> None:
    engine.handle(limit("A", "g1", BUY, 5, PX, tif=GTD, ts=100, expire_ns=1_000))

    exp = one(engine.handle(AdvanceTime(1_250)), OrderExpired)

    assert (exp.status, exp.ts_ns, exp.expire_ns) == (OrdStatus.EXPIRED, 1_000, 1_000)


def test_partially_filled_gtd_expires_keeping_its_fills(engine: MatchingEngine) -> None:
    # Arrange
    run(engine,
        limit("A", "g1", BUY, 5, PX, tif=GTD, ts=100, expire_ns=1_000),
        limit("B", "s1", SELL, 2, PX, ts=200))

    # Act
    exp = one(engine.handle(AdvanceTime(5_000)), OrderExpired)

    # Assert
    assert (exp.cum_qty, exp.leaves_qty, exp.status) == (2, 0, OrdStatus.EXPIRED)


def test_filled_or_cancelled_gtd_does_not_expire_again(engine: MatchingEngine) -> None:
    # Arrange
    run(engine,
        limit("A", "g1", BUY, 5, PX, tif=GTD, ts=1, expire_ns=1_000),
        limit("A", "g2", BUY, 5, PX - 1, tif=GTD, ts=1, expire_ns=1_000),
        limit("B", "s1", SELL, 5, PX, ts=2),
        cancel("A", "x2", "g2", ts=3))

    # Act
    events = engine.handle(AdvanceTime(2_000))

    # Assert
    assert events == []


def test_gtd_with_expiry_not_in_the_future_is_rejected(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(limit("A", "g1", BUY, 5, PX, tif=GTD, ts=1_000, expire_ns=999))

    # Assert
    rej = one(events, OrderRejected)
    assert rej.reason is RejectReason.MATCH_EXPIRE_IN_PAST
    assert "999" in rej.text


def test_gtd_without_expiry_is_an_invalid_order(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(limit("A", "g1", BUY, 5, PX, tif=GTD))

    # Assert
    assert one(events, OrderRejected).reason is RejectReason.MATCH_INVALID_ORDER


def test_end_of_day_expires_day_orders_and_day_stops_but_not_gtc(engine: MatchingEngine) -> None:
    # Arrange
    run(engine,
        limit("A", "d1", BUY, 5, PX, tif=DAY),
        limit("A", "c1", BUY, 5, PX - 1, tif=GTC),
        stop("A", "d2", BUY, 5, PX + 50, tif=DAY))

    # Act
    events = engine.handle(EndOfDay(ts_ns=9))

    # Assert
    assert [(e.cl_ord_id, e.reason) for e in of(events, OrderExpired)] == [
        ("d1", EndReason.DAY_END), ("d2", EndReason.DAY_END)]
    assert [o.cl_ord_id for o in engine.live_orders()] == ["c1"]
    engine.check_invariants()


def test_end_of_day_for_one_symbol_leaves_other_symbols(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "d1", BUY, 5, PX, tif=DAY))

    # Act
    events = engine.handle(EndOfDay(ts_ns=9, symbol="ETH-USD"))

    # Assert
    assert events == []
    assert engine.order(1).status is OrdStatus.NEW


# -- stops -----------------------------------------------------------------------------------


def _print(engine: MatchingEngine, px: int, n: int) -> list:
    """A trade of one lot at `px` between two bystanders."""
    return run(engine, limit("X", f"xs{n}", SELL, 1, px), limit("Y", f"yb{n}", BUY, 1, px))


def test_stop_waits_off_book_until_a_trade_reaches_it(engine: MatchingEngine) -> None:
    # Arrange
    _print(engine, PX, 1)

    # Act
    events = engine.handle(stop("A", "st1", BUY, 3, PX + 10))

    # Assert
    assert one(events, OrderAccepted).status is OrdStatus.NEW
    assert not of(events, OrderTriggered)
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, None, 0)
    assert [o.cl_ord_id for o in engine.live_orders()] == ["st1"]
    engine.check_invariants()


def test_buy_stop_triggers_on_a_trade_at_its_stop_and_enters_as_market(
        engine: MatchingEngine) -> None:
    # Arrange
    _print(engine, PX, 1)
    run(engine, stop("A", "st1", BUY, 3, PX + 10), limit("L", "ask", SELL, 10, PX + 20))
    miss = _print(engine, PX + 9, 2)

    # Act
    events = _print(engine, PX + 10, 3)

    # Assert
    assert not of(miss, OrderTriggered)
    trig = one(events, OrderTriggered)
    assert (trig.cl_ord_id, trig.trigger_px) == ("st1", PX + 10)
    st = engine.order_by_clordid("A", "st1")
    assert (st.status, st.cum_qty, st.cum_notional) == (OrdStatus.FILLED, 3, 3 * (PX + 20))
    engine.check_invariants()


def test_sell_stop_triggers_on_a_trade_at_or_below_its_stop(engine: MatchingEngine) -> None:
    # Arrange
    _print(engine, PX, 1)
    run(engine, stop("A", "st1", SELL, 3, PX - 10), limit("L", "bid", BUY, 10, PX - 30))

    # Act
    events = _print(engine, PX - 11, 2)

    # Assert
    assert one(events, OrderTriggered).trigger_px == PX - 11
    assert (PX - 30, 3) in [(px, q) for _, _, px, q in trades(events)]


def test_stop_before_any_trade_waits(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(stop("A", "st1", SELL, 3, PX))

    # Assert
    assert not of(events, OrderTriggered)
    assert engine.order(1).triggered is False


def test_stop_whose_price_was_already_reached_triggers_on_entry(engine: MatchingEngine) -> None:
    # Arrange
    _print(engine, PX, 1)
    engine.handle(limit("L", "ask", SELL, 10, PX + 5))

    # Act
    events = engine.handle(stop("A", "st1", BUY, 3, PX - 5))

    # Assert
    assert [type(e) for e in events][:2] == [OrderAccepted, OrderTriggered]
    assert engine.order_by_clordid("A", "st1").status is OrdStatus.FILLED


def test_triggered_stop_with_no_liquidity_is_cancelled_as_market_remainder(
        engine: MatchingEngine) -> None:
    # Arrange
    _print(engine, PX, 1)
    engine.handle(stop("A", "st1", SELL, 3, PX - 5))

    # Act
    events = _print(engine, PX - 5, 2)

    # Assert
    assert one(events, OrderCanceled).reason is EndReason.MARKET_REMAINDER
    engine.check_invariants()


def test_stop_limit_rests_with_trigger_time_priority_behind_earlier_bids(
        engine: MatchingEngine) -> None:
    # Arrange: the stop-limit is submitted before bid "early", but triggers after it
    _print(engine, PX, 1)
    run(engine,
        stop("A", "stl", BUY, 3, PX + 10, px=PX - 1),
        limit("E", "early", BUY, 3, PX - 1))
    _print(engine, PX + 10, 2)
    assert engine.depth("BTC-USD", BUY)[0] == DepthLevel(PX - 1, 6, 2)

    # Act
    events = engine.handle(limit("S", "hit", SELL, 3, PX - 1))

    # Assert
    assert trades(events) == [(oid(engine, "E", "early"), oid(engine, "S", "hit"), PX - 1, 3)]
    assert engine.order_by_clordid("A", "stl").leaves_qty == 3


def test_stops_cascade_when_a_triggered_stop_prints_through_the_next(
        engine: MatchingEngine) -> None:
    # Arrange: st1 triggers at PX+10 and lifts the ask at PX+20, which triggers st2
    _print(engine, PX, 1)
    run(engine,
        stop("A", "st1", BUY, 2, PX + 10),
        stop("B", "st2", BUY, 2, PX + 20),
        limit("L", "a1", SELL, 2, PX + 20),
        limit("L", "a2", SELL, 2, PX + 30))

    # Act
    events = _print(engine, PX + 10, 2)

    # Assert
    assert [e.cl_ord_id for e in of(events, OrderTriggered)] == ["st1", "st2"]
    assert [(px, q) for *_, px, q in trades(events)] == [
        (PX + 10, 1), (PX + 20, 2), (PX + 30, 2)]
    assert engine.last_trade_px("BTC-USD") == PX + 30
    engine.check_invariants()


def test_stops_triggered_by_one_print_enter_in_stop_price_order(engine: MatchingEngine) -> None:
    # Arrange
    _print(engine, PX, 1)
    run(engine,
        stop("A", "far", BUY, 1, PX + 8, px=PX + 50),
        stop("B", "near", BUY, 1, PX + 5, px=PX + 50))

    # Act
    events = _print(engine, PX + 10, 2)

    # Assert
    assert [e.cl_ord_id for e in of(events, OrderTriggered)] == ["near", "far"]
    assert [o.cl_ord_id for o in engine.book("BTC-USD").bids.best.queue()] == [
        "near", "far"]


def test_sell_stop_triggers_on_a_low_print_inside_a_rising_sweep(engine: MatchingEngine) -> None:
    # Arrange: last 100.00; asks at 99.90 and 100.20; a sell stop at 99.95
    _print(engine, PX, 1)
    run(engine,
        limit("L", "a1", SELL, 1, PX - 10),
        limit("L", "a2", SELL, 1, PX + 20),
        stop("A", "st", SELL, 1, PX - 5),
        limit("M", "bid", BUY, 1, PX - 40))

    # Act: one buy prints 99.90 then 100.20
    events = engine.handle(limit("B", "sweep", BUY, 2, PX + 20))

    # Assert: the 99.90 print traded through the stop
    assert one(events, OrderTriggered).cl_ord_id == "st"
    assert engine.order_by_clordid("A", "st").status is OrdStatus.FILLED
    engine.check_invariants()


def test_long_stop_cascade_runs_without_exhausting_the_stack(engine: MatchingEngine) -> None:
    # Arrange: 1500 buy stops, each triggered by the print of the one before
    _print(engine, PX, 1)
    n = 1_500
    for i in range(1, n + 1):
        run(engine, stop("A", f"st{i}", BUY, 1, PX + i), limit("L", f"a{i}", SELL, 1, PX + i))

    # Act
    events = engine.handle(limit("B", "go", BUY, 1, PX + 1))

    # Assert
    assert len(of(events, OrderTriggered)) == n
    assert engine.last_trade_px("BTC-USD") == PX + n
    engine.check_invariants()


# -- icebergs --------------------------------------------------------------------------------


def test_iceberg_shows_only_its_display_quantity_in_depth_and_top(engine: MatchingEngine) -> None:
    # Act
    run(engine,
        limit("S", "ice", SELL, 100, PX, display_qty=10),
        limit("T", "lit", SELL, 5, PX))

    # Assert
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 15, 2)]
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, PX, 15)
    assert engine.book("BTC-USD").asks.best.total == 105


def test_iceberg_refreshed_slice_goes_to_the_back_of_the_level(engine: MatchingEngine) -> None:
    # Arrange
    run(engine,
        limit("S", "ice", SELL, 30, PX, display_qty=10),
        limit("T", "lit", SELL, 5, PX))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 12, PX))

    # Assert: slice of 10 from the iceberg, then the lit order is ahead of the refresh
    assert trades(events) == [(1, 3, PX, 10), (2, 3, PX, 2)]
    assert [o.cl_ord_id for o in engine.book("BTC-USD").asks.best.queue()] == [
        "lit", "ice"]
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 3 + 10, 2)]
    engine.check_invariants()


def test_large_aggressor_takes_iceberg_reserve_slice_by_slice(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "ice", SELL, 25, PX, display_qty=10))

    # Act
    events = engine.handle(limit("B", "b1", BUY, 40, PX))

    # Assert
    assert [q for *_, q in trades(events)] == [10, 10, 5]
    assert engine.order(1).status is OrdStatus.FILLED
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX, 15, None, 0)
    engine.check_invariants()


def test_iceberg_that_trades_on_entry_rests_showing_one_slice(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("S", "s1", SELL, 3, PX))

    # Act
    engine.handle(limit("B", "ice", BUY, 50, PX, display_qty=10))

    # Assert
    assert engine.depth("BTC-USD", BUY) == [DepthLevel(PX, 10, 1)]
    assert engine.order(2).leaves_qty == 47
    engine.check_invariants()


@pytest.mark.parametrize(("display", "tif"), [(0, GTC), (11, GTC), (5, IOC), (5, FOK)])
def test_iceberg_with_bad_display_or_non_resting_tif_is_invalid(
        engine: MatchingEngine, display: int, tif: object) -> None:
    # Act
    events = engine.handle(limit("S", "ice", SELL, 10, PX, display_qty=display, tif=tif))

    # Assert
    rej = one(events, OrderRejected)
    assert rej.reason is RejectReason.MATCH_INVALID_ORDER
    assert "iceberg" in rej.text or engine.instruments["BTC-USD"].qty_text(display) in rej.text


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(("cmd", "reason", "value"), [
    (limit("A", "r", BUY, 0, PX), RejectReason.MATCH_QTY_BELOW_MIN, "0"),
    (limit("A", "r", BUY, 10_000_001, PX), RejectReason.MATCH_QTY_ABOVE_MAX, "1000.0001"),
    (limit("A", "r", BUY, 1, PX, symbol="DOGE-USD"), RejectReason.MATCH_UNKNOWN_SYMBOL,
     "DOGE-USD"),
    (limit("A", "r", BUY, 1, None), RejectReason.MATCH_INVALID_ORDER, "price"),
    (stop("A", "r", BUY, 1, None), RejectReason.MATCH_INVALID_ORDER, "stop price"),
    (stop("A", "r", BUY, 1, None, px=PX), RejectReason.MATCH_INVALID_ORDER, "stop price"),
    (market("A", "r", BUY, 1, tif=GTC, post_only=True), RejectReason.MATCH_INVALID_ORDER,
     "post-only"),
    (stop("A", "r", BUY, 1, PX, px=PX, post_only=True), RejectReason.MATCH_INVALID_ORDER,
     "post-only"),
], ids=["below-min", "above-max", "unknown-symbol", "limit-no-price", "stop-no-stop-price",
        "stop-limit-no-stop-price", "post-only-market", "post-only-stop"])
def test_refused_order_has_coded_reason_and_text_naming_the_value(
        engine: MatchingEngine, cmd: object, reason: RejectReason, value: str) -> None:
    # Act
    events = engine.handle(cmd)

    # Assert
    rej = one(events, OrderRejected)
    assert (rej.reason, rej.order_id, rej.status, rej.leaves_qty) == (
        reason, 0, OrdStatus.REJECTED, 0)
    assert value in rej.text


def test_refusal_consumes_an_exec_id_but_no_order_id(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "r", BUY, 0, PX))

    # Act
    acc = one(engine.handle(limit("A", "ok", BUY, 1, PX)), OrderAccepted)

    # Assert
    assert (acc.order_id, acc.exec_id) == (1, 2)


def test_order_refused_upstream_is_numbered_and_changes_nothing_else(
        engine: MatchingEngine) -> None:
    # Arrange
    refused = RejectOrder.of(limit("A", "a1", BUY, 5, PX), RejectReason.RISK_MAX_NOTIONAL,
                             "notional 500 above limit 100")
    before = engine.sequences()

    # Act
    events = engine.handle(refused)
    retry = engine.handle(limit("A", "a1", BUY, 1, PX))

    # Assert
    rej = one(events, OrderRejected)
    assert (rej.reason, rej.text, rej.exec_id, rej.order_id, rej.status) == (
        RejectReason.RISK_MAX_NOTIONAL, "notional 500 above limit 100", before.exec_id, 0,
        OrdStatus.REJECTED)
    assert one(retry, OrderAccepted).order_id == before.order_id


def test_duplicate_clordid_of_the_same_owner_is_rejected(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "a1", BUY, 1, PX))

    # Act
    events = engine.handle(limit("A", "a1", SELL, 1, PX + 100))

    # Assert
    rej = one(events, OrderRejected)
    assert rej.reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert "a1" in rej.text
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX, 1, None, 0)


def test_duplicate_clordid_of_a_finished_order_is_still_rejected(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 1, PX), cancel("A", "a2", "a1"))

    # Act
    first = engine.handle(limit("A", "a1", BUY, 1, PX))
    of_cancel = engine.handle(limit("A", "a2", BUY, 1, PX))

    # Assert
    assert one(first, OrderRejected).reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert one(of_cancel, OrderRejected).reason is RejectReason.MATCH_DUPLICATE_CLORDID


def test_same_clordid_from_another_owner_is_a_new_order(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "x", BUY, 1, PX))

    # Act
    events = engine.handle(limit("B", "x", BUY, 1, PX))

    # Assert
    assert one(events, OrderAccepted).order_id == 2


def test_poss_resend_of_a_known_clordid_is_answered_with_its_state_not_executed(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX), limit("S", "s1", SELL, 2, PX))
    before = engine.state_hash()

    # Act
    events = engine.handle(limit("A", "a1", BUY, 5, PX, poss_resend=True))

    # Assert
    rep = one(events, OrderRestated)
    assert len(events) == 1
    assert (rep.order_id, rep.cum_qty, rep.leaves_qty, rep.status) == (
        1, 2, 3, OrdStatus.PARTIALLY_FILLED)
    assert engine.state_hash() == before


def test_poss_resend_of_an_unseen_clordid_is_a_normal_order(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(limit("A", "a1", BUY, 5, PX, poss_resend=True))

    # Assert
    assert one(events, OrderAccepted).order_id == 1
