"""Each control at, just below and just above its limit, through RiskEngine.check_order."""

from __future__ import annotations

import dataclasses
from decimal import Context, Decimal

import pytest

from matching.commands import ReplaceOrder
from matching.model import Collar, OrdType, Side, TimeInForce
from matching.reasons import RejectReason as R
from risk.checks import CHECKS
from risk.limits import AccountLimits, InstrumentLimits
from tests.unit.risk.support import (
    BTC,
    ETH,
    hold,
    make_limits,
    matching_and_risk,
    order,
    qty,
    reason,
    rest,
)

D = Decimal


def test_checks_run_in_a_fixed_documented_order() -> None:
    assert [c.__name__ for c in CHECKS] == [
        "check_account", "check_instrument", "check_trading_state", "check_reduce_only",
        "check_max_qty", "check_reference", "check_collar", "check_max_notional",
        "check_open_orders", "check_open_notional", "check_position",
        "check_position_notional",
    ]


# -- max order quantity -----------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "expected"), [
    ("9.9999", None), ("10", None), ("10.0001", R.RISK_MAX_QTY),
])
def test_max_order_qty_per_instrument(engine_for, market, quantity, expected) -> None:
    risk = engine_for(make_limits(instruments={"BTC-USD": InstrumentLimits(max_order_qty=D(10))}))

    decision = risk.check_order(order(quantity), market, 0)

    assert reason(decision) is expected


@pytest.mark.parametrize(("quantity", "expected"), [
    ("4.9999", None), ("5", None), ("5.0001", R.RISK_MAX_QTY),
])
def test_max_order_qty_per_account_overrides_the_instrument(engine_for, market, quantity,
                                                            expected) -> None:
    limits = make_limits(
        instruments={"BTC-USD": InstrumentLimits(max_order_qty=D(10))},
        accounts={"CLIENT1": AccountLimits(
            instruments={"BTC-USD": InstrumentLimits(max_order_qty=D(5))})})
    risk = engine_for(limits)

    mine = risk.check_order(order(quantity), market, 0)
    other = risk.check_order(order(quantity, account="CLIENT2"), market, 0)

    assert reason(mine) is expected
    assert reason(other) is None


# -- max order notional -----------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "expected"), [
    ("19.9999", None), ("20", None), ("20.0001", R.RISK_MAX_NOTIONAL),
])
def test_max_order_notional_per_instrument(engine_for, market, quantity, expected) -> None:
    limits = make_limits(instruments={"BTC-USD": InstrumentLimits(max_order_notional=D(1200000))})
    risk = engine_for(limits)

    decision = risk.check_order(order(quantity, "60000"), market, 0)

    assert reason(decision) is expected


def test_a_notional_of_any_size_is_named_exactly_in_the_denial(engine_for, market) -> None:
    # The largest quantity the FIX edge takes, 2^63 - 1 lots (gateway/decode.py MAX_UNITS), at
    # one tick: a notional of 19 digits, more than a float holds exactly
    limits = make_limits(instruments={"BTC-USD": InstrumentLimits(max_order_notional=D(1))})
    quantity, price = "922337203685477.5807", "0.01"

    decision = engine_for(limits).check_order(order(quantity, price), market, 0)

    notional = D(quantity).fma(D(price), 0, Context(prec=100))  # exact
    assert reason(decision) is R.RISK_MAX_NOTIONAL
    assert decision.denial.text.startswith(f"notional {notional:f} USD exceeds")


@pytest.mark.parametrize(("quantity", "expected"), [
    ("16.6666", None), ("16.6667", R.RISK_MAX_NOTIONAL),  # 1000000 / 60000 = 16.666...
])
def test_max_order_notional_per_account_beats_the_instrument(engine_for, market, quantity,
                                                             expected) -> None:
    limits = make_limits(
        instruments={"BTC-USD": InstrumentLimits(max_order_notional=D(5000000))},
        accounts={"CLIENT1": AccountLimits(max_order_notional=D(1000000))})
    risk = engine_for(limits)

    decision = risk.check_order(order(quantity, "60000"), market, 0)

    assert reason(decision) is expected


