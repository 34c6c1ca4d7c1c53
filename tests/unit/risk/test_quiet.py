"""The quiet path (risk/quiet.py) answers exactly what the full checks would, also where its
machine integers run out, and its collar follows the reference price."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from matching.engine import MatchingEngine
from matching.model import OrdType, Side
from matching.reasons import RejectReason as R
from risk.engine import RiskEngine
from risk.events import TradingScope, TradingState
from risk.limits import AccountLimits, InstrumentLimits
from risk.quiet import LastTrades
from tests.unit.risk.support import (
    BTC,
    ETH,
    REFERENCE,
    StubMarket,
    hold,
    make_limits,
    matching_and_risk,
    order,
    px,
    qty,
    reason,
    rest,
)

# Base units of USD here are 10^-6 USD: 10^13 USD is 10^19 base units, beyond 2^63 - 1.
BEYOND_64_BITS_USD = D(10) ** 13


@pytest.mark.parametrize(("quantity", "expected"), [
    ("100000", None),  # 6e9 USD: every value fits 64 bits
    ("50000000", None),  # 3e12 USD, 3e18 base units: the product of the check still fits
    ("160000000", None),  # 9.6e12 USD, 9.6e18 base units: beyond 2^63, within the limit
    ("170000000", R.RISK_CREDIT_OPEN_NOTIONAL),  # 1.02e13 USD: above the limit
])
def test_a_limit_beyond_64_bits_is_enforced_exactly(engine_for, market, quantity,
                                                     expected) -> None:
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_open_notional=BEYOND_64_BITS_USD)))

    assert reason(risk.check_order(order(quantity, "60000"), market, 0)) is expected


def test_open_notional_beyond_64_bits_still_counts(engine_for, market) -> None:
    # 2e19 base units already open: the quiet path cannot hold the sum, the full checks can
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_open_notional=BEYOND_64_BITS_USD * 3)))
    rest(risk, qty(BTC, "333333333"), "60000")  # about 2e13 USD

    assert reason(risk.check_order(order("100000000", "60000"), market, 0)) is None
    assert reason(risk.check_order(order("200000000", "60000"), market, 0)) is (
        R.RISK_CREDIT_OPEN_NOTIONAL)


def test_position_notional_beyond_64_bits_is_valued_exactly(engine_for, market) -> None:
    limit = BEYOND_64_BITS_USD * 2  # 2e13 USD
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_position_notional=limit)))
    hold(risk, qty(BTC, "300000000"))  # 1.8e13 USD long

    assert reason(risk.check_order(order("30000000", "60000"), market, 0)) is None
    assert reason(risk.check_order(order("40000000", "60000"), market, 0)) is (
        R.RISK_CREDIT_POSITION_NOTIONAL)


def test_collar_follows_the_reference_price(engine_for, market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(5))))
    at_63000 = order("1", "63000")

    assert reason(risk.check_order(at_63000, market, 0)) is None
    market.last[BTC.symbol] = px(BTC, "50000")
    assert reason(risk.check_order(at_63000, market, 0)) is R.RISK_PRICE_COLLAR
    assert reason(risk.check_order(order("1", "52500"), market, 0)) is None
    market.last[BTC.symbol] = px(BTC, "60000")
    assert reason(risk.check_order(at_63000, market, 0)) is None


def test_collar_of_a_sell_follows_the_reference_price(engine_for, market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(collar_pct=D(5))))
    market.last[BTC.symbol] = px(BTC, "40000")

    assert reason(risk.check_order(order("1", "38000", Side.SELL), market, 0)) is None
    assert reason(risk.check_order(order("1", "37999.99", Side.SELL), market, 0)) is (
        R.RISK_PRICE_COLLAR)


def test_a_worst_case_at_the_edge_of_64_bits_still_counts(engine_for, market) -> None:
    # lo = position - open sells is -2^63 exactly: its negation is beyond a C long long
    risk = engine_for(make_limits(
        account_defaults=AccountLimits(max_position_notional=D(1000))))
    eth = risk.leg("CLIENT1", ETH.symbol)  # set by hand: no open notional to overflow first
    eth.add_position(-(2**62))
    eth.add_open(False, 2**62)
    eth.add_open(True, 2**62)

    assert reason(risk.check_order(order("0.0001", "60000"), market, 0)) is (
        R.RISK_CREDIT_POSITION_NOTIONAL)


@pytest.mark.parametrize("ticks", [0, -1])
def test_a_reference_price_of_less_than_a_tick_is_refused(engine_for, ticks) -> None:
    risk = engine_for()

    with pytest.raises(ValueError, match="at least one tick"):
        risk.set_reference_price(BTC.symbol, ticks)


def _trade(engine: MatchingEngine, price: str, tag: str) -> None:
    engine.handle(order("0.1", price, side=Side.SELL, cl_ord_id=f"s{tag}"))
    engine.handle(order("0.1", price, cl_ord_id=f"b{tag}"))


def test_last_trades_reads_the_engines_last_trade_as_it_changes() -> None:
    engine, risk = matching_and_risk()
    trades = LastTrades()
    btc = risk.leg("CLIENT1", BTC.symbol)

    assert trades.of(engine, btc) is None
    _trade(engine, "60000", "1")
    assert trades.of(engine, btc) == px(BTC, "60000")
    _trade(engine, "61000", "2")
    assert trades.of(engine, btc) == px(BTC, "61000")


def test_last_trades_asks_another_engine_or_market_for_its_own_prices() -> None:
    engine, risk = matching_and_risk()
    other, _ = matching_and_risk()
    trades = LastTrades()
    btc = risk.leg("CLIENT1", BTC.symbol)
    _trade(engine, "60000", "1")
    trades.of(engine, btc)

    assert trades.of(other, btc) is None  # not the first engine's book
    assert trades.of(StubMarket(last={BTC.symbol: 7}), btc) == 7
    assert trades.of(engine, btc) == px(BTC, "60000")


def test_last_trades_reads_the_instrument_of_the_leg_it_is_given() -> None:
    # Legs of two risk engines may carry the same number for different instruments.
    engine, risk = matching_and_risk()
    other_risk = RiskEngine(make_limits(), {ETH.symbol: ETH, BTC.symbol: BTC}, REFERENCE)
    btc = risk.leg("CLIENT1", BTC.symbol)
    eth = other_risk.leg("CLIENT1", ETH.symbol)
    assert btc.number == eth.number
    engine.handle(order("1", "3000", side=Side.SELL, inst=ETH, cl_ord_id="s"))
    engine.handle(order("1", "3000", inst=ETH, cl_ord_id="b"))
    trades = LastTrades()

    assert trades.of(engine, btc) is None
    assert trades.of(engine, eth) == px(ETH, "3000")
    assert trades.of(engine, btc) is None


def _quietly(risk: RiskEngine, cmd, market) -> bool:  # type: ignore[no-untyped-def]
    """passes_quietly's answer, held to check_order's: a leg only for an order check_order
    passes exactly as sent, with nothing to warn of, and then the same leg."""
    leg = risk.passes_quietly(cmd, market)
    if leg is not None:
        decision = risk.check_order(cmd, market, 0)
        assert (decision.denial, decision.warnings, decision.cmd) == (None, (), cmd)
        assert decision.leg is leg is risk.leg(cmd.account, cmd.symbol)
    return leg is not None


def test_an_ordinary_order_passes_quietly_on_its_leg(engine_for, market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(max_order_qty=D(10),
                                                            warn_at=D("0.8"))))

    assert _quietly(risk, order("1", "60000"), market)
    assert _quietly(risk, order("8", "60000", Side.SELL, account="CLIENT2"), market)
    assert _quietly(risk, order("1", "61000", ord_type=OrdType.MARKET), market)


def test_what_check_order_must_add_to_or_word_does_not_pass_quietly(engine_for,
                                                                     market) -> None:
    risk = engine_for(make_limits(defaults=InstrumentLimits(max_order_qty=D(10),
                                                            warn_at=D("0.8"),
                                                            collar_pct=D(5))))

    warned, denied = order("9", "60000"), order("11", "60000")
    assert not _quietly(risk, warned, market)
    assert risk.check_order(warned, market, 0).warnings
    assert not _quietly(risk, denied, market)
    assert reason(risk.check_order(denied, market, 0)) is R.RISK_MAX_QTY
    # a market order without a price gets the collar's edge as its protection price
    priceless = order("1", None, ord_type=OrdType.MARKET)
    assert not _quietly(risk, priceless, market)
    assert risk.check_order(priceless, market, 0).cmd.price == px(BTC, "63000")
    assert not _quietly(risk, order("1", "60000", reduce_only=True), market)
    assert not _quietly(risk, order("1", "60000", ord_type=OrdType.STOP), market)


def test_nothing_passes_quietly_while_reduce_only_orders_may_need_cutting() -> None:
    engine, risk = matching_and_risk()
    risk.reduce_only.track("CLIENT1", BTC.symbol, 99)

    assert not _quietly(risk, order("1", "60000"), engine)
    assert reason(risk.check_order(order("1", "60000"), engine, 0)) is None


def test_nothing_passes_quietly_unless_trading_is_active(engine_for, market) -> None:
    risk = engine_for()
    risk.set_trading_state(TradingScope.instrument(ETH.symbol), TradingState.HALTED, 0, "")

    assert not _quietly(risk, order("1", "60000"), market)
    assert reason(risk.check_order(order("1", "60000"), market, 0)) is None
