"""Pre-trade checks: one small function per control, run in the fixed order of `CHECKS`.

Each takes the `OrderCheck` the risk engine assembled and returns a `Denial` naming the
value and the limit, or None; a check that passes a soft limit appends a warning instead.
A check that lacks its inputs denies (fail closed). Checks read state, never change it, and
do not know where the limits or the market data came from (risk/engine.py does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from typing import Any

from matching.reasons import RejectReason
from risk.events import TradingState
from risk.exposure import Leg, money, plain, units_text
from risk.reference import last_trade_px
from risk.resolved import Limit, Resolved

_ACTIVE, _HALTED = TradingState.ACTIVE, TradingState.HALTED
# (market, symbol) -> (numerator, denominator, source) of a reference price in ticks, or None
Reference = Callable[[Any, str], "tuple[int, int, str] | None"]


@dataclass(frozen=True, slots=True)
class Denial:
    """Why risk refused: the coded reason (FIX OrdRejReason) and the Text naming value and limit."""

    reason: RejectReason
    text: str


@dataclass(slots=True, eq=False)
class OrderCheck:
    """Everything the checks need about one order (or one replace), assembled by the engine.

    `qty` is what the order adds to open exposure (a replace: its new leaves, with its old
    leaves in `freed_*`); `order_qty` is its OrderQty, for the per-order limits.
    """

    account: str
    symbol: str
    is_buy: bool
    order_qty: int
    qty: int
    price: int | None  # ticks the notional is taken at (market: its protection price)
    limit_price: int | None  # a price the client gave, which the collar applies to
    reduce_only: bool
    opens_order: bool  # one more open order: a new order that may rest or wait as a stop
    account_known: bool
    r: Resolved | None  # None: instrument unknown to risk
    leg: Leg | None  # None when r is None
    state: TradingState
    state_scope: str  # the scope whose state applies, e.g. "instrument BTC-USD"
    ref: int | None = None  # reference price in ticks is ref / ref_den (a mid: half ticks)
    ref_den: int = 1
    ref_source: str = ""
    band: tuple[int, int] | None = None  # collar: lowest and highest price in ticks
    market: Any = None  # to value the account's other instruments ...
    reference: Reference | None = None  # ... when they have no last trade
    freed_lots: int = 0
    freed_units: int = 0
    warnings: list[str] | None = None  # soft-limit warnings; the list is made on the first
    missing: str = ""  # the symbol a valuation lacked a reference price for

    def warn(self, text: str) -> None:
        if self.warnings is None:
            self.warnings = []
        self.warnings.append(text)


# -- identity and state -----------------------------------------------------------------------


def check_account(c: OrderCheck) -> Denial | None:
    if not c.account_known:
        return Denial(RejectReason.RISK_UNKNOWN_ACCOUNT, f"unknown account {c.account}")
    return None


def check_instrument(c: OrderCheck) -> Denial | None:
    if c.r is None:
        return Denial(RejectReason.RISK_INSTRUMENT_RESTRICTED,
                      f"instrument {c.symbol} has no risk limits configured")
    if not c.r.allowed:
        return Denial(RejectReason.RISK_INSTRUMENT_RESTRICTED,
                      f"account {c.account} may not trade {c.symbol}")
    return None


def check_trading_state(c: OrderCheck) -> Denial | None:
    if c.state is _ACTIVE:
        return None
    if c.state is _HALTED:
        return Denial(RejectReason.RISK_HALTED, f"trading halted ({c.state_scope})")
    if not _reduces(c):
        return Denial(RejectReason.RISK_REDUCE_ONLY,
                      f"trading is reduce-only ({c.state_scope}): {_not_reducing(c)}")
    return None


def check_reduce_only(c: OrderCheck) -> Denial | None:
    if c.reduce_only and not _reduces(c):
        return Denial(RejectReason.RISK_REDUCE_ONLY, f"reduce-only order: {_not_reducing(c)}")
    return None


def _reduces(c: OrderCheck) -> bool:
    """Would the order only reduce the position, even if all same-side orders filled?"""
    leg = c.leg
    assert leg is not None
    p = leg.position
    if c.is_buy:
        return p < 0 and p + leg.open_buy - c.freed_lots + c.qty <= 0
    return p > 0 and p - leg.open_sell + c.freed_lots - c.qty >= 0


def _not_reducing(c: OrderCheck) -> str:
    assert c.r is not None and c.leg is not None
    inst, base, leg = c.r.inst, c.r.units.base, c.leg
    side, same = ("buy", leg.open_buy) if c.is_buy else ("sell", leg.open_sell)
    same -= c.freed_lots
    return (f"{side} {inst.qty_text(c.qty)} {base} does not reduce position "
            f"{_signed_qty(c, leg.position)} {base} (open {side}s {inst.qty_text(same)} {base})"
            f" without flipping it")


# -- per order --------------------------------------------------------------------------------


def check_max_qty(c: OrderCheck) -> Denial | None:
    lim = c.r.max_qty  # type: ignore[union-attr]
    if lim is None or c.order_qty <= lim.quiet:
        return None
    return _over(c, lim, c.order_qty, 0, RejectReason.RISK_MAX_QTY, _quantity_text)


def check_reference(c: OrderCheck) -> Denial | None:
    if c.ref is None:
        return Denial(RejectReason.RISK_NO_REFERENCE_PRICE,
                      f"no reference price for {c.symbol}: no last trade, no two-sided book "
                      f"and none configured")
    return None


def check_collar(c: OrderCheck) -> Denial | None:
    band, price = c.band, c.limit_price
    if band is None or price is None or band[0] <= price <= band[1]:
        return None
    assert c.r is not None and c.ref is not None
    inst, quote = c.r.inst, c.r.units.quote
    ref = Decimal(c.ref) * inst.tick / c.ref_den
    return Denial(RejectReason.RISK_PRICE_COLLAR,
                  f"price {inst.price_text(price)} {quote} outside collar "
                  f"{inst.price_text(band[0])}..{inst.price_text(band[1])} {quote} "
                  f"({c.r.collar_text} around {c.ref_source} reference {plain(ref)} {quote})"
                  f" for {c.r.collar_at}")


def check_max_notional(c: OrderCheck) -> Denial | None:
    lim = c.r.max_notional  # type: ignore[union-attr]
    if lim is None:
        return None
    value = c.order_qty * c.price  # type: ignore[operator]  # tick x lot units
    if value <= lim.quiet:
        return None
    return _over(c, lim, value, 0, RejectReason.RISK_MAX_NOTIONAL, _notional_text)


# -- per account ------------------------------------------------------------------------------


def check_open_orders(c: OrderCheck) -> Denial | None:
    lim = c.r.max_open_orders  # type: ignore[union-attr]
    if lim is None or not c.opens_order:
        return None
    before = c.leg.account.open_orders  # type: ignore[union-attr]
    if before + 1 <= lim.quiet:
        return None
    return _over(c, lim, before + 1, before, RejectReason.RISK_MAX_OPEN_ORDERS,
                 lambda c, n: f"open orders {n}")


def check_open_notional(c: OrderCheck) -> Denial | None:
    r = c.r
    lim = r.max_open_notional  # type: ignore[union-attr]
    if lim is None:
        return None
    before = c.leg.credit.open_notional  # type: ignore[union-attr]
    after = before - c.freed_units + c.qty * c.price * r.units.k  # type: ignore
    if after <= lim.quiet:
        return None
    return _over(c, lim, after, before, RejectReason.RISK_CREDIT_OPEN_NOTIONAL,
                 lambda c, v: f"open notional {units_text(v, c.r.units)} {c.r.units.quote}")


def check_position(c: OrderCheck) -> Denial | None:
    """Worst-case net position on the order's side: position plus every open buy and this
    one (or minus every open sell and this one), in size."""
    lim = c.r.max_position  # type: ignore[union-attr]
    if lim is None:
        return None
    leg = c.leg
    assert leg is not None
    if c.is_buy:
        before = leg.position + leg.open_buy
        after = before - c.freed_lots + c.qty
    else:
        before = leg.position - leg.open_sell
        after = before + c.freed_lots - c.qty
    if -lim.quiet <= after <= lim.quiet:
        return None
    return _over(c, lim, abs(after), abs(before), RejectReason.RISK_POSITION_LIMIT,
                 lambda c, v: f"worst-case position {_signed_qty(c, after)} {c.r.units.base}")


def check_position_notional(c: OrderCheck) -> Denial | None:
    """Worst-case net position of each instrument (position plus all open buys, or minus
    all open sells, whichever is larger in size), valued at its reference price, summed
    over the account's instruments in the order's quote currency.

    Values are in half base units: a mid reference may be half a tick."""
    r, leg = c.r, c.leg
    assert r is not None and leg is not None
    lim = r.max_position_notional
    if lim is None:
        return None
    add = c.qty - c.freed_lots
    hi, lo = leg.position + leg.open_buy, leg.position - leg.open_sell
    before = hi if hi > -lo else -lo  # hi >= lo, so this is max(|hi|, |lo|)
    if c.is_buy:
        hi += add
    else:
        lo -= add
    after = hi if hi > -lo else -lo
    if after <= before:
        return None  # adds nothing to the worst case: no need to value the rest
    assert c.ref is not None
    per_lot = c.ref * leg.k * (2 // c.ref_den)
    others = _others_value(c, leg)
    if others is None:
        return _no_mark(c)
    before, after = others + before * per_lot, others + after * per_lot
    if after <= 2 * lim.quiet:
        return None
    return _over(c, lim, after, before, RejectReason.RISK_CREDIT_POSITION_NOTIONAL,
                 lambda c, v: f"worst-case position notional "
                              f"{units_text(Decimal(v) / 2, c.r.units)} {c.r.units.quote}",
                 scale=2)


def _others_value(c: OrderCheck, leg: Leg) -> int | None:
    """Worst-case value of the account's other legs in the same currency, in half base
    units; None if one of them has no reference price (c.missing names it)."""
    assert c.reference is not None
    total = others_value(leg, c.market, c.reference)
    if total is None:
        c.missing = _unpriced_other(leg, c.market, c.reference)
    return total


def others_value(leg: Leg, market: Any, reference: Reference) -> int | None:
    """`_others_value` without an OrderCheck: None when a leg with a position or open
    orders has no reference price. (risk/quiet.py restates it on machine integers.)"""
    total = 0
    for other in leg.credit.legs:
        if other is leg:
            continue
        hi = other.position + other.open_buy
        lo = other.position - other.open_sell
        worst = hi if hi > -lo else -lo
        if not worst:
            continue
        px = last_trade_px(market, other.symbol)  # the common case, without a tuple
        if px is not None:
            total += worst * px * other.k * 2
            continue
        ref = reference(market, other.symbol)
        if ref is None:
            return None
        total += worst * ref[0] * other.k * (2 // ref[1])
    return total


def _unpriced_other(leg: Leg, market: Any, reference: Reference) -> str:
    """The first other leg that needs a reference price and has none (denial path only)."""
    for other in leg.credit.legs:
        hi, lo = other.position + other.open_buy, other.position - other.open_sell
        if other is not leg and (hi or lo) and reference(market, other.symbol) is None:
            return other.symbol
    return ""


def _no_mark(c: OrderCheck) -> Denial:
    return Denial(RejectReason.RISK_NO_REFERENCE_PRICE,
                  f"no reference price for {c.missing} to value the positions of "
                  f"account {c.account}")


# -- shared -----------------------------------------------------------------------------------


def _over(c: OrderCheck, lim: Limit, after: int, before: int, reason: RejectReason,
          describe: Callable[[OrderCheck, int], str], scale: int = 1) -> Denial | None:
    """The slow path, once `after` is above a limit's quiet level: deny if above the hard
    limit, else warn; either only if the order raises the value (an order that leaves a
    value above a lowered limit no higher is not denied). `after` and `before` are in
    1/scale of the limit's unit; `describe(c, after)` names the value."""
    if after <= before:
        return None
    if after > lim.hard * scale:
        return Denial(reason, f"{describe(c, after)} exceeds {lim.text}")
    if lim.warn is not None and after > lim.warn * scale:
        assert c.r is not None
        c.warn(f"{describe(c, after)} above {c.r.warn_text} of {lim.text}")
    return None


