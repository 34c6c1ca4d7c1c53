"""Cancel and cancel/replace: queue priority rules, re-matching, ends, and refusals."""

from __future__ import annotations

import dataclasses

import pytest

from matching.engine import DepthLevel, MatchingEngine, TopOfBook
from matching.events import (
    CancelRejected,
    OrderCanceled,
    OrderFilled,
    OrderReplaced,
    OrderRestated,
    OrderTriggered,
)
from matching.model import OrdStatus, OrdType, Side, TimeInForce
from matching.reasons import CancelRejectReason, EndReason
from tests.unit.matching.conftest import (
    BUY,
    GTD,
    IOC,
    PX,
    SELL,
    cancel,
    limit,
    of,
    oid,
    one,
    replace,
    run,
    stop,
    trades,
)


def _queue(engine: MatchingEngine, side: object = BUY) -> list[str]:
    best = engine.book("BTC-USD").side(side).best
    return [] if best is None else [o.cl_ord_id for o in best.queue()]


@pytest.fixture
def two_bids(engine: MatchingEngine) -> MatchingEngine:
    """Bids a1 (first) and b1, 10 lots each at PX."""
    run(engine, limit("A", "a1", BUY, 10, PX), limit("B", "b1", BUY, 10, PX))
    return engine


# -- priority --------------------------------------------------------------------------------


@pytest.mark.parametrize("new_qty", [5, 10], ids=["lower", "same"])
def test_replace_same_price_not_larger_keeps_queue_priority(
        two_bids: MatchingEngine, new_qty: int) -> None:
    # Act
    events = two_bids.handle(replace("A", "a2", "a1", new_qty, PX))

    # Assert
    rep = one(events, OrderReplaced)
    assert (rep.cl_ord_id, rep.orig_cl_ord_id, rep.qty, rep.leaves_qty, rep.ended) == (
        "a2", "a1", new_qty, new_qty, False)
    assert _queue(two_bids) == ["a2", "b1"]
    assert two_bids.depth("BTC-USD", BUY) == [DepthLevel(PX, new_qty + 10, 2)]
    hit = two_bids.handle(limit("S", "s1", SELL, 1, PX))
    assert trades(hit)[0][0] == 1
    two_bids.check_invariants()


def test_replace_to_a_larger_quantity_loses_queue_priority(two_bids: MatchingEngine) -> None:
    # Act
    two_bids.handle(replace("A", "a2", "a1", 15, PX))

    # Assert
    assert _queue(two_bids) == ["b1", "a2"]
    assert two_bids.depth("BTC-USD", BUY) == [DepthLevel(PX, 25, 2)]
    two_bids.check_invariants()


def test_replace_to_a_new_price_loses_priority_even_when_moved_back(
        two_bids: MatchingEngine) -> None:
    # Act
    run(two_bids, replace("A", "a2", "a1", 10, PX - 1), replace("A", "a3", "a2", 10, PX))

    # Assert
    assert _queue(two_bids) == ["b1", "a3"]
    two_bids.check_invariants()


def test_replace_of_a_partial_fill_keeps_cum_and_leaves_new_qty_minus_cum(
        two_bids: MatchingEngine) -> None:
    # Arrange
    two_bids.handle(limit("S", "s1", SELL, 4, PX))

    # Act
    rep = one(two_bids.handle(replace("A", "a2", "a1", 7, PX)), OrderReplaced)

    # Assert
    assert (rep.qty, rep.cum_qty, rep.leaves_qty, rep.status) == (
        7, 4, 3, OrdStatus.PARTIALLY_FILLED)
    assert _queue(two_bids) == ["a2", "b1"]
    two_bids.check_invariants()


def test_iceberg_reduced_at_same_price_keeps_priority_and_shows_at_most_its_leaves(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine,
        limit("A", "i1", SELL, 40, PX, display_qty=10),
        limit("B", "b1", SELL, 5, PX))

    # Act
    engine.handle(replace("A", "i2", "i1", 12, PX))
    engine.handle(replace("A", "i3", "i2", 10, PX))

    # Assert
    assert _queue(engine, SELL) == ["i3", "b1"]
    assert engine.depth("BTC-USD", SELL) == [DepthLevel(PX, 15, 2)]
    engine.check_invariants()


# -- re-matching -----------------------------------------------------------------------------


