"""The engine builds orders and events on bare instances, field by field (a speed measure, see
`_entered` and `MatchingEngine._snap`). These tests keep those builders in step with the
dataclasses they fill: a field added to Order or OrderEvent and not to the builder fails here.
"""

from __future__ import annotations

import pickle
from dataclasses import fields

from matching.commands import SubmitOrder
from matching.engine import _entered
from matching.events import OrderAccepted, OrderEvent
from matching.model import Order, OrdStatus, OrdType
from tests.unit.matching.conftest import BUY, GTD, PX, SYMBOL, make_engine


def _command() -> SubmitOrder:
    return SubmitOrder("A", "acct", "c1", SYMBOL, BUY, OrdType.STOP_LIMIT, GTD, 30, PX,
                       1_000, stop_price=PX + 5, expire_ns=9_000, post_only=False,
                       display_qty=10)


def test_entered_order_equals_the_dataclass_constructor_field_by_field() -> None:
    # Arrange
    cmd = _command()
    expected = Order(7, cmd.owner, cmd.account, cmd.cl_ord_id, cmd.symbol, cmd.side,
                     cmd.ord_type, cmd.tif, cmd.qty, cmd.price, cmd.stop_price, cmd.expire_ns,
                     cmd.post_only, cmd.display_qty)
    expected.ts_ns = cmd.ts_ns
    expected.reduce_only = cmd.reduce_only

    # Act
    got = _entered(7, cmd)

    # Assert: every field set (getattr raises on an unset slot) and equal
    assert {f.name: getattr(got, f.name) for f in fields(Order)} == {
        f.name: getattr(expected, f.name) for f in fields(Order)}


def test_snap_copies_every_common_event_field_from_the_order() -> None:
    # Arrange
    engine = make_engine()
    order = _entered(3, _command())
    order.cum_qty, order.cum_notional = 12, 12 * PX
    order.status = OrdStatus.PARTIALLY_FILLED
    order.orig_cl_ord_id = "c0"
    derived = {"exec_id", "leaves_qty", "ts_ns"}

    # Act
    ev = engine._snap(OrderAccepted.__new__(OrderAccepted), order, 4_242)

    # Assert
    assert {f.name: getattr(ev, f.name) for f in fields(OrderEvent) if f.name not in derived} == {
        f.name: getattr(order, f.name) for f in fields(OrderEvent) if f.name not in derived}
    assert (ev.exec_id, ev.leaves_qty, ev.ts_ns) == (1, 18, 4_242)
    assert engine.sequences().exec_id == 2


def test_a_pickled_order_keeps_every_field_but_its_queue_links() -> None:
    # Arrange: every field set to a value of its own
    order = _entered(3, _command())
    order.orig_cl_ord_id, order.status = "c0", OrdStatus.PARTIALLY_FILLED
    order.cum_qty, order.cum_notional, order.visible = 12, 12 * PX, 8
    order.triggered, order.priority = False, 41
    order.ahead = order.behind = _entered(4, _command())
    links = {"ahead", "behind"}

    # Act
    copy = pickle.loads(pickle.dumps(order))

    # Assert: a level links its orders again when it is restored (book.PriceLevel)
    assert {f.name: getattr(copy, f.name) for f in fields(Order) if f.name not in links} == {
        f.name: getattr(order, f.name) for f in fields(Order) if f.name not in links}
    assert (copy.ahead, copy.behind) == (None, None)
