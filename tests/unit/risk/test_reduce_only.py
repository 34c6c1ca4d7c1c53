"""Reduce-only orders never flip the position, also when the account's other orders on their
side would let them (risk/reduce_only.py): through the gate with a real matching engine."""

from __future__ import annotations

import pytest

from gateway import codec
from gateway.core_loop import apply
from gateway.recovery import CoreState
from matching.commands import ReplaceOrder, SubmitOrder, Trim
from matching.engine import MatchingEngine
from matching.events import OrderAccepted, OrderCanceled, OrderRestated
from matching.model import OrdStatus, OrdType, Side, TimeInForce
from matching.reasons import EndReason
from risk.engine import RiskEngine
from risk.gate import Gate
from tests.unit.risk.support import BTC, matching_and_risk, order, qty

SELL, BUY = Side.SELL, Side.BUY


def _gate() -> tuple[Gate, MatchingEngine, RiskEngine]:
    engine, risk = matching_and_risk()
    return Gate(risk, engine), engine, risk


def _long(gate: Gate, size: str) -> None:
    """CLIENT1 buys `size` from CLIENT2 at 60000."""
    gate.handle(order(size, "60000", side=SELL, account="CLIENT2", cl_ord_id="h-sell"))
    gate.handle(order(size, "60000", side=BUY, cl_ord_id="h-buy"))


def _position(risk: RiskEngine) -> int:
    return risk.leg("CLIENT1", BTC.symbol).position