def test_replace_that_now_crosses_trades_at_the_resting_price(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 10, PX - 5), limit("S", "s1", SELL, 4, PX))

    # Act
    events = engine.handle(replace("A", "a2", "a1", 10, PX + 3))

    # Assert
    assert isinstance(events[0], OrderReplaced)
    assert trades(events) == [(2, 1, PX, 4)]
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX + 3, 6, None, 0)
    assert engine.order(1).status is OrdStatus.PARTIALLY_FILLED
    engine.check_invariants()


def test_crossing_replace_can_fill_the_order_completely(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", SELL, 3, PX + 5), limit("B", "b1", BUY, 10, PX))

    # Act
    events = engine.handle(replace("A", "a2", "a1", 3, PX))

    # Assert
    taker = [f for f in of(events, OrderFilled) if f.aggressor][-1]
    assert (taker.cl_ord_id, taker.status, taker.leaves_qty) == ("a2", OrdStatus.FILLED, 0)
    assert engine.top_of_book("BTC-USD") == TopOfBook(PX, 7, None, 0)


@pytest.mark.parametrize("new_qty", [4, 2], ids=["equal-to-filled", "below-filled"])
def test_replace_to_at_or_below_filled_quantity_ends_the_order(
        engine: MatchingEngine, new_qty: int) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 10, PX), limit("S", "s1", SELL, 4, PX))

    # Act
    rep = one(engine.handle(replace("A", "a2", "a1", new_qty, PX)), OrderReplaced)

    # Assert
    assert (rep.ended, rep.status, rep.qty, rep.cum_qty, rep.leaves_qty) == (
        True, OrdStatus.FILLED, 4, 4, 0)
    assert engine.top_of_book("BTC-USD").bid_px is None
    engine.check_invariants()


def test_iceberg_replaced_to_its_filled_quantity_ends_even_below_display(
        engine: MatchingEngine) -> None:
    # Arrange: iceberg of 30 showing 10, of which 4 filled
    run(engine,
        limit("A", "i1", BUY, 30, PX, display_qty=10),
        limit("S", "s1", SELL, 4, PX))

    # Act
    events = engine.handle(replace("A", "i2", "i1", 4, PX))

    # Assert
    rep = one(events, OrderReplaced)
    assert (rep.ended, rep.status) == (True, OrdStatus.FILLED)
    engine.check_invariants()


# -- pending stops ---------------------------------------------------------------------------


def test_replace_of_a_pending_stop_moves_its_trigger(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("X", "x", SELL, 1, PX), limit("Y", "y", BUY, 1, PX))
    engine.handle(stop("A", "st1", BUY, 2, PX + 20, px=PX + 30))

    # Act
    events = engine.handle(replace("A", "st2", "st1", 3, PX + 35, stop_price=PX + 10))

    # Assert
    rep = one(events, OrderReplaced)
    assert (rep.stop_price, rep.price, rep.qty) == (PX + 10, PX + 35, 3)
    assert not of(events, OrderTriggered)
    engine.check_invariants()


def test_replace_of_a_pending_stop_to_an_already_reached_price_triggers_it(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("X", "x", SELL, 1, PX), limit("Y", "y", BUY, 1, PX))
    engine.handle(stop("A", "st1", BUY, 2, PX + 20, px=PX + 30))

    # Act
    events = engine.handle(replace("A", "st2", "st1", 2, PX + 30, stop_price=PX))

    # Assert
    assert one(events, OrderTriggered).cl_ord_id == "st2"
    assert engine.top_of_book("BTC-USD").bid_px == PX + 30
    engine.check_invariants()


def test_post_only_replace_of_a_pending_stop_is_invalid(engine: MatchingEngine) -> None:
    # Arrange: post-only is never allowed on a stop: nothing re-checks it when it triggers
    engine.handle(stop("A", "st1", BUY, 2, PX + 20, px=PX + 30))

    # Act
    events = engine.handle(replace("A", "st2", "st1", 2, PX + 30, stop_price=PX + 20,
                                   post_only=True))

    # Assert
    assert one(events, CancelRejected).reason is CancelRejectReason.INVALID_REPLACE


# -- refusals --------------------------------------------------------------------------------