def test_denial_text_names_value_and_limit_as_in_the_issue(engine_for, market) -> None:
    limits = make_limits(accounts={"CLIENT1": AccountLimits(max_order_notional=D(1000000))})
    risk = engine_for(limits)

    decision = risk.check_order(order("25", "50000"), market, 0)

    assert decision.denial is not None
    assert decision.denial.text == (
        "notional 1250000.00 USD exceeds max order notional 1000000.00 USD for account CLIENT1")


# -- price collar -----------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "expected"), [
    ("62999.99", None), ("63000", None), ("63000.01", R.RISK_PRICE_COLLAR),
    ("57000.01", None), ("57000", None), ("56999.99", R.RISK_PRICE_COLLAR),
])
def test_collar_percent_around_last_trade(engine_for, market, price, expected) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(5))))

    decision = risk.check_order(order("1", price), market, 0)

    assert reason(decision) is expected


@pytest.mark.parametrize(("price", "expected"), [
    ("60000.99", None), ("60001", None), ("60001.01", R.RISK_PRICE_COLLAR),
    ("59999", None), ("59998.99", R.RISK_PRICE_COLLAR),
])
def test_collar_in_ticks(engine_for, market, price, expected) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_ticks=100)))

    decision = risk.check_order(order("1", price), market, 0)

    assert reason(decision) is expected


def test_collar_with_percent_and_ticks_takes_the_wider_band(engine_for, market) -> None:
    # 0.001% of 60000 is 0.60, narrower than 100 ticks (1.00): the tick band holds.
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D("0.001"),
                                                            collar_ticks=100)))

    assert reason(risk.check_order(order("1", "60001"), market, 0)) is None
    assert reason(risk.check_order(order("1", "60001.01"), market, 0)) is R.RISK_PRICE_COLLAR


@pytest.mark.parametrize(("side", "protection"), [(Side.BUY, "63000"), (Side.SELL, "57000")])
def test_market_order_gets_the_collar_edge_as_protection_price(engine_for, market, side,
                                                               protection) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(5))))
    cmd = order("1", None, side, ord_type=OrdType.MARKET)

    decision = risk.check_order(cmd, market, 0)

    assert decision.denial is None
    assert decision.cmd.price == BTC.price_to_ticks(protection)
    assert cmd.price is None  # the caller's command is not changed


@pytest.mark.parametrize(("side", "stop", "valued_at"), [
    pytest.param(Side.SELL, "59000", "56050", id="sell: the edge around the stop is lower"),
    pytest.param(Side.SELL, "61000", "57000", id="sell: the edge around the reference is"),
    pytest.param(Side.BUY, "61000", "64050", id="buy: the edge around the stop is higher"),
    pytest.param(Side.BUY, "59000", "63000", id="buy: the edge around the reference is"),
])
def test_stop_order_is_valued_at_the_wider_collar_edge_and_carries_the_collar(
        engine_for, market, side, stop, valued_at) -> None:
    # Reference 60000, a 5% collar (7 ticks narrower): a trigger at once would protect it at
    # the edge around 60000, a trigger at its stop price at the edge around that.
    risk = engine_for(make_limits(defaults=InstrumentLimits(
        collar_pct=D(5), collar_ticks=7, max_order_qty=D(1000))))
    cmd = dataclasses.replace(order("1", None, side, ord_type=OrdType.STOP),
                              stop_price=BTC.price_to_ticks(stop))

    decision = risk.check_order(cmd, market, 0)

    assert decision.denial is None
    assert decision.cmd.price == BTC.price_to_ticks(valued_at)
    assert decision.cmd.collar == Collar(1, 20, 7)  # 5% is 1/20, and the tick band
    assert (cmd.price, cmd.collar) == (None, None)  # the caller's command is not changed


@pytest.mark.parametrize(("stop", "notional"), [
    pytest.param("57000", "100800.00", id="below: valued at 63000 as a market order"),
    pytest.param("60000", "100800.00", id="at the reference"),
    pytest.param("61000", "102480.00", id="above: valued at 64050"),
])
def test_stop_order_is_denied_max_notional_where_a_market_order_of_its_size_is(
        engine_for, market, stop, notional) -> None:
    # 1.6 BTC at the 63000 edge is 100800 USD, over 100000 USD; at 60000 it would pass.
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(5)),
                                  account_defaults=AccountLimits(max_order_notional=D(100000))))
    market_order = order("1.6", None, ord_type=OrdType.MARKET)
    stop_order = dataclasses.replace(order("1.6", None, ord_type=OrdType.STOP),
                                     stop_price=BTC.price_to_ticks(stop))

    assert reason(risk.check_order(market_order, market, 0)) is R.RISK_MAX_NOTIONAL
    denied = risk.check_order(stop_order, market, 0)

    assert reason(denied) is R.RISK_MAX_NOTIONAL
    assert f"notional {notional} USD exceeds" in denied.denial.text