def _quantity_text(c: OrderCheck, lots: int) -> str:
    assert c.r is not None
    return f"quantity {c.r.inst.qty_text(lots)} {c.r.units.base}"


def _notional_text(c: OrderCheck, value: int) -> str:
    assert c.r is not None
    inst = c.r.inst
    return f"notional {money(Decimal(value) * inst.tick * inst.lot)} {c.r.units.quote}"


def _signed_qty(c: OrderCheck, lots: int) -> str:
    assert c.r is not None
    text = c.r.inst.qty_text(abs(lots))
    return f"-{text}" if lots < 0 else text


CHECKS: tuple[Callable[[OrderCheck], Denial | None], ...] = (
    check_account,
    check_instrument,
    check_trading_state,
    check_reduce_only,
    check_max_qty,
    check_reference,
    check_collar,
    check_max_notional,
    check_open_orders,
    check_open_notional,
    check_position,
    check_position_notional,
)


# Which checks a resolved (account, instrument) needs: a check that cannot deny it (a known
# account, an allowed instrument, a limit set nowhere) is left out of that pair's tuple
# rather than called to return None on every order. Order is kept.
_NEEDS: dict[Callable[[OrderCheck], Denial | None], Callable[[Resolved], bool]] = {
    check_account: lambda r: False,  # r exists only for a known account
    check_instrument: lambda r: not r.allowed,
    check_max_qty: lambda r: r.max_qty is not None,
    check_collar: lambda r: r.has_collar,
    check_max_notional: lambda r: r.max_notional is not None,
    check_open_orders: lambda r: r.max_open_orders is not None,
    check_open_notional: lambda r: r.max_open_notional is not None,
    check_position: lambda r: r.max_position is not None,
    check_position_notional: lambda r: r.max_position_notional is not None,
}


def checks_for(r: Resolved | None) -> tuple[Callable[[OrderCheck], Denial | None], ...]:
    """CHECKS, less those whose limit `r` does not set (all of them when r is None)."""
    if r is None:
        return CHECKS
    return tuple(check for check in CHECKS if _NEEDS.get(check, lambda r: True)(r))
