"""Builders for the matching-core tests: one instrument, an engine, commands in few words.

Prices are ticks and quantities lots, as the core sees them: with tick 0.01 and lot 0.0001,
`px=10_000` is 100.00 and `qty=10` is 0.0010. The account defaults to the owner. No mocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import pytest

from matching.commands import CancelOrder, ReplaceOrder, SubmitOrder
from matching.engine import MatchingEngine
from matching.events import OrderFilled
from matching.model import Instrument, OrdType, Side, StpMode, TimeInForce

SYMBOL = "BTC-USD"
BUY, SELL = Side.BUY, Side.SELL
GTC, DAY, IOC, FOK, GTD = (TimeInForce.GTC, TimeInForce.DAY, TimeInForce.IOC,
                           TimeInForce.FOK, TimeInForce.GTD)
PX = 10_000  # 100.00, a convenient mid price in ticks

E = TypeVar("E")


def btc() -> Instrument:
    return Instrument.create(SYMBOL, "0.01", "0.0001", "0.0001", "1000")


def make_engine(stp: StpMode = StpMode.CANCEL_AGGRESSOR,
                by_account: Mapping[str, StpMode] | None = None) -> MatchingEngine:
    return MatchingEngine([btc()], stp_default=stp, stp_by_account=by_account)


@pytest.fixture
def engine() -> MatchingEngine:
    """BTC-USD, tick 0.01, lot 0.0001, min 0.0001, max 1000; STP cancels the aggressor."""
    return make_engine()


# -- command builders ------------------------------------------------------------------------


def limit(owner: str, cl: str, side: Side, qty: int, px: int, **kw: Any) -> SubmitOrder:
    return _order(owner, cl, side, OrdType.LIMIT, qty, px, **kw)


def market(owner: str, cl: str, side: Side, qty: int, px: int | None = None,
           **kw: Any) -> SubmitOrder:
    """A market order; `px` is the optional protection price."""
    kw.setdefault("tif", IOC)
    return _order(owner, cl, side, OrdType.MARKET, qty, px, **kw)


def stop(owner: str, cl: str, side: Side, qty: int, stop_px: int, px: int | None = None,
         **kw: Any) -> SubmitOrder:
    """A stop (market) order, or a stop-limit when `px` is given."""
    ord_type = OrdType.STOP if px is None else OrdType.STOP_LIMIT
    return _order(owner, cl, side, ord_type, qty, px, stop_price=stop_px, **kw)


def _order(owner: str, cl: str, side: Side, ord_type: OrdType, qty: int, px: int | None, *,
           account: str | None = None, tif: TimeInForce = GTC, ts: int = 0,
           symbol: str = SYMBOL, **kw: Any) -> SubmitOrder:
    return SubmitOrder(owner, owner if account is None else account, cl, symbol, side,
                       ord_type, tif, qty, px, ts, **kw)


def cancel(owner: str, cl: str, orig: str | None, order_id: int | None = None,
           ts: int = 0, **kw: Any) -> CancelOrder:
    return CancelOrder(owner, cl, orig, order_id, ts, **kw)


def replace(owner: str, cl: str, orig: str | None, qty: int, px: int | None,
            order_id: int | None = None, ts: int = 0, **kw: Any) -> ReplaceOrder:
    return ReplaceOrder(owner, cl, orig, order_id, qty, px, ts, **kw)


# -- event helpers ---------------------------------------------------------------------------


def of(events: Iterable[object], cls: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, cls)]


def one(events: Iterable[object], cls: type[E]) -> E:
    found = of(events, cls)
    assert len(found) == 1, f"expected one {cls.__name__}, got {found}"
    return found[0]


def trades(events: Iterable[object]) -> list[tuple[int, int, int, int]]:
    """(maker order id, taker order id, last_px, last_qty) per trade, in order."""
    return [(e.order_id, e.contra_order_id, e.last_px, e.last_qty)
            for e in of(events, OrderFilled) if not e.aggressor]


def run(engine: MatchingEngine, *cmds: object) -> list:
    """Apply commands in order and return all their events."""
    events: list = []
    for cmd in cmds:
        events.extend(engine.handle(cmd))
    return events


def oid(engine: MatchingEngine, owner: str, cl: str) -> int:
    order = engine.order_by_clordid(owner, cl)
    assert order is not None, (owner, cl)
    return order.order_id