def test_replace_of_a_stop_order_is_valued_anew_and_passes_its_new_protection_bound(
        market) -> None:
    engine, risk = matching_and_risk(defaults=InstrumentLimits(collar_pct=D(5)))
    stop = dataclasses.replace(order("1", None, ord_type=OrdType.STOP),
                               stop_price=BTC.price_to_ticks("61000"))
    passed = risk.check_order(stop, market, 0)
    engine.handle(passed.cmd)
    resting = engine.order_by_clordid("C1", "cl")
    assert resting.price == BTC.price_to_ticks("64050")

    moved = ReplaceOrder("C1", "cl2", "cl", None, resting.qty, BTC.price_to_ticks("99"), 0,
                         stop_price=BTC.price_to_ticks("62000"))
    smaller = ReplaceOrder("C1", "cl2", "cl", None, resting.qty - 1, BTC.price_to_ticks("99"), 0)

    # A new stop price: valued at the edge around it, the bound the engine then keeps
    assert risk.check_replace(moved, resting, market, 0).cmd.price == BTC.price_to_ticks("65100")
    # A smaller quantity only: the order's bound stays (a client's Price is not one)
    assert risk.check_replace(smaller, resting, market, 0).cmd.price is None
    engine.handle(risk.check_replace(moved, resting, market, 0).cmd)
    assert engine.order_by_clordid("C1", "cl2").price == BTC.price_to_ticks("65100")


def test_market_order_with_a_protection_price_outside_the_collar_is_denied(engine_for,
                                                                         market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(5))))

    decision = risk.check_order(order("1", "63000.01", ord_type=OrdType.MARKET), market, 0)

    assert reason(decision) is R.RISK_PRICE_COLLAR


def test_ten_times_the_reference_is_denied(engine_for, market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(10))))

    assert reason(risk.check_order(order("1", "600000"), market, 0)) is R.RISK_PRICE_COLLAR


# -- credit: gross open notional --------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "expected"), [
    ("9.9999", None), ("10", None), ("10.0001", R.RISK_CREDIT_OPEN_NOTIONAL),
])
def test_open_notional_counts_resting_orders_plus_this_one(engine_for, market, quantity,
                                                           expected) -> None:
    risk = engine_for(make_limits(account_defaults=AccountLimits(max_open_notional=D(1000000))))
    rest(risk, qty(BTC, "10"), "50000")  # 500000 USD resting
    rest(risk, qty(ETH, "100"), "3000", inst=ETH)  # 300000 USD resting, same currency

    decision = risk.check_order(order(quantity, "20000"), market, 0)  # 200000 USD at 10 BTC

    assert reason(decision) is expected


# -- credit: worst-case position notional -----------------------------------------------------

@pytest.mark.parametrize(("quantity", "expected"), [
    ("4.9999", None), ("5", None), ("5.0001", R.RISK_CREDIT_POSITION_NOTIONAL),
])
def test_position_notional_values_every_instrument_at_its_reference(engine_for, market,
                                                                    quantity, expected) -> None:
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_position_notional=D(600000))))
    hold(risk, qty(ETH, "100"), ETH)  # 100 ETH x 3000 = 300000 USD

    decision = risk.check_order(order(quantity, "60000"), market, 0)  # 5 BTC = 300000 USD

    assert reason(decision) is expected


def test_position_notional_counts_open_orders_as_if_filled(engine_for, market) -> None:
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_position_notional=D(600000))))
    rest(risk, qty(BTC, "6"), "59000")  # worst case long 6 BTC = 360000 at reference 60000

    assert reason(risk.check_order(order("4"), market, 0)) is None
    assert reason(risk.check_order(order("4.0001"), market, 0)) is \
        R.RISK_CREDIT_POSITION_NOTIONAL


