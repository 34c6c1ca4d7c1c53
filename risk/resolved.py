"""The limits of one (account, instrument), resolved and converted to exact integers once.

Quantities become lots, order notionals tick x lot units, account notionals the currency's
base unit (risk/exposure.py), each hard limit floored (a whole-unit value v is within
L exactly when v <= floor(L)) and its soft threshold floor(L x warn_at). Each limit keeps
the phrase naming it and where it came from, for the reject Text. No checks here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from matching.model import Instrument
from risk.exposure import Units, money, plain
from risk.limits import RiskLimits


@dataclass(frozen=True, slots=True)
class Limit:
    """A hard limit in integer units, its soft threshold, and its name for messages."""

    hard: int
    warn: int | None  # warn when the value is above this (None: no soft limit)
    text: str  # e.g. "max order notional 1000000.00 USD for account CLIENT1"
    quiet: int  # at or below this neither denies nor warns: the common case, one compare

    @staticmethod
    def of(hard: int, warn: int | None, text: str) -> Limit:
        return Limit(hard, warn, text, hard if warn is None else min(hard, warn))


@dataclass(frozen=True, slots=True)
class Resolved:
    account: str
    symbol: str
    inst: Instrument
    units: Units
    allowed: bool
    warn_text: str  # the soft-limit fraction as a percentage, e.g. "80%"
    max_qty: Limit | None  # lots
    max_notional: Limit | None  # tick x lot units
    has_collar: bool
    collar_num: int  # the percent band as a fraction of the reference: 5% -> 1/20;
    collar_den: int  # 0/1 when only collar_ticks is set
    collar_ticks: int | None
    collar_text: str  # e.g. "5% or 10 ticks"
    collar_at: str  # where the collar came from, e.g. "BTC-USD"
    max_position: Limit | None  # lots, worst-case absolute net
    max_open_orders: Limit | None
    max_open_notional: Limit | None  # currency base units
    max_position_notional: Limit | None  # currency base units


def resolve(limits: RiskLimits, account: str, inst: Instrument, units: Units) -> Resolved:
    """Resolve every limit for `account` trading `inst` (see risk/limits.py for the order)."""
    symbol = inst.symbol

    def order(name: str) -> tuple[object, str]:
        return limits.order_limit(name, account, symbol)

    warn_at, _ = order("warn_at")
    w = Fraction(warn_at) if warn_at is not None else None
    base, quote = units.base, units.quote
    tick_lot = Fraction(inst.tick * inst.lot)
    allowed = limits.account_limit("allowed", account)

    def limit(name: str, value: object, where: str, unit: Fraction, shown: str) -> Limit | None:
        if value is None:
            return None
        exact = Fraction(value) / unit  # type: ignore[arg-type]
        warn = math.floor(exact * w) if w is not None else None
        return Limit.of(math.floor(exact), warn, f"{name} {shown} for {where}")

    def account_money(name: str, field: str) -> Limit | None:
        value = limits.account_limit(field, account)
        shown = f"{money(Decimal(value))} {quote}" if value is not None else ""
        return limit(name, value, f"account {account}", Fraction(1, units.scale), shown)

    qty, qty_at = order("max_order_qty")
    notional, notional_at = order("max_order_notional")
    position, position_at = order("max_position")
    pct, pct_at = order("collar_pct")
    ticks, ticks_at = order("collar_ticks")
    open_orders = limits.account_limit("max_open_orders", account)
    collar = Fraction(pct) / 100 if pct is not None else Fraction(0)  # type: ignore[arg-type]
    return Resolved(
        account=account, symbol=symbol, inst=inst, units=units,
        allowed=allowed is None or symbol in allowed,
        warn_text=f"{plain(Decimal(warn_at) * 100)}%" if warn_at is not None else "",
        max_qty=limit("max order quantity", qty, qty_at, Fraction(inst.lot),
                      f"{plain(qty) if qty is not None else ''} {base}"),
        max_notional=limit("max order notional", notional, notional_at, tick_lot,
                           f"{money(notional)} {quote}" if notional is not None else ""),
        has_collar=pct is not None or ticks is not None,
        collar_num=collar.numerator, collar_den=collar.denominator,
        collar_ticks=ticks,  # type: ignore[arg-type]
        collar_text=_collar_text(pct, ticks),
        collar_at=pct_at if pct is not None else ticks_at,
        max_position=limit("position limit", position, position_at, Fraction(inst.lot),
                           f"{plain(position) if position is not None else ''} {base}"),
        max_open_orders=limit("max open orders", open_orders, f"account {account}",
                              Fraction(1), str(open_orders)),
        max_open_notional=account_money("max open notional", "max_open_notional"),
        max_position_notional=account_money("max position notional", "max_position_notional"),
    )


def _collar_text(pct: object, ticks: object) -> str:
    parts = [f"{plain(pct)}%" if pct is not None else "",
             f"{ticks} ticks" if ticks is not None else ""]
    return " or ".join(p for p in parts if p)
