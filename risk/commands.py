"""Operator controls of pre-trade risk, as commands: journaled and replayed like orders, so a
restart rebuilds the same trading states and limits. Built by the gateway's admin functions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from risk.events import TradingScope, TradingState


@dataclass(slots=True)
class SetTradingState:
    """Set the kill switch of a scope (global, instrument or account)."""

    scope: TradingScope
    state: TradingState
    reason: str
    ts_ns: int


@dataclass(slots=True)
class SetLimit:
    """Change one limit at one level while running (see RiskEngine.set_limit)."""

    name: str
    value: Decimal | int | frozenset[str] | None
    ts_ns: int
    account: str | None = None
    symbol: str | None = None
    account_defaults: bool = False