def test_position_notional_passes_an_order_that_does_not_add_to_the_worst_case(
        engine_for, market) -> None:
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_position_notional=D(600000))))
    hold(risk, qty(BTC, "20"))  # 1200000 USD: above the limit already

    assert reason(risk.check_order(order("5", side=Side.SELL), market, 0)) is None
    assert reason(risk.check_order(order("0.0001"), market, 0)) is \
        R.RISK_CREDIT_POSITION_NOTIONAL


def test_position_notional_fails_closed_without_a_reference_for_another_instrument(
        engine_for, market) -> None:
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_position_notional=D(10**9))), refs={})
    hold(risk, qty(ETH, "1"), ETH)
    del market.last[ETH.symbol]

    decision = risk.check_order(order("1"), market, 0)

    assert reason(decision) is R.RISK_NO_REFERENCE_PRICE


# -- position limit ---------------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "expected"), [
    ("5.9999", None), ("6", None), ("6.0001", R.RISK_POSITION_LIMIT),
])
def test_position_limit_counts_position_and_open_orders_of_the_side(engine_for, market,
                                                                    quantity, expected) -> None:
    risk = engine_for(make_limits(instruments={"BTC-USD": InstrumentLimits(max_position=D(10))}))
    hold(risk, qty(BTC, "3"))
    rest(risk, qty(BTC, "1"), "59000")
    rest(risk, qty(BTC, "50"), "61000", Side.SELL)  # the other side does not help a buy

    decision = risk.check_order(order(quantity), market, 0)

    assert reason(decision) is expected


@pytest.mark.parametrize(("quantity", "expected"), [
    ("12.9999", None), ("13", None), ("13.0001", R.RISK_POSITION_LIMIT),
])
def test_position_limit_short_side(engine_for, market, quantity, expected) -> None:
    risk = engine_for(make_limits(instruments={"BTC-USD": InstrumentLimits(max_position=D(10))}))
    hold(risk, qty(BTC, "3"))

    decision = risk.check_order(order(quantity, side=Side.SELL), market, 0)

    assert reason(decision) is expected


def test_position_above_a_lowered_limit_can_still_be_reduced(engine_for, market) -> None:
    risk = engine_for(make_limits(instruments={"BTC-USD": InstrumentLimits(max_position=D(10))}))
    hold(risk, qty(BTC, "15"))

    assert reason(risk.check_order(order("1", side=Side.SELL), market, 0)) is None
    assert reason(risk.check_order(order("0.0001"), market, 0)) is R.RISK_POSITION_LIMIT


# -- reduce-only orders -----------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "expected"), [
    ("2.9999", None), ("3", None), ("3.0001", R.RISK_REDUCE_ONLY),
])
def test_reduce_only_reduces_and_never_flips(engine_for, market, quantity, expected) -> None:
    risk = engine_for()
    hold(risk, qty(BTC, "5"))
    rest(risk, qty(BTC, "2"), "61000", Side.SELL)  # could fill first

    decision = risk.check_order(order(quantity, side=Side.SELL, reduce_only=True), market, 0)

    assert reason(decision) is expected


@pytest.mark.parametrize("position", ["0", "5"])
def test_reduce_only_that_would_increase_is_denied(engine_for, market, position) -> None:
    risk = engine_for()
    if position != "0":
        hold(risk, qty(BTC, position))

    decision = risk.check_order(order("1", reduce_only=True), market, 0)

    assert reason(decision) is R.RISK_REDUCE_ONLY


def test_reduce_only_buy_covers_a_short(engine_for, market) -> None:
    risk = engine_for()
    hold(risk, -qty(BTC, "2"))

    assert reason(risk.check_order(order("2", reduce_only=True), market, 0)) is None
    assert reason(risk.check_order(order("2.0001", reduce_only=True), market, 0)) is \
        R.RISK_REDUCE_ONLY


# -- open orders and allow-list ---------------------------------------------------------------

@pytest.mark.parametrize(("open_orders", "expected"), [
    (1, None), (2, None), (3, R.RISK_MAX_OPEN_ORDERS),
])
def test_max_open_orders(engine_for, market, open_orders, expected) -> None:
    risk = engine_for(make_limits(account_defaults=AccountLimits(max_open_orders=3)))
    for _ in range(open_orders):
        rest(risk, 1, "59000")

    decision = risk.check_order(order("1"), market, 0)

    assert reason(decision) is expected