def test_post_only_replace_that_would_cross_is_refused_and_order_unchanged(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX - 5, post_only=True), limit("S", "s1", SELL, 5, PX))
    before = engine.state_hash()

    # Act
    events = engine.handle(replace("A", "a2", "a1", 5, PX, post_only=True))

    # Assert
    rej = one(events, CancelRejected)
    assert (rej.reason, rej.order_id, rej.status, rej.is_replace) == (
        CancelRejectReason.INVALID_REPLACE, 1, OrdStatus.NEW, True)
    assert "100" in rej.text
    assert engine.state_hash() == before


def test_replace_above_maximum_quantity_is_refused(two_bids: MatchingEngine) -> None:
    # Act
    events = two_bids.handle(replace("A", "a2", "a1", 10_000_001, PX))

    # Assert
    rej = one(events, CancelRejected)
    assert rej.reason is CancelRejectReason.INVALID_REPLACE
    assert "1000.0001" in rej.text


@pytest.mark.parametrize("is_replace", [False, True], ids=["cancel", "replace"])
def test_unknown_order_is_refused_as_unknown(engine: MatchingEngine, is_replace: bool) -> None:
    # Act
    cmd = (replace("A", "a2", "nope", 5, PX) if is_replace else cancel("A", "a2", "nope"))
    rej = one(engine.handle(cmd), CancelRejected)

    # Assert
    assert (rej.reason, rej.order_id, rej.status, rej.is_replace) == (
        CancelRejectReason.UNKNOWN_ORDER, None, None, is_replace)
    assert "nope" in rej.text


@pytest.mark.parametrize("is_replace", [False, True], ids=["cancel", "replace"])
@pytest.mark.parametrize("by_order_id", [False, True], ids=["by-clordid", "by-orderid"])
def test_another_owners_order_is_unknown_and_untouched(
        two_bids: MatchingEngine, is_replace: bool, by_order_id: bool) -> None:
    # Arrange: owner Z names A's order a1 (order id 1)
    orig, order_id = (None, 1) if by_order_id else ("a1", None)
    cmd = (replace("Z", "z1", orig, 5, PX, order_id=order_id) if is_replace
           else cancel("Z", "z1", orig, order_id=order_id))
    before = two_bids.state_hash()

    # Act
    rej = one(two_bids.handle(cmd), CancelRejected)

    # Assert
    assert (rej.reason, rej.order_id, rej.status) == (CancelRejectReason.UNKNOWN_ORDER, None, None)
    assert two_bids.state_hash() == before


@pytest.mark.parametrize("is_replace", [False, True], ids=["cancel", "replace"])
def test_finished_order_is_refused_as_too_late_with_its_status(
        engine: MatchingEngine, is_replace: bool) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX), limit("S", "s1", SELL, 5, PX))
    cmd = replace("A", "a2", "a1", 5, PX) if is_replace else cancel("A", "a2", "a1")

    # Act
    rej = one(engine.handle(cmd), CancelRejected)

    # Assert
    assert (rej.reason, rej.order_id, rej.status) == (
        CancelRejectReason.TOO_LATE, 1, OrdStatus.FILLED)


def test_cancel_of_a_cancelled_order_is_too_late(two_bids: MatchingEngine) -> None:
    # Arrange
    two_bids.handle(cancel("A", "a2", "a1"))

    # Act
    rej = one(two_bids.handle(cancel("A", "a3", "a2")), CancelRejected)

    # Assert
    assert (rej.reason, rej.status) == (CancelRejectReason.TOO_LATE, OrdStatus.CANCELED)


@pytest.mark.parametrize("is_replace", [False, True], ids=["cancel", "replace"])
def test_request_reusing_a_clordid_is_refused_as_duplicate(
        two_bids: MatchingEngine, is_replace: bool) -> None:
    # Act
    cmd = replace("A", "a1", "a1", 5, PX) if is_replace else cancel("A", "a1", "a1")
    rej = one(two_bids.handle(cmd), CancelRejected)

    # Assert
    assert rej.reason is CancelRejectReason.DUPLICATE_CLORDID
    assert two_bids.order(1).is_live


