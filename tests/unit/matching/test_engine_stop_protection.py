"""A stop (market) order may carry a protection price (risk gives it the collar edge): once
triggered it sweeps no further than that, and the rest is cancelled, never rested. With a
collar, the protection is the edge around the last trade at the trigger, never beyond the
price the order carried while it waited (what risk valued it at)."""

from dataclasses import replace as with_fields

from matching.events import OrderCanceled
from matching.model import Collar, OrdStatus, OrdType, Side
from matching.reasons import EndReason
from tests.unit.matching.conftest import limit, of, run, stop, trades
from tests.unit.matching.conftest import replace as replace_order


def test_triggered_stop_with_protection_sweeps_only_up_to_it(engine):
    # Arrange: asks at 101 and 105; a buy stop at 100 protected at 102
    run(engine, limit("S", "a1", Side.SELL, 5, 100), limit("S", "a2", Side.SELL, 5, 101),
        limit("S", "a3", Side.SELL, 5, 105))
    protected = with_fields(stop("B", "st", Side.BUY, 10, stop_px=100), price=102)
    run(engine, protected)

    # Act: a trade at 100 triggers the stop
    events = run(engine, limit("T", "t1", Side.BUY, 5, 100))

    # Assert: it takes 101 but not 105, and its remainder is cancelled
    assert [t[2:] for t in trades(events)] == [(100, 5), (101, 5)]
    ended = [e for e in of(events, OrderCanceled) if e.cl_ord_id == "st"]
    assert len(ended) == 1 and ended[0].reason is EndReason.MARKET_REMAINDER
    assert ended[0].cum_qty == 5 and ended[0].status is OrdStatus.CANCELED
    assert engine.top_of_book("BTC-USD").ask_px == 105
    engine.check_invariants()


def test_replace_of_a_pending_stop_keeps_its_protection(engine):
    protected = with_fields(stop("B", "st", Side.BUY, 10, stop_px=100), price=102)
    run(engine, protected)

    run(engine, replace_order("B", "st2", "st", 8, None, stop_price=99))

    order = engine.order_by_clordid("B", "st2")
    assert order.ord_type is OrdType.STOP
    assert (order.qty, order.stop_price, order.price) == (8, 99, 102)


def test_triggered_stop_with_a_collar_is_protected_around_the_price_at_its_trigger(engine):
    # Arrange: asks at 100, 104 and 106. A buy stop at 100, valued at entry at 110 (the
    # edge around a reference of 100), carries a 5% collar: around the trigger's last
    # trade at 100 its protection becomes 105.
    run(engine, limit("S", "a1", Side.SELL, 5, 100), limit("S", "a2", Side.SELL, 5, 104),
        limit("S", "a3", Side.SELL, 5, 106))
    collared = with_fields(stop("B", "st", Side.BUY, 10, stop_px=100), price=110,
                           collar=Collar(1, 20, None))
    run(engine, collared)

    # Act: a trade at 100 triggers the stop
    events = run(engine, limit("T", "t1", Side.BUY, 5, 100))

    # Assert: it takes 104 but not 106, though 106 is within its price at entry
    assert [t[2:] for t in trades(events)] == [(100, 5), (104, 5)]
    assert engine.order_by_clordid("B", "st").price == 105
    assert engine.top_of_book("BTC-USD").ask_px == 106
    engine.check_invariants()


def test_triggered_stop_with_a_collar_never_sweeps_beyond_the_price_it_was_valued_at(engine):
    # Arrange: asks at 103, 105 and 106. A buy stop at 100 valued at 105 carries a 5% collar.
    run(engine, limit("S", "a1", Side.SELL, 5, 103), limit("S", "a2", Side.SELL, 5, 105),
        limit("S", "a3", Side.SELL, 5, 106))
    collared = with_fields(stop("B", "st", Side.BUY, 10, stop_px=100), price=105,
                           collar=Collar(1, 20, None))
    run(engine, collared)

    # Act: one sweep goes through the stop to 103: the edge around 103 is 108
    events = run(engine, limit("T", "t1", Side.BUY, 5, 103))

    # Assert: the stop takes 105, not 106 (within the edge around 103, beyond 105)
    assert [t[2:] for t in trades(events)] == [(103, 5), (105, 5)]
    assert engine.order_by_clordid("B", "st").price == 105
    assert engine.top_of_book("BTC-USD").ask_px == 106
    engine.check_invariants()


def test_replace_of_a_pending_stop_with_a_price_takes_it_as_its_new_bound(engine):
    collared = with_fields(stop("B", "st", Side.BUY, 10, stop_px=100), price=105,
                           collar=Collar(1, 20, None))
    run(engine, collared)

    run(engine, replace_order("B", "st2", "st", 10, 115, stop_price=110))

    order = engine.order_by_clordid("B", "st2")
    assert (order.stop_price, order.price) == (110, 115)


def test_sell_stop_collar_edge_is_below_the_trigger_price(engine):
    run(engine, limit("B", "b1", Side.BUY, 5, 100), limit("B", "b2", Side.BUY, 5, 97),
        limit("B", "b3", Side.BUY, 5, 95))
    collared = with_fields(stop("S", "st", Side.SELL, 10, stop_px=100), price=90,
                           collar=Collar(0, 1, 4))  # a 4-tick band only

    run(engine, collared)
    events = run(engine, limit("T", "t1", Side.SELL, 5, 100))

    assert [t[2:] for t in trades(events)] == [(100, 5), (97, 5)]
    assert engine.order_by_clordid("S", "st").price == 96
