"""RiskEngine: reference price, trading states, replaces, live limit changes, exposure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from matching.commands import CancelOrder, MassCancel, ReplaceOrder, SubmitOrder
from matching.engine import MatchingEngine, TopOfBook
from matching.model import Order, OrdType, Side, TimeInForce
from matching.reasons import EndReason
from matching.reasons import RejectReason as R
from risk.engine import RiskEngine
from risk.events import LimitChanged, TradingScope, TradingState, TradingStateChanged
from risk.limits import AccountLimits, InstrumentLimits
from tests.unit.risk.support import (
    BTC,
    ETH,
    INSTRUMENTS,
    hold,
    make_limits,
    order,
    px,
    qty,
    reason,
    rest,
)

D = Decimal
COLLAR_5 = make_limits(defaults=InstrumentLimits(collar_pct=D(5)))


# -- reference price --------------------------------------------------------------------------

def test_reference_is_the_last_trade_first(engine_for, market) -> None:
    market.tops[BTC.symbol] = TopOfBook(px(BTC, "50000"), 1, px(BTC, "50001"), 1)
    risk = engine_for(COLLAR_5)

    assert risk.reference_price(BTC.symbol, market) == (px(BTC, "60000"), 1, "last trade")


def test_reference_is_the_mid_without_a_trade(engine_for, market) -> None:
    del market.last[BTC.symbol]
    market.tops[BTC.symbol] = TopOfBook(px(BTC, "49999.99"), 1, px(BTC, "50000"), 1)
    risk = engine_for(COLLAR_5)

    # mid 49999.995 is half a tick: kept exact, band 47499.99525 .. 52499.99475
    assert reason(risk.check_order(order("1", "52499.99"), market, 0)) is None
    assert reason(risk.check_order(order("1", "52500"), market, 0)) is R.RISK_PRICE_COLLAR
    assert reason(risk.check_order(order("1", "47500"), market, 0)) is None
    assert reason(risk.check_order(order("1", "47499.99"), market, 0)) is R.RISK_PRICE_COLLAR


def test_reference_is_the_configured_price_with_a_one_sided_book(engine_for, market) -> None:
    del market.last[BTC.symbol]
    market.tops[BTC.symbol] = TopOfBook(px(BTC, "10000"), 1, None, 0)
    risk = engine_for(COLLAR_5)

    assert risk.reference_price(BTC.symbol, market) == (px(BTC, "60000"), 1, "configured")
    assert reason(risk.check_order(order("1", "63000"), market, 0)) is None


def test_no_reference_at_all_denies_even_a_limit_order(engine_for, market) -> None:
    del market.last[BTC.symbol]
    risk = engine_for(COLLAR_5, refs={})

    assert reason(risk.check_order(order("1", "60000"), market, 0)) is R.RISK_NO_REFERENCE_PRICE


def test_configured_reference_can_be_changed_while_running(engine_for, market) -> None:
    market.last.clear()
    risk = engine_for(COLLAR_5, refs={})

    risk.set_reference_price(BTC.symbol, px(BTC, "60000"))

    assert reason(risk.check_order(order("1", "60000"), market, 0)) is None


# -- trading state ----------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [
    TradingScope.everything(), TradingScope.instrument("BTC-USD"), TradingScope.account("CLIENT1"),
])
def test_halted_scope_denies_new_orders(engine_for, market, scope) -> None:
    risk = engine_for()

    event = risk.set_trading_state(scope, TradingState.HALTED, 7, "ops")

    assert event == TradingStateChanged(scope, TradingState.ACTIVE, TradingState.HALTED, "ops", 7)
    assert reason(risk.check_order(order("1"), market, 0)) is R.RISK_HALTED


def test_halt_applies_only_to_its_scope(engine_for, market) -> None:
    risk = engine_for()
    risk.set_trading_state(TradingScope.instrument("BTC-USD"), TradingState.HALTED, 0, "")
    risk.set_trading_state(TradingScope.account("CLIENT2"), TradingState.HALTED, 0, "")

    assert reason(risk.check_order(order("1", "3000", inst=ETH), market, 0)) is None
    assert reason(risk.check_order(order("1", "3000", inst=ETH, account="CLIENT2"),
                                   market, 0)) is R.RISK_HALTED


def test_resume_lets_orders_through_again(engine_for, market) -> None:
    risk = engine_for()
    risk.set_trading_state(TradingScope.everything(), TradingState.HALTED, 0, "")

    event = risk.set_trading_state(TradingScope.everything(), TradingState.ACTIVE, 1, "resume")

    assert event.old is TradingState.HALTED and event.new is TradingState.ACTIVE
    assert reason(risk.check_order(order("1"), market, 0)) is None


@pytest.mark.parametrize(("side", "quantity", "expected"), [
    (Side.SELL, "2", None), (Side.SELL, "2.0001", R.RISK_REDUCE_ONLY),
    (Side.BUY, "0.0001", R.RISK_REDUCE_ONLY),
])
def test_reduce_only_state_passes_only_reducing_orders(engine_for, market, side, quantity,
                                                       expected) -> None:
    risk = engine_for()
    hold(risk, qty(BTC, "2"))
    risk.set_trading_state(TradingScope.account("CLIENT1"), TradingState.REDUCE_ONLY, 0, "")

    assert reason(risk.check_order(order(quantity, side=side), market, 0)) is expected


def test_most_restrictive_state_wins(engine_for, market) -> None:
    risk = engine_for()
    hold(risk, qty(BTC, "2"))
    risk.set_trading_state(TradingScope.everything(), TradingState.REDUCE_ONLY, 0, "")
    risk.set_trading_state(TradingScope.instrument("BTC-USD"), TradingState.HALTED, 0, "")

    assert reason(risk.check_order(order("1", side=Side.SELL), market, 0)) is R.RISK_HALTED


def test_unknown_scope_name_is_refused(engine_for) -> None:
    risk = engine_for()

    with pytest.raises(ValueError):
        risk.set_trading_state(TradingScope.instrument("BTC-EUR"), TradingState.HALTED, 0, "")
    with pytest.raises(ValueError):
        risk.set_trading_state(TradingScope.account("NOBODY"), TradingState.HALTED, 0, "")


@pytest.mark.parametrize(("scope", "account", "symbol"), [
    (TradingScope.everything(), None, None),
    (TradingScope.instrument("BTC-USD"), None, "BTC-USD"),
    (TradingScope.account("CLIENT1"), "CLIENT1", None),
])
def test_halt_cancels_names_the_scope(scope, account, symbol) -> None:
    (cancel,) = RiskEngine.halt_cancels(scope, 5)

    assert isinstance(cancel, MassCancel)
    assert (cancel.owner, cancel.account, cancel.symbol, cancel.reason, cancel.ts_ns) == (
        None, account, symbol, EndReason.HALT, 5)


# -- replaces ---------------------------------------------------------------------------------

def _resting(engine: MatchingEngine, risk, quantity: str, price: str = "59000"):
    cmd = SubmitOrder("C1", "CLIENT1", "o1", "BTC-USD", Side.BUY, OrdType.LIMIT,
                      TimeInForce.GTC, qty(BTC, quantity), px(BTC, price), 0)
    risk.apply(engine.handle(cmd))
    resting = engine.order_by_clordid("C1", "o1")
    assert resting is not None
    return resting


def _replace(quantity: str, price: str = "59000") -> ReplaceOrder:
    return ReplaceOrder("C1", "o2", "o1", None, qty(BTC, quantity), px(BTC, price), 0)


def _quietly(risk: RiskEngine, replace: ReplaceOrder, resting: Order, market: object) -> bool:
    """replace_passes_quietly's answer, held to check_replace's: True only for a replace
    check_replace passes exactly as sent, with nothing to warn of."""
    quiet = risk.replace_passes_quietly(replace, resting, market)
    if quiet:
        decision = risk.check_replace(replace, resting, market, 0)
        assert (decision.denial, decision.warnings, decision.cmd) == (None, (), replace)
    return quiet


def test_an_ordinary_replace_passes_quietly(engine_for, market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(max_order_qty=D(10),
                                                            warn_at=D("0.8"),
                                                            collar_pct=D(5))))
    resting = _resting(MatchingEngine(INSTRUMENTS.values()), risk, "2")

    assert _quietly(risk, _replace("1"), resting, market)  # a pure quantity reduction
    assert _quietly(risk, _replace("3", "59500"), resting, market)
    assert not _quietly(risk, _replace("9", "59500"), resting, market)  # warned of
    assert risk.check_replace(_replace("9", "59500"), resting, market, 0).warnings
    assert not _quietly(risk, _replace("3", "50000"), resting, market)  # beyond the collar
    assert reason(risk.check_replace(_replace("3", "50000"), resting, market, 0)) is (
        R.RISK_PRICE_COLLAR)


def test_only_a_pure_reduction_passes_quietly_while_halted(engine_for, market) -> None:
    risk = engine_for()
    resting = _resting(MatchingEngine(INSTRUMENTS.values()), risk, "2")
    risk.set_trading_state(TradingScope.instrument(ETH.symbol), TradingState.HALTED, 0, "")

    assert _quietly(risk, _replace("1"), resting, market)
    assert not _quietly(risk, _replace("3"), resting, market)
    assert reason(risk.check_replace(_replace("3"), resting, market, 0)) is None


def test_a_stop_orders_replace_giving_a_price_does_not_pass_quietly(engine_for,
                                                                    market) -> None:
    risk, engine = engine_for(COLLAR_5), MatchingEngine(INSTRUMENTS.values())
    entered = SubmitOrder("C1", "CLIENT1", "s1", "BTC-USD", Side.BUY, OrdType.STOP,
                          TimeInForce.GTC, qty(BTC, "2"), None, 0,
                          stop_price=px(BTC, "61000"))
    risk.apply(engine.handle(risk.check_order(entered, market, 0).cmd))
    pending = engine.order_by_clordid("C1", "s1")
    with_price = ReplaceOrder("C1", "s2", "s1", None, qty(BTC, "1"), px(BTC, "99"), 0)
    without = ReplaceOrder("C1", "s2", "s1", None, qty(BTC, "1"), None, 0)

    assert not _quietly(risk, with_price, pending, market)  # check_replace drops the Price
    assert risk.check_replace(with_price, pending, market, 0).cmd.price is None
    assert _quietly(risk, without, pending, market)


@pytest.mark.parametrize(("quantity", "price", "expected"), [
    ("1", "59000", None),  # pure quantity reduction
    ("2.0001", "59000", R.RISK_HALTED),
    ("1", "59500", R.RISK_HALTED),
])
def test_halted_denies_replaces_except_pure_quantity_reductions(engine_for, market, quantity,
                                                                price, expected) -> None:
    risk, engine = engine_for(), MatchingEngine(INSTRUMENTS.values())
    resting = _resting(engine, risk, "2")
    risk.set_trading_state(TradingScope.everything(), TradingState.HALTED, 0, "")

    assert reason(risk.check_replace(_replace(quantity, price), resting, market, 0)) is expected


@pytest.mark.parametrize(("quantity", "stop", "expected"), [
    ("1", "61000", None),  # pure quantity reduction: the protection price is not the client's
    ("1", "61500", R.RISK_HALTED),
    ("2.0001", "61000", R.RISK_HALTED),
])
def test_halted_lets_a_pending_stop_order_reduce_its_quantity(engine_for, market, quantity,
                                                              stop, expected) -> None:
    risk, engine = engine_for(COLLAR_5), MatchingEngine(INSTRUMENTS.values())
    entered = SubmitOrder("C1", "CLIENT1", "s1", "BTC-USD", Side.BUY, OrdType.STOP,
                          TimeInForce.GTC, qty(BTC, "2"), None, 0,
                          stop_price=px(BTC, "61000"))
    decision = risk.check_order(entered, market, 0)
    risk.apply(engine.handle(decision.cmd))
    pending = engine.order_by_clordid("C1", "s1")
    assert pending is not None and pending.price is not None  # risk gave it a protection price
    risk.set_trading_state(TradingScope.everything(), TradingState.HALTED, 0, "")
    # As the FIX edge decodes a replace of a stop order: no Price
    replace = ReplaceOrder("C1", "s2", "s1", None, qty(BTC, quantity), None, 0,
                           stop_price=px(BTC, stop))

    assert reason(risk.check_replace(replace, pending, market, 0)) is expected


@pytest.mark.parametrize(("quantity", "expected"), [
    ("5.9999", None), ("6", None), ("6.0001", R.RISK_POSITION_LIMIT),
])
def test_replace_is_checked_in_place_of_the_old_leaves(engine_for, market, quantity,
                                                       expected) -> None:
    risk = engine_for(make_limits(instruments={"BTC-USD": InstrumentLimits(max_position=D(6))}))
    engine = MatchingEngine(INSTRUMENTS.values())
    resting = _resting(engine, risk, "4")

    decision = risk.check_replace(_replace(quantity, "59500"), resting, market, 0)

    assert reason(decision) is expected


def test_replace_is_not_one_more_open_order(engine_for, market) -> None:
    risk = engine_for(make_limits(account_defaults=AccountLimits(max_open_orders=1)))
    engine = MatchingEngine(INSTRUMENTS.values())
    resting = _resting(engine, risk, "1")

    assert reason(risk.check_replace(_replace("2", "59500"), resting, market, 0)) is None
    assert reason(risk.check_order(order("1"), market, 0)) is R.RISK_MAX_OPEN_ORDERS


def test_replace_outside_the_collar_is_denied(engine_for, market) -> None:
    risk, engine = engine_for(COLLAR_5), MatchingEngine(INSTRUMENTS.values())
    resting = _resting(engine, risk, "1")

    assert reason(risk.check_replace(_replace("1", "56999.99"), resting, market, 0)) is \
        R.RISK_PRICE_COLLAR


# -- live limit changes -----------------------------------------------------------------------

def test_set_limit_applies_to_the_next_order(engine_for, market) -> None:
    risk = engine_for()

    event = risk.set_limit("max_order_qty", D(1), 9, symbol="BTC-USD")

    assert event == LimitChanged("instrument BTC-USD", "max_order_qty", None, D(1), 9)
    assert reason(risk.check_order(order("1.0001"), market, 0)) is R.RISK_MAX_QTY


def test_set_limit_per_account_and_override(engine_for, market) -> None:
    risk = engine_for()

    risk.set_limit("max_open_orders", 1, 0, account="CLIENT1")
    risk.set_limit("max_order_qty", D(1), 0, account="CLIENT1", symbol="BTC-USD")
    rest(risk, 1, "59000")

    assert reason(risk.check_order(order("1"), market, 0)) is R.RISK_MAX_OPEN_ORDERS
    assert reason(risk.check_order(order("1.0001", account="CLIENT2"), market, 0)) is None
    assert risk.limits.accounts["CLIENT1"].instruments["BTC-USD"].max_order_qty == D(1)


def test_set_limit_can_unset_a_limit(engine_for, market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(max_order_qty=D(1))))

    risk.set_limit("max_order_qty", None, 0)

    assert reason(risk.check_order(order("2"), market, 0)) is None


@pytest.mark.parametrize(("name", "value", "where"), [
    ("max_order_qty", 1.5, {}),  # float: inexact
    ("max_order_qty", D(-1), {}),
    ("no_such_limit", D(1), {}),
    ("max_open_orders", D(1), {"account": "CLIENT1"}),  # wrong type
    ("max_order_qty", D(1), {"account": "NOBODY"}),
])
def test_set_limit_refuses_bad_input(engine_for, name, value, where) -> None:
    risk = engine_for()

    with pytest.raises(ValueError):
        risk.set_limit(name, value, 0, **where)


def test_replace_limits_swaps_everything(engine_for, market) -> None:
    risk = engine_for()

    risk.replace_limits(COLLAR_5)

    assert reason(risk.check_order(order("1", "63000.01"), market, 0)) is R.RISK_PRICE_COLLAR


# -- exposure follows the matching engine ----------------------------------------------------

def test_exposure_follows_accept_fill_replace_and_cancel(engine_for) -> None:
    risk, engine = engine_for(), MatchingEngine(INSTRUMENTS.values())

    def run(cmd: object) -> None:
        risk.apply(engine.handle(cmd))

    run(SubmitOrder("C2", "CLIENT2", "s1", "BTC-USD", Side.SELL, OrdType.LIMIT, TimeInForce.GTC,
                    300, px(BTC, "60000"), 0))
    run(SubmitOrder("C1", "CLIENT1", "b1", "BTC-USD", Side.BUY, OrdType.LIMIT, TimeInForce.GTC,
                    500, px(BTC, "60000"), 0))
    buyer, seller = risk.leg("CLIENT1", "BTC-USD"), risk.leg("CLIENT2", "BTC-USD")
    assert (buyer.position, buyer.open_buy, buyer.account.open_orders) == (300, 200, 1)
    assert (seller.position, seller.open_sell, seller.account.open_orders) == (-300, 0, 0)
    assert buyer.credit.open_notional == 200 * px(BTC, "60000") * buyer.k

    run(ReplaceOrder("C1", "b2", "b1", None, 400, px(BTC, "59000"), 0))
    assert (buyer.open_buy, buyer.credit.open_notional) == (100, 100 * px(BTC, "59000") * buyer.k)

    run(CancelOrder("C1", "b3", "b2", None, 0))
    assert (buyer.position, buyer.open_buy, buyer.account.open_orders,
            buyer.credit.open_notional) == (300, 0, 0, 0)


def test_exposure_of_an_ioc_remainder_and_a_mass_cancel(engine_for) -> None:
    risk, engine = engine_for(), MatchingEngine(INSTRUMENTS.values())
    for i in range(3):
        risk.apply(engine.handle(SubmitOrder(
            "C1", "CLIENT1", f"r{i}", "ETH-USD", Side.BUY, OrdType.LIMIT, TimeInForce.GTC, 10,
            px(ETH, "2900"), 0)))
    risk.apply(engine.handle(SubmitOrder(
        "C2", "CLIENT2", "ioc", "ETH-USD", Side.SELL, OrdType.LIMIT, TimeInForce.IOC, 15,
        px(ETH, "2900"), 0)))
    leg = risk.leg("CLIENT1", "ETH-USD")
    assert (leg.position, leg.open_buy, leg.account.open_orders) == (15, 15, 2)
    assert risk.leg("CLIENT2", "ETH-USD").account.open_orders == 0

    (halt,) = RiskEngine.halt_cancels(TradingScope.account("CLIENT1"), 1)
    risk.apply(engine.handle(halt))

    assert (leg.position, leg.open_buy, leg.account.open_orders,
            leg.credit.open_notional) == (15, 0, 0, 0)


def test_checking_does_not_change_exposure(engine_for, market) -> None:
    risk = engine_for()

    risk.check_order(order("1"), market, 0)

    leg = risk.leg("CLIENT1", "BTC-USD")
    assert (leg.position, leg.open_buy, leg.account.open_orders) == (0, 0, 0)