@pytest.mark.parametrize(("other", "left", "ended"), [
    ("2", "3", False), ("4.9999", "0.0001", False), ("5", "0", True), ("7", "0", True),
])
def test_a_later_sell_cuts_the_resting_reduce_only_sell_so_that_no_sweep_flips_the_position(
        other, left, ended) -> None:
    gate, engine, risk = _gate()
    _long(gate, "5")
    gate.handle(order("5", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"))

    events = gate.handle(order(other, "61000", side=SELL, cl_ord_id="plain"))
    gate.handle(order("20", "61000", side=BUY, account="CLIENT2", cl_ord_id="sweep"))

    ro = engine.order_by_clordid("C1", "ro")
    cut = events[0]
    assert type(events[-1]) is OrderAccepted and events[-1].cl_ord_id == "plain"
    if ended:
        assert type(cut) is OrderCanceled and cut.reason is EndReason.REDUCE_ONLY
        assert ro.cum_qty == 0
    else:
        assert type(cut) is OrderRestated and cut.exec_id and cut.leaves_qty == qty(BTC, left)
        assert cut.text == (f"reduce-only: leaves cut from 5 to {left} BTC, so that the "
                            "account's sells cannot flip position 5 BTC")
        assert ro.cum_qty == qty(BTC, left) and ro.status is OrdStatus.FILLED
    # Flat, or short only by what the order that is not reduce-only sold beyond the position
    assert _position(risk) == min(0, qty(BTC, "5") - qty(BTC, other))


def test_a_cut_order_keeps_its_place_in_the_queue() -> None:
    gate, engine, _ = _gate()
    _long(gate, "5")
    gate.handle(order("5", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"))
    gate.handle(order("1", "61000", side=SELL, account="CLIENT2", cl_ord_id="behind"))
    gate.handle(order("2", "62000", side=SELL, cl_ord_id="plain"))  # cuts "ro" to 3

    gate.handle(order("3", "61000", side=BUY, account="CLIENT2", cl_ord_id="lift"))

    assert engine.order_by_clordid("C1", "ro").status is OrdStatus.FILLED
    assert engine.order_by_clordid("C1", "behind").cum_qty == 0


def test_the_newest_reduce_only_order_is_cut_first() -> None:
    gate, engine, _ = _gate()
    _long(gate, "5")
    gate.handle(order("2", "61000", side=SELL, reduce_only=True, cl_ord_id="older"))
    gate.handle(order("3", "61500", side=SELL, reduce_only=True, cl_ord_id="newer"))

    events = gate.handle(order("4", "62000", side=SELL, cl_ord_id="plain"))

    assert [(type(e), e.cl_ord_id) for e in events] == [
        (OrderCanceled, "newer"), (OrderRestated, "older"), (OrderAccepted, "plain")]
    assert engine.order_by_clordid("C1", "older").leaves_qty == qty(BTC, "1")


def test_orders_that_leave_room_or_are_on_the_other_side_cut_nothing() -> None:
    gate, engine, _ = _gate()
    _long(gate, "5")
    gate.handle(order("3", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"))

    room = gate.handle(order("2", "62000", side=SELL, cl_ord_id="room"))  # 3 + 2 = 5
    other_side = gate.handle(order("9", "59000", side=BUY, cl_ord_id="buy"))

    assert [type(e) for e in room + other_side] == [OrderAccepted, OrderAccepted]
    assert engine.order_by_clordid("C1", "ro").leaves_qty == qty(BTC, "3")


def test_an_order_that_is_refused_cuts_nothing() -> None:
    gate, engine, _ = _gate()
    _long(gate, "5")
    gate.handle(order("5", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"))
    gate.handle(order("1", "59000", side=BUY, account="CLIENT2", cl_ord_id="bid"))

    # The engine refuses a post-only order that would take liquidity: nothing is cut.
    refused = gate.handle(SubmitOrder("C1", "CLIENT1", "po", BTC.symbol, SELL, OrdType.LIMIT,
                                      order("1").tif, qty(BTC, "1"), BTC.price_to_ticks("59000"),
                                      0, post_only=True))

    assert [e.cl_ord_id for e in refused] == ["po"]
    assert engine.order_by_clordid("C1", "ro").leaves_qty == qty(BTC, "5")


@pytest.mark.parametrize(("tif", "size", "price", "ro_left"), [
    (TimeInForce.FOK, "3", "59000", "5"),  # 2 to take: killed, cuts nothing
    (TimeInForce.FOK, "2", "59000", "3"),  # fills: cut by what it sold
    (TimeInForce.IOC, "3", "60000", "5"),  # nothing to take at its price: cuts nothing
    (TimeInForce.IOC, "3", "59000", "2"),  # fills 2 of 3: cut for all 3
], ids=["fok-killed", "fok-filled", "ioc-unfilled", "ioc-part-filled"])
def test_an_order_that_ends_on_entry_without_a_fill_cuts_nothing(tif, size, price,
                                                                  ro_left) -> None:
    gate, engine, risk = _gate()
    _long(gate, "5")
    gate.handle(order("5", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"))
    gate.handle(order("2", "59000", side=BUY, account="CLIENT2", cl_ord_id="bid"))
    taker = order(size, price, side=SELL, cl_ord_id="taker")
    taker.tif = tif

    events = gate.handle(taker)

    assert engine.order_by_clordid("C1", "ro").leaves_qty == qty(BTC, ro_left)
    assert [e.cl_ord_id for e in events if e.cl_ord_id == "ro"] == (
        [] if ro_left == "5" else ["ro"])
    # Never short: what was sold plus what the reduce-only order may still sell
    assert _position(risk) - qty(BTC, ro_left) >= 0


def test_a_replace_that_adds_on_the_side_cuts_and_one_that_takes_away_does_not() -> None:
    gate, engine, _ = _gate()
    _long(gate, "5")
    gate.handle(order("2", "62000", side=SELL, cl_ord_id="plain"))
    gate.handle(order("3", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"))

    smaller = gate.handle(ReplaceOrder("C1", "plain2", "plain", None, qty(BTC, "1"),
                                       BTC.price_to_ticks("62000"), 0))
    larger = gate.handle(ReplaceOrder("C1", "plain3", "plain2", None, qty(BTC, "3"),
                                      BTC.price_to_ticks("62500"), 0))

    assert [e.cl_ord_id for e in smaller] == ["plain2"]
    assert (type(larger[0]), larger[0].cl_ord_id) == (OrderRestated, "ro")
    assert engine.order_by_clordid("C1", "ro").leaves_qty == qty(BTC, "2")


def test_replay_of_the_journal_cuts_the_same_and_keeps_tracking_reduce_only_orders() -> None:
    """What the gate applied, encoded and decoded as the journal does, applied to a fresh
    core as recovery does: the same state, and a later order still cuts."""
    gate, engine, _ = _gate()
    journal = []
    for cmd in (order("5", "60000", side=SELL, account="CLIENT2", cl_ord_id="h-sell"),
                order("5", "60000", side=BUY, cl_ord_id="h-buy"),
                order("5", "61000", side=SELL, reduce_only=True, cl_ord_id="ro"),
                order("1", "62000", side=SELL, cl_ord_id="plain")):
        gate.handle(cmd)
        journal.append(codec.encode(gate.applied))
    ro_id = engine.order_by_clordid("C1", "ro").order_id
    assert codec.decode(*journal[-1]).trims == (Trim(ro_id, qty(BTC, "4"), (
        "reduce-only: leaves cut from 5 to 4 BTC, so that the account's sells cannot flip "
        "position 5 BTC")),)

    fresh_engine, fresh_risk = matching_and_risk()
    state = CoreState(fresh_engine, fresh_risk)
    for name, fields in journal:
        apply(state, codec.decode(name, fields))
    later = order("1", "62000", side=SELL, cl_ord_id="later")

    assert fresh_engine.state_hash() == engine.state_hash()
    assert Gate(fresh_risk, fresh_engine).handle(later)[0].leaves_qty == qty(BTC, "3")