@pytest.mark.parametrize("is_replace", [False, True], ids=["cancel", "replace"])
def test_possible_resend_of_a_request_carried_out_is_answered_with_the_order_state(
        two_bids: MatchingEngine, is_replace: bool) -> None:
    # Arrange: a1 replaced to a2 (5 lots), or cancelled by a2
    request = replace("A", "a2", "a1", 5, PX) if is_replace else cancel("A", "a2", "a1")
    two_bids.handle(request)
    state = two_bids.state_hash()

    # Act: the same request again, flagged a possible resend
    answer = one(two_bids.handle(dataclasses.replace(request, poss_resend=True)), OrderRestated)

    # Assert: the order's state, nothing changed
    assert (answer.cl_ord_id, answer.orig_cl_ord_id, answer.exec_id) == ("a2", "a1", 0)
    assert answer.status is two_bids.order(1).status
    assert answer.status is (OrdStatus.NEW if is_replace else OrdStatus.CANCELED)
    assert answer.text == "possible resend of a request already carried out"
    assert two_bids.state_hash() == state


def test_possible_resend_reusing_another_orders_clordid_is_refused_as_duplicate(
        two_bids: MatchingEngine) -> None:
    run(two_bids, limit("A", "a9", BUY, 10, PX - 1))

    rej = one(two_bids.handle(cancel("A", "a1", "a9", poss_resend=True)), CancelRejected)

    assert (rej.reason, rej.order_id) == (CancelRejectReason.DUPLICATE_CLORDID, 3)
    assert two_bids.order(3).is_live


def test_order_id_that_contradicts_the_orig_clordid_is_unknown(two_bids: MatchingEngine) -> None:
    # Act
    rej = one(two_bids.handle(cancel("A", "a2", "a1", order_id=2)), CancelRejected)

    # Assert: refused as unknown, the Text naming the disagreement
    assert rej.reason is CancelRejectReason.UNKNOWN_ORDER
    assert rej.text == "OrderID 2 does not name order a1, whose OrderID is 1"
    assert two_bids.order(1).is_live and two_bids.order(2).is_live


@pytest.mark.parametrize(("said", "named"), [
    ({"side": Side.SELL}, "side of order 1 (buy)"),
    ({"ord_type": OrdType.STOP_LIMIT}, "type of order 1 (limit)"),
    ({"tif": TimeInForce.IOC}, "time in force of order 1 (gtc)"),
    ({"account": "B"}, "account of order 1 (A)"),
    ({"display_qty": 2}, "display quantity of order 1 (none)"),
    ({"reduce_only": True}, "reduce-only instruction of order 1 (not reduce-only)"),
])
def test_replace_saying_other_than_what_a_replace_keeps_is_refused_and_changes_nothing(
        two_bids: MatchingEngine, said: dict, named: str) -> None:
    # Act: the same price at a lower quantity would otherwise be a plain reduction
    rej = one(two_bids.handle(replace("A", "a2", "a1", 5, PX, **said)), CancelRejected)

    # Assert
    assert rej.reason is CancelRejectReason.INVALID_REPLACE
    assert rej.text == f"a replace cannot change the {named}"
    assert (two_bids.order(1).qty, two_bids.order(1).cl_ord_id) == (10, "a1")


def test_replace_stating_what_the_order_has_is_applied(two_bids: MatchingEngine) -> None:
    # Act
    cmd = replace("A", "a2", "a1", 5, PX, side=Side.BUY, ord_type=OrdType.LIMIT,
                  tif=TimeInForce.GTC, account="A")
    one(two_bids.handle(cmd), OrderReplaced)

    # Assert
    assert two_bids.order(1).qty == 5


def test_replace_of_a_gtd_order_stating_another_expire_time_is_refused(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 10, PX, tif=GTD, expire_ns=10**12))

    # Act
    rej = one(engine.handle(replace("A", "a2", "a1", 5, PX, expire_ns=2 * 10**12)),
              CancelRejected)
    kept = one(engine.handle(replace("A", "a3", "a1", 5, PX, expire_ns=10**12)),
               OrderReplaced)

    # Assert: refused, unchanged; the same expire time restated is a plain reduction
    assert rej.reason is CancelRejectReason.INVALID_REPLACE
    assert rej.text == "a replace cannot change the expire time of order 1 (1970-01-01T00:16:40Z)"
    assert (kept.qty, engine.order(1).expire_ns) == (5, 10**12)


def test_replace_of_a_reduce_only_order_must_restate_it(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 10, PX, reduce_only=True))

    # Act
    rej = one(engine.handle(replace("A", "a2", "a1", 5, PX, reduce_only=False)),
              CancelRejected)
    kept = one(engine.handle(replace("A", "a3", "a1", 5, PX, reduce_only=True)), OrderReplaced)

    # Assert
    assert rej.text == "a replace cannot change the reduce-only instruction of order 1 " \
                       "(reduce-only)"
    assert kept.qty == 5 and engine.order(1).reduce_only


