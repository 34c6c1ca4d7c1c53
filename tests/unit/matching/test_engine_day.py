"""The trading day: a new day forgets the orders that are over and the ClOrdIDs they used
(unique within a day, as FIX asks) but recognises a resend of one of the day before, and
carries live orders over with every ClOrdID they have had; ids go on, and a replay or a
snapshot gives the same state."""

from __future__ import annotations

import pickle

from matching.commands import AdvanceTime, EndOfDay, MassCancel, NewDay
from matching.engine import MatchingEngine
from matching.events import (
    CancelRejected,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderRejected,
)
from matching.model import OrdStatus
from matching.reasons import EndReason, RejectReason
from tests.unit.matching.conftest import (
    BUY,
    DAY,
    GTD,
    PX,
    SELL,
    btc,
    cancel,
    limit,
    make_engine,
    one,
    replace,
    run,
    stop,
)


def _next_day(engine: MatchingEngine, ts_ns: int) -> list:
    """The end of the day for every instrument, as the gateway runs it."""
    return run(engine, EndOfDay(ts_ns), NewDay(ts_ns))


def _day_one(engine: MatchingEngine) -> list:
    """A filled pair, a cancelled order, a DAY order, a GTC order replaced once, a GTD order
    and a pending stop: ids 1 to 7."""
    return run(engine,
               limit("A", "f1", SELL, 5, PX),  # 1: filled by 2
               limit("B", "f2", BUY, 5, PX),  # 2: filled
               limit("A", "x1", BUY, 5, PX - 10),  # 3: cancelled below
               cancel("A", "x2", "x1"),
               limit("A", "d1", BUY, 5, PX - 5, tif=DAY),  # 4: expires at the end of day
               limit("B", "g1", SELL, 5, PX + 10),  # 5: GTC, replaced to g2
               replace("B", "g2", "g1", 4, PX + 10),
               limit("A", "t1", BUY, 5, PX - 20, tif=GTD, expire_ns=1_000),  # 6
               stop("B", "s1", SELL, 2, PX - 30))  # 7: waits for a print at or below


def test_an_end_of_day_forgets_the_orders_that_are_over_and_keeps_the_live_ones(
        engine: MatchingEngine) -> None:
    _day_one(engine)

    events = _next_day(engine, 100)

    assert [e.cl_ord_id for e in events if isinstance(e, OrderExpired)] == ["d1"]
    assert [engine.order(i) is None for i in range(1, 8)] == [
        True, True, True, True, False, False, False]
    assert [o.cl_ord_id for o in engine.live_orders()] == ["g2", "t1", "s1"]
    assert engine.order_by_clordid("A", "f1") is None
    assert engine.order_by_clordid("B", "g1") is engine.order(5)  # every ClOrdID it had
    engine.check_invariants()


def test_a_clordid_of_an_order_that_is_over_may_be_used_again_the_next_day(
        engine: MatchingEngine) -> None:
    _day_one(engine)
    _next_day(engine, 100)

    again = run(engine, limit("A", "f1", BUY, 1, PX - 50), limit("A", "x2", BUY, 1, PX - 51))
    live = engine.handle(limit("B", "g2", BUY, 1, PX - 52))  # a carried order's ClOrdID
    earlier = engine.handle(limit("B", "g1", BUY, 1, PX - 52))  # ... and its earlier one

    assert [e.cl_ord_id for e in again if isinstance(e, OrderAccepted)] == ["f1", "x2"]
    for refused in (live, earlier):
        assert one(refused, OrderRejected).reason is RejectReason.MATCH_DUPLICATE_CLORDID


def test_an_end_of_day_alone_does_not_start_a_new_day(engine: MatchingEngine) -> None:
    # As in a journal written before NewDay existed: replayed, it means what it meant.
    _day_one(engine)

    run(engine, EndOfDay(ts_ns=100), EndOfDay(ts_ns=100, symbol="BTC-USD"))
    refused = engine.handle(limit("A", "f1", BUY, 1, PX - 50))

    assert one(refused, OrderRejected).reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert engine.order(1) is not None


