"""Exposure stays exact for orders whose numbers do not fit the 64-bit table it keeps live
orders in: an id beyond it, leaves and positions that add up beyond it, or a notional whose
product is. (A price or a quantity itself fits: the core holds them in 64 bits and the
gateway takes none larger, gateway/decode.py MAX_UNITS.)"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from matching.commands import CancelOrder, ReplaceOrder
from matching.engine import MatchingEngine
from matching.model import Side, StpMode
from risk.exposure import Exposures, Leg, currency_units

from .support import BTC, INSTRUMENTS, order

HUGE = 2**70  # beyond a signed 64-bit integer
MAX = 2**63 - 1  # the largest price or quantity the core takes, in ticks or lots


@pytest.fixture
def book() -> tuple[MatchingEngine, Exposures]:
    return (MatchingEngine(INSTRUMENTS.values(), stp_default=StpMode.OFF),
            Exposures(currency_units(INSTRUMENTS.values())))


def run(book: tuple[MatchingEngine, Exposures], cmd: object) -> None:
    engine, exposures = book
    exposures.apply(engine.handle(cmd))


def numbers(leg: Leg) -> tuple[int, int, int, int, int]:
    return (leg.position, leg.open_buy, leg.open_sell, leg.credit.open_notional,
            leg.account.open_orders)


@pytest.mark.parametrize(("price", "lots"), [
    pytest.param(MAX, 4, id="largest-price"),
    pytest.param(6_000_000, MAX, id="largest-quantity"),
    pytest.param(2**40, 2**40, id="notional-beyond-64-bits"),
])
def test_a_huge_order_is_followed_exactly_through_a_fill_and_its_cancel(book, price,
                                                                         lots) -> None:
    _, exposures = book
    buy = dataclasses.replace(order("1", cl_ord_id="b"), price=price, qty=lots)
    sell = dataclasses.replace(order("1", side=Side.SELL, account="CLIENT2", cl_ord_id="s"),
                               price=price, qty=lots // 4)
    buyer, seller = exposures.leg("CLIENT1", BTC.symbol), exposures.leg("CLIENT2", BTC.symbol)
    k = buyer.k

    run(book, buy)
    assert numbers(buyer) == (0, lots, 0, lots * price * k, 1)

    run(book, sell)
    left = lots - lots // 4
    assert numbers(buyer) == (lots // 4, left, 0, left * price * k, 1)
    assert numbers(seller) == (-(lots // 4), 0, 0, 0, 0)

    run(book, CancelOrder("C1", "c", "b", None, 0))
    assert numbers(buyer) == (lots // 4, 0, 0, 0, 0)


def test_an_order_replaced_to_a_notional_beyond_64_bits_and_back_is_followed_exactly(
        book) -> None:
    _, exposures = book
    leg = exposures.leg("CLIENT1", BTC.symbol)
    run(book, order("1", "60000", cl_ord_id="a"))  # 10,000 lots at 6,000,000 ticks

    run(book, ReplaceOrder("C1", "b", "a", None, 10_000, MAX, 0))
    assert numbers(leg) == (0, 10_000, 0, 10_000 * MAX * leg.k, 1)

    run(book, ReplaceOrder("C1", "c", "b", None, 5_000, 6_000_000, 0))
    assert numbers(leg) == (0, 5_000, 0, 5_000 * 6_000_000 * leg.k, 1)

    run(book, CancelOrder("C1", "d", "c", None, 0))
    assert numbers(leg) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("field", ["order_id", "leaves"])
def test_an_order_the_table_cannot_hold_is_followed_aside(book, field) -> None:
    # No event carries order id 0 (it marks an empty cell) or negative leaves today; if one
    # did, exposure would still add up exactly, in either build.
    engine, exposures = book
    [accepted] = engine.handle(order("1", "60000"))
    ev = copy.copy(accepted)
    if field == "order_id":
        ev.order_id = 0
    else:
        ev.leaves_qty = -5
    leg = exposures.leg("CLIENT1", BTC.symbol)

    exposures.apply([ev])
    lots = ev.leaves_qty
    assert numbers(leg) == (0, lots, 0, lots * 6_000_000 * leg.k, 1)

    gone = copy.copy(ev)
    gone.leaves_qty = 0
    exposures.apply([gone])
    assert numbers(leg) == (0, 0, 0, 0, 0)


def test_the_64_bit_copies_follow_the_exact_numbers_and_say_when_they_cannot(book) -> None:
    _, exposures = book
    leg = exposures.leg("CLIENT1", BTC.symbol)

    def copies() -> tuple[object, ...]:
        return (leg.narrow, leg.position64, leg.open_buy64, leg.open_sell64,
                leg.credit.narrow, leg.credit.open_notional64)

    run(book, order("1", "60000", cl_ord_id="a"))
    assert copies() == (True, 0, 10_000, 0, True, 10_000 * 6_000_000 * leg.k)

    # open buys of 10,000 + MAX lots: beyond 64 bits, as is their notional
    run(book, dataclasses.replace(order("1", cl_ord_id="b"), price=6_000_000, qty=MAX))
    assert (leg.narrow, leg.credit.narrow) == (False, False)  # quiet.py takes the full checks

    run(book, CancelOrder("C1", "c", "b", None, 0))
    assert copies() == (True, 0, 10_000, 0, True, 10_000 * 6_000_000 * leg.k)


def test_the_order_a_leg_is_handed_for_is_filed_under_it_and_no_other(book) -> None:
    engine, exposures = book
    leg = exposures.leg("CLIENT1", BTC.symbol)
    exposures.prefetch(engine.next_order_id())  # a hint only, for any 64-bit id
    for odd in (0, -1, 2**63 - 1):
        exposures.prefetch(odd)
    run(book, order("1", "60000", side=Side.SELL, account="CLIENT2", cl_ord_id="s"))
    buy = order("3", "60000", cl_ord_id="b")

    # the buy (given the leg) takes the resting sell (not given it) and rests
    buy_id = engine.next_order_id()
    exposures.apply(engine.handle(buy), leg, buy_id)

    seller = exposures.leg("CLIENT2", BTC.symbol)
    assert numbers(leg) == (10_000, 20_000, 0, 20_000 * 6_000_000 * leg.k, 1)
    assert numbers(seller) == (-10_000, 0, 0, 0, 0)


def test_a_leg_handed_for_another_order_id_is_not_used(book) -> None:
    engine, exposures = book
    other = exposures.leg("CLIENT2", BTC.symbol)

    exposures.apply(engine.handle(order("1", "60000", cl_ord_id="a")), other, 999)

    assert exposures.leg("CLIENT1", BTC.symbol).open_buy == 10_000 and other.open_buy == 0


def test_the_leg_handed_with_an_order_id_is_taken_without_a_lookup(book) -> None:
    # The caller vouches for the pair (the gate hands the leg its checks found): shown here
    # with a leg that is not the order's, which exposure does not second-guess.
    engine, exposures = book
    handed = exposures.leg("CLIENT2", BTC.symbol)
    order_id = engine.next_order_id()

    exposures.apply(engine.handle(order("1", "60000", cl_ord_id="a")), handed, order_id)

    assert (handed.open_buy, exposures.leg("CLIENT1", BTC.symbol).open_buy) == (10_000, 0)


def test_an_event_whose_price_is_not_an_int_is_refused_before_anything_changes(book) -> None:
    engine, exposures = book
    events = engine.handle(order("1", cl_ord_id="b"))
    leg = exposures.leg("CLIENT1", BTC.symbol)
    events[0].price = 6_000_000.5  # a bug upstream: never a price to value exposure at

    with pytest.raises(TypeError):
        exposures.apply(events)
    assert numbers(leg) == (0, 0, 0, 0, 0)