@pytest.mark.parametrize(("ord_type", "tif", "expected"), [
    pytest.param(OrdType.LIMIT, TimeInForce.GTC, R.RISK_MAX_OPEN_ORDERS, id="GTC limit"),
    pytest.param(OrdType.LIMIT, TimeInForce.DAY, R.RISK_MAX_OPEN_ORDERS, id="DAY limit"),
    pytest.param(OrdType.STOP, TimeInForce.IOC, R.RISK_MAX_OPEN_ORDERS, id="stop: it waits"),
    pytest.param(OrdType.LIMIT, TimeInForce.IOC, None, id="IOC limit"),
    pytest.param(OrdType.LIMIT, TimeInForce.FOK, None, id="FOK limit"),
    pytest.param(OrdType.MARKET, TimeInForce.IOC, None, id="market"),
])
@pytest.mark.parametrize("warn_at", [None, D("0.000001")], ids=["quiet path", "full checks"])
def test_an_order_that_can_never_rest_does_not_count_against_max_open_orders(
        engine_for, market, ord_type, tif, expected, warn_at) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(warn_at=warn_at),
                                  account_defaults=AccountLimits(max_open_orders=1)))
    rest(risk, 1, "59000")
    cmd = dataclasses.replace(order("1", None if ord_type is OrdType.MARKET else "60000",
                                    ord_type=ord_type), tif=tif)
    if ord_type is OrdType.STOP:
        cmd = dataclasses.replace(cmd, price=None, stop_price=BTC.price_to_ticks("61000"))

    assert reason(risk.check_order(cmd, market, 0)) is expected


def test_open_orders_are_per_account(engine_for, market) -> None:
    risk = engine_for(make_limits(account_defaults=AccountLimits(max_open_orders=1)))
    rest(risk, 1, "59000", account="CLIENT2")

    assert reason(risk.check_order(order("1"), market, 0)) is None


def test_restricted_instrument_is_denied(engine_for, market) -> None:
    risk = engine_for(make_limits(accounts={"CLIENT1": AccountLimits(
        allowed=frozenset({"BTC-USD"}))}))

    assert reason(risk.check_order(order("1"), market, 0)) is None
    assert reason(risk.check_order(order("1", "3000", inst=ETH), market, 0)) is \
        R.RISK_INSTRUMENT_RESTRICTED
    assert reason(risk.check_order(order("1", "3000", inst=ETH, account="CLIENT2"),
                                   market, 0)) is None


# -- soft limits ------------------------------------------------------------------------------

@pytest.mark.parametrize(("quantity", "warned", "expected"), [
    ("8", False, None), ("8.0001", True, None), ("10", True, None),
    ("10.0001", False, R.RISK_MAX_QTY),
])
def test_soft_limit_warns_above_the_fraction_and_passes(engine_for, market, quantity, warned,
                                                        expected) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(max_order_qty=D(10),
                                                            warn_at=D("0.8"))))

    decision = risk.check_order(order(quantity), market, 0)

    assert reason(decision) is expected
    assert bool(decision.warnings) is warned


def test_soft_limit_warns_on_every_limit_it_is_near(engine_for, market) -> None:
    risk = engine_for(make_limits(
        defaults=InstrumentLimits(max_order_qty=D(10), max_order_notional=D(600000),
                                  warn_at=D("0.5")),
        account_defaults=AccountLimits(max_open_orders=2)))
    rest(risk, 1, "59000")

    decision = risk.check_order(order("6"), market, 0)  # 360000 USD, 2 open orders

    assert decision.denial is None
    assert len(decision.warnings) == 3


# -- fail closed ------------------------------------------------------------------------------

def test_unknown_account_is_denied(engine_for, market) -> None:
    risk = engine_for()

    assert reason(risk.check_order(order("1", account="NOBODY"), market, 0)) is \
        R.RISK_UNKNOWN_ACCOUNT


def test_unknown_instrument_is_denied(engine_for, market) -> None:
    risk = engine_for()
    cmd = order("1")
    cmd.symbol = "SOL-USD"

    assert reason(risk.check_order(cmd, market, 0)) is R.RISK_INSTRUMENT_RESTRICTED


def test_no_limits_at_all_still_needs_a_reference_price(engine_for, market) -> None:
    risk = engine_for(refs={})
    market.last.clear()

    assert reason(risk.check_order(order("1"), market, 0)) is R.RISK_NO_REFERENCE_PRICE