def test_a_possible_resend_of_an_order_of_the_day_before_is_not_executed_again(
        engine: MatchingEngine) -> None:
    _day_one(engine)
    _next_day(engine, 100)

    resent = engine.handle(limit("B", "f2", BUY, 5, PX, poss_resend=True))  # filled yesterday
    fresh = engine.handle(limit("B", "f2", BUY, 1, PX - 50))  # not a resend: a new order
    _next_day(engine, 200)
    again = engine.handle(limit("A", "x1", BUY, 1, PX - 50, poss_resend=True))  # 2 days ago

    rejected = one(resent, OrderRejected)
    assert rejected.reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert rejected.text == ("possible resend of ClOrdID f2, used by order 2 the day before: "
                             "not executed again")
    assert one(fresh, OrderAccepted).cl_ord_id == "f2"
    assert one(again, OrderAccepted).cl_ord_id == "x1"


def test_carried_orders_can_be_cancelled_replaced_expired_and_triggered(
        engine: MatchingEngine) -> None:
    _day_one(engine)
    _next_day(engine, 100)

    replaced = engine.handle(replace("B", "g3", "g2", 3, PX + 10, ts=101))
    by_old_id = engine.handle(cancel("B", "g4", "g1", ts=102))  # an earlier ClOrdID of it
    expired = engine.handle(AdvanceTime(1_000))
    run(engine, limit("C", "p1", SELL, 1, PX - 30), limit("D", "p2", BUY, 1, PX - 30))
    triggered = engine.order(7)

    assert engine.order(5).qty == 3 and replaced[0].cl_ord_id == "g3"
    assert one(by_old_id, OrderCanceled).order_id == 5
    assert one(expired, OrderExpired).reason is EndReason.GTD_EXPIRED
    assert triggered.triggered and triggered.status is not OrdStatus.NEW
    assert list(engine.live_orders()) == []
    engine.check_invariants()


def test_ids_go_on_across_days_and_are_never_handed_out_twice(engine: MatchingEngine) -> None:
    _day_one(engine)
    before = engine.sequences()
    _next_day(engine, 100)

    accepted = one(engine.handle(limit("A", "n1", BUY, 1, PX - 50)), OrderAccepted)

    assert accepted.order_id == before.order_id
    assert accepted.exec_id > before.exec_id
    assert engine.order(accepted.order_id).cl_ord_id == "n1"
    assert engine.order(before.order_id - 1).cl_ord_id == "s1"  # carried, found by id


def test_a_mass_cancel_after_the_day_ends_cancels_carried_and_new_orders_in_id_order(
        engine: MatchingEngine) -> None:
    _day_one(engine)
    _next_day(engine, 100)
    engine.handle(limit("B", "n1", BUY, 1, PX - 50))

    events = engine.handle(MassCancel("B", "m1", 200))

    assert [e.order_id for e in events if isinstance(e, OrderCanceled)] == [5, 7, 8]


def test_two_days_replayed_or_restored_from_a_snapshot_give_the_same_state() -> None:
    def two_days(engine: MatchingEngine) -> list:
        return [*_day_one(engine), *_next_day(engine, 100),
                *run(engine, limit("A", "f1", BUY, 3, PX + 10),  # takes g2 (carried)
                     cancel("A", "t2", "t1")),
                *_next_day(engine, 200)]

    first, second = make_engine(), make_engine()
    events = two_days(first)
    restored = pickle.loads(pickle.dumps(first))

    assert two_days(second) == events
    assert second.state_hash() == first.state_hash() == restored.state_hash()
    assert [o.order_id for o in restored.live_orders()] == [5, 7]
    assert restored.order(8) is None  # f1 of day two filled, forgotten at its end
    assert not any(isinstance(e, CancelRejected) for e in events)
    restored.check_invariants()


def test_a_cancelled_gtd_order_leaves_no_entry_behind_at_the_end_of_day(
        engine: MatchingEngine) -> None:
    run(engine, limit("A", "t1", BUY, 5, PX, tif=GTD, expire_ns=10**12), cancel("A", "t2", "t1"))
    _next_day(engine, 100)
    _next_day(engine, 200)  # the day before's ClOrdIDs, kept for resends, go after a day

    # nothing left of either day: the same state as an engine that starts where its ids are
    empty = MatchingEngine([btc()], sequences=engine.sequences())
    assert engine.state_hash() == empty.state_hash()
    assert engine.handle(AdvanceTime(10**12)) == []
