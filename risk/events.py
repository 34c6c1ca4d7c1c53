"""Trading-state vocabulary and the events risk control emits when an operator changes it.

The caller logs and (once persistence exists) persists these events; nothing here does I/O.
Order denials are not events of this module: the caller turns a `Denial` into its reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TradingState(Enum):
    """Kill switch, from least to most restrictive (see SEVERITY)."""

    ACTIVE = "active"
    REDUCE_ONLY = "reduce_only"  # only orders that reduce the position pass
    HALTED = "halted"  # no new orders, no replaces except pure quantity reductions


SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCE_ONLY: 1, TradingState.HALTED: 2}


class ScopeKind(Enum):
    GLOBAL = "global"
    INSTRUMENT = "instrument"
    ACCOUNT = "account"


@dataclass(frozen=True, slots=True)
class TradingScope:
    """Where a trading state applies: everything, one instrument, or one account."""

    kind: ScopeKind
    name: str | None = None  # symbol or account; None for GLOBAL

    @staticmethod
    def everything() -> TradingScope:
        return TradingScope(ScopeKind.GLOBAL)

    @staticmethod
    def instrument(symbol: str) -> TradingScope:
        return TradingScope(ScopeKind.INSTRUMENT, symbol)

    @staticmethod
    def account(account: str) -> TradingScope:
        return TradingScope(ScopeKind.ACCOUNT, account)

    def __post_init__(self) -> None:
        if (self.kind is ScopeKind.GLOBAL) != (self.name is None):
            raise ValueError(f"scope {self.kind.value} with name {self.name!r}")

    def __str__(self) -> str:
        return "global" if self.name is None else f"{self.kind.value} {self.name}"


@dataclass(frozen=True, slots=True)
class TradingStateChanged:
    """An operator set a trading state (logged; no FIX message)."""

    scope: TradingScope
    old: TradingState
    new: TradingState
    reason: str
    ts_ns: int


@dataclass(frozen=True, slots=True)
class LimitChanged:
    """An operator changed one limit while running (logged; no FIX message).

    `level` is "defaults", "account_defaults", "instrument S", "account A" or
    "account A on S"; `old`/`new` are the field values, None meaning not set there.
    """

    level: str
    name: str
    old: object
    new: object
    ts_ns: int
