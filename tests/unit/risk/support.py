"""Builders for the risk tests: two instruments, a stub market, orders, limits, positions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from matching.commands import SubmitOrder
from matching.engine import MatchingEngine, TopOfBook
from matching.events import OrderAccepted, OrderFilled
from matching.model import Instrument, OrdStatus, OrdType, Side, StpMode, TimeInForce
from risk.engine import RiskDecision, RiskEngine
from risk.limits import AccountLimits, InstrumentLimits, RiskLimits

BTC = Instrument.create("BTC-USD", "0.01", "0.0001")
ETH = Instrument.create("ETH-USD", "0.01", "0.001")
INSTRUMENTS = {BTC.symbol: BTC, ETH.symbol: ETH}
REFERENCE = {BTC.symbol: BTC.price_to_ticks("60000"), ETH.symbol: ETH.price_to_ticks("3000")}


@dataclass
class StubMarket:
    """What risk reads of the market, set by hand."""

    last: dict[str, int] = field(default_factory=dict)
    tops: dict[str, TopOfBook] = field(default_factory=dict)

    def last_trade_px(self, symbol: str) -> int | None:
        return self.last.get(symbol)

    def top_of_book(self, symbol: str) -> TopOfBook:
        return self.tops.get(symbol, TopOfBook(None, 0, None, 0))


def px(inst: Instrument, price: str) -> int:
    return inst.price_to_ticks(price)


def qty(inst: Instrument, quantity: str) -> int:
    return inst.qty_to_lots(quantity)


def order(quantity: str, price: str | None = "60000", side: Side = Side.BUY,
          inst: Instrument = BTC, account: str = "CLIENT1", ord_type: OrdType = OrdType.LIMIT,
          reduce_only: bool = False, cl_ord_id: str = "cl",
          poss_resend: bool = False) -> SubmitOrder:
    tif = TimeInForce.GTC if ord_type is OrdType.LIMIT else TimeInForce.IOC
    return SubmitOrder("C1", account, cl_ord_id, inst.symbol, side, ord_type, tif,
                       inst.qty_to_lots(quantity),
                       inst.price_to_ticks(price) if price is not None else None, 0,
                       reduce_only=reduce_only, poss_resend=poss_resend)


def make_limits(defaults: InstrumentLimits = InstrumentLimits(),
                instruments: dict[str, InstrumentLimits] | None = None,
                account_defaults: AccountLimits = AccountLimits(),
                accounts: dict[str, AccountLimits] | None = None, **kw: object) -> RiskLimits:
    accounts = {"CLIENT1": AccountLimits(), "CLIENT2": AccountLimits(), **(accounts or {})}
    return RiskLimits(defaults=defaults, instruments=instruments or {},
                      account_defaults=account_defaults, accounts=accounts, **kw)  # type: ignore


def matching_and_risk(**limits: object) -> tuple[MatchingEngine, RiskEngine]:
    """A real matching engine (STP off) over both instruments and a risk engine over it,
    with make_limits(**limits) and the reference prices above."""
    engine = MatchingEngine(INSTRUMENTS.values(), stp_default=StpMode.OFF)
    return engine, RiskEngine(make_limits(**limits), engine.instruments, REFERENCE)


_ids = itertools.count(1000)


def hold(risk: RiskEngine, lots: int, inst: Instrument = BTC, account: str = "CLIENT1",
         price: str = "60000") -> None:
    """Give `account` a position of `lots` (signed) through one fully filled order."""
    side = Side.BUY if lots > 0 else Side.SELL
    size, ticks, oid = abs(lots), inst.price_to_ticks(price), next(_ids)
    common = (oid, "C1", account, f"h{oid}", None, inst.symbol, side, OrdType.LIMIT,
              TimeInForce.GTC, ticks, None, size)
    risk.apply([
        OrderAccepted(next(_ids), *common, 0, size, 0, OrdStatus.NEW, 0, None),
        OrderFilled(next(_ids), *common, size, 0, size * ticks, OrdStatus.FILLED, 0, None,
                    last_qty=size, last_px=ticks, trade_id=1, aggressor=True),
    ])


def rest(risk: RiskEngine, lots: int, price: str, side: Side = Side.BUY,
         inst: Instrument = BTC, account: str = "CLIENT1") -> int:
    """An open order of `lots` at `price`, as the matching engine reports it; its id."""
    oid, ticks = next(_ids), inst.price_to_ticks(price)
    risk.apply([OrderAccepted(next(_ids), oid, "C1", account, f"r{oid}", None, inst.symbol,
                              side, OrdType.LIMIT, TimeInForce.GTC, ticks, None, lots, 0, lots,
                              0, OrdStatus.NEW, 0, None)])
    return oid


def reason(decision: RiskDecision) -> object:
    return decision.denial.reason if decision.denial else None
