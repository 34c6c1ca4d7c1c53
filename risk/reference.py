"""The reference price risk measures orders against: the last trade, else the mid of a
two-sided book, else the price configured for the instrument (changeable while running).

The market is anything with `last_trade_px(symbol)` and `top_of_book(symbol)`; when it is
the matching engine itself, the calls are C calls (compiled). A mid that falls between two
ticks is kept exact as half-ticks: the price is numerator / denominator ticks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cython

from matching.engine import MatchingEngine


def last_trade_px(market: Any, symbol: str) -> int | None:
    """`market.last_trade_px(symbol)`, as a C call when the market is the matching engine."""
    if type(market) is MatchingEngine:
        return cython.cast(MatchingEngine, market).last_trade_px(symbol)
    return market.last_trade_px(symbol)


@cython.final
@cython.cclass
class ReferencePrices:
    """The configured fallback prices (ticks), and the rule that picks the reference."""

    def __init__(self, configured: Mapping[str, int]) -> None:
        self.configured = {}
        for symbol, ticks in configured.items():
            self.set(symbol, ticks)

    def of(self, market: Any, symbol: str) -> tuple[int, int, str] | None:
        """(numerator, denominator, source) of the reference price now; None if none."""
        px = last_trade_px(market, symbol)
        if px is not None:
            return px, 1, "last trade"
        if type(market) is MatchingEngine:
            # (typed: its prices are read as C fields, not looked up by name)
            engine_top = cython.cast(MatchingEngine, market).top_of_book(symbol)
            bid_px, ask_px = engine_top.bid_px, engine_top.ask_px
        else:
            top = market.top_of_book(symbol)
            bid_px, ask_px = top.bid_px, top.ask_px
        if bid_px is not None and ask_px is not None:
            return bid_px + ask_px, 2, "mid"
        px = self.configured.get(symbol)
        return (px, 1, "configured") if px is not None else None

    def set(self, symbol: str, ticks: int | None) -> None:
        """Change (or with None remove) the configured price of `symbol`: whole ticks, at
        least one (a price of nothing would leave the collar no room)."""
        if ticks is not None and (isinstance(ticks, bool) or not isinstance(ticks, int)
                                  or ticks < 1):
            raise ValueError(f"reference price of {symbol} must be at least one tick: {ticks}")
        if ticks is None:
            self.configured.pop(symbol, None)
        else:
            self.configured[symbol] = ticks