def test_expire_time_on_a_replace_of_an_order_that_is_not_gtd_is_ignored(
        two_bids: MatchingEngine) -> None:
    # Act: as on a new order, an ExpireTime means nothing without TimeInForce GTD
    one(two_bids.handle(replace("A", "a2", "a1", 5, PX, expire_ns=10**12)), OrderReplaced)

    # Assert
    assert two_bids.order(1).expire_ns is None


def test_cancel_stating_another_side_is_refused_and_changes_nothing(
        two_bids: MatchingEngine) -> None:
    # Act
    rej = one(two_bids.handle(cancel("A", "a2", "a1", side=SELL)), CancelRejected)

    # Assert
    assert rej.reason is CancelRejectReason.MISMATCH
    assert rej.text == "order 1 is a buy order; the request says sell"
    assert (rej.order_id, rej.status) == (1, OrdStatus.NEW)
    assert two_bids.order(1).is_live and two_bids.order(1).cl_ord_id == "a1"
    assert two_bids.order_by_clordid("A", "a2") is None  # the ClOrdID stays free


def test_cancel_stating_the_order_side_cancels(two_bids: MatchingEngine) -> None:
    # Act
    one(two_bids.handle(cancel("A", "a2", "a1", side=BUY)), OrderCanceled)

    # Assert
    assert not two_bids.order(1).is_live


def test_request_naming_the_wrong_symbol_is_refused_naming_the_order(
        two_bids: MatchingEngine) -> None:
    # Act
    rej = one(two_bids.handle(cancel("A", "a2", "a1", symbol="ETH-USD")), CancelRejected)

    # Assert: the client's own order, so its id and status are no secret
    assert rej.reason is CancelRejectReason.MISMATCH
    assert rej.text == "order 1 is for BTC-USD; the request says ETH-USD"
    assert (rej.order_id, rej.status) == (1, OrdStatus.NEW)
    assert two_bids.order(1).is_live


def test_invalid_replace_of_a_limit_without_price_is_refused(two_bids: MatchingEngine) -> None:
    # Act
    rej = one(two_bids.handle(replace("A", "a2", "a1", 5, None)), CancelRejected)

    # Assert
    assert rej.reason is CancelRejectReason.INVALID_REPLACE


# -- cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize("by_order_id", [False, True], ids=["by-clordid", "by-orderid"])
def test_cancel_ends_the_order_and_takes_it_off_the_book(
        two_bids: MatchingEngine, by_order_id: bool) -> None:
    # Arrange
    cmd = cancel("A", "a2", None, order_id=1) if by_order_id else cancel("A", "a2", "a1")

    # Act
    end = one(two_bids.handle(cmd), OrderCanceled)

    # Assert
    assert (end.cl_ord_id, end.orig_cl_ord_id, end.reason, end.status, end.leaves_qty) == (
        "a2", "a1", EndReason.REQUESTED, OrdStatus.CANCELED, 0)
    assert _queue(two_bids) == ["b1"]
    two_bids.check_invariants()


def test_cancel_after_a_replace_may_name_the_first_clordid(two_bids: MatchingEngine) -> None:
    # Arrange
    two_bids.handle(replace("A", "a2", "a1", 5, PX))

    # Act
    end = one(two_bids.handle(cancel("A", "a3", "a1")), OrderCanceled)

    # Assert
    assert (end.order_id, end.orig_cl_ord_id) == (1, "a2")


def test_cancel_of_a_pending_stop_removes_it_from_the_stops(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(stop("A", "st1", SELL, 2, PX))

    # Act
    events = engine.handle(cancel("A", "x", "st1"))

    # Assert
    assert one(events, OrderCanceled).status is OrdStatus.CANCELED
    assert len(engine.book("BTC-USD").stops) == 0
    engine.check_invariants()


def test_ioc_order_is_never_live_to_cancel(engine: MatchingEngine) -> None:
    # Arrange
    engine.handle(limit("A", "i1", BUY, 5, PX, tif=IOC))

    # Act
    rej = one(engine.handle(cancel("A", "x", "i1")), CancelRejected)

    # Assert
    assert (rej.reason, rej.status) == (CancelRejectReason.TOO_LATE, OrdStatus.CANCELED)
    assert oid(engine, "A", "i1") == 1
