"""Risk's quiet path: is every check of an allowed (account, instrument) below its quiet level?

Most orders are far inside every limit. For them the engine asks this module one question
and gets one integer back, without assembling an OrderCheck or wording anything. Each
check of risk/checks.py that can apply to an allowed pair with trading active and no
reduce-only is restated as "is the value at or below the limit's quiet level" (neither
denies nor warns there). Any doubt answers FULL, and the full checks decide and word it.

Compiled, the arithmetic runs on C long longs with overflow checks (quiet.pxd). A value
beyond their range raises OverflowError, and that too answers FULL. So the answer is exact
either way: QUIET is only ever given when it is true on unbounded integers. A limit beyond
the range is held as NO_LIMIT, which no value computed without overflow can exceed.
"""

from __future__ import annotations

from typing import Any

import cython

from matching.book import OrderBook
from matching.engine import MatchingEngine
from matching.model import collar_edges
from risk.exposure import Leg
from risk.reference import ReferencePrices, last_trade_px
from risk.resolved import Limit, Resolved

NO_LIMIT = 2**63 - 1  # the largest C long long: a limit not set, or beyond the range
FULL = -1  # quiet_edge's answer: take the full checks
NO_EDGE = 0  # quiet_edge's answer: quiet, and no collar to give a priceless order


@cython.final
@cython.cclass
class Band:
    """One collar setting on one instrument: its edges around the reference price last
    seen, recomputed (`collar_edges`, exact) only when the reference moves. Shared by
    every pair with that setting on that instrument, so a trade recomputes it once."""

    def __init__(self, pct_num: int, pct_den: int, ticks: int | None) -> None:
        self.pct_num = pct_num
        self.pct_den = pct_den
        self.ticks = ticks
        self.valid = False  # n, d, lo and hi are set
        self.n = 0  # the reference is n/d ticks
        self.d = 1
        self.lo = 0
        self.hi = 0

    def move(self, n: int, d: int) -> None:
        """The edges around n/d ticks (OverflowError, compiled, beyond the range)."""
        lo, hi = collar_edges(n, d, self.pct_num, self.pct_den, self.ticks)
        self.valid = False  # until every value below is stored
        self.lo, self.hi, self.n, self.d = lo, hi, n, d
        self.valid = True


@cython.final
@cython.cclass
class Quiet:
    """What the quiet path needs of one allowed (account, instrument): its exposure records
    and the quiet level of each limit in the limit's own unit (NO_LIMIT: not set)."""

    def __init__(self, r: Resolved, leg: Leg, band: Band | None) -> None:
        self.leg = leg
        self.account = leg.account
        self.credit = leg.credit
        self.band = band
        self.k = leg.k  # base units per tick x lot
        self.max_qty = _level(r.max_qty)  # lots
        self.max_notional = _level(r.max_notional)  # tick x lot units
        self.max_open_orders = _level(r.max_open_orders)
        self.max_open_notional = _level(r.max_open_notional)  # base units
        self.max_position = _level(r.max_position)  # lots
        self.max_position_notional2 = _level(r.max_position_notional, 2)  # half base units
        # Only a limit not set may be skipped: one beyond the range is NO_LIMIT too, but
        # its value must still be computed (an overflow answers FULL).
        self.values_positions = r.max_position_notional is not None


def _level(lim: Limit | None, times: int = 1) -> int:
    if lim is None:
        return NO_LIMIT
    return min(lim.quiet * times, NO_LIMIT)


@cython.final
@cython.cclass
class LastTrades:
    """The last trade price of each exposure leg's instrument. The quiet path values every
    instrument an order's account holds, and a lookup by symbol in the market for each cost
    more than the valuation itself. So the matching engine's book of a leg's instrument is
    found once (by symbol) and then read by reference, for as long as the market is the
    same engine; any other market is asked by symbol every time."""

    def __init__(self) -> None:
        self.engine: MatchingEngine | None = None
        self.books: list[OrderBook | None] = []  # by Leg.number, for the leg in `legs` there
        self.legs: list[Leg | None] = []

    @cython.boundscheck(False)  # n is checked against the lists' length below
    @cython.wraparound(False)
    def of(self, market: Any, leg: Leg) -> int | None:
        """`market.last_trade_px(leg.symbol)`."""
        if type(market) is not MatchingEngine or leg.number < 0:
            return last_trade_px(market, leg.symbol)
        if market is not self.engine:  # another engine: none of the books found is its
            self.engine = market
            self.books = []
            self.legs = []
        n = leg.number
        if n >= len(self.legs) or self.legs[n] is not leg:
            self._find(market, leg)
        book = cython.cast(OrderBook, self.books[n])  # compiled: no type test; set by _find
        return book.last_px

    def _find(self, engine: MatchingEngine, leg: Leg) -> None:
        n = leg.number
        while len(self.legs) <= n:
            self.books.append(None)
            self.legs.append(None)
        self.books[n] = engine.book(leg.symbol)
        self.legs[n] = leg


def quiet_of(r: Resolved, leg: Leg, bands: dict[tuple[str, int, int, int | None], Band]
             ) -> Quiet | None:
    """The quiet-path record of an allowed pair; None if not allowed (every order of it takes
    the full checks, which deny it). `bands` shares one Band per setting and instrument."""
    if not r.allowed or leg.k > NO_LIMIT:
        return None  # (an absurd tick x lot that no notional could be computed with)
    band = None
    if r.has_collar:
        key = (r.symbol, r.collar_num, r.collar_den, r.collar_ticks)
        band = bands.get(key)
        if band is None:
            band = bands[key] = Band(r.collar_num, r.collar_den, r.collar_ticks)
    return Quiet(r, leg, band)


def quiet_edge(q: Quiet, market: Any, prices: ReferencePrices, trades: LastTrades,
               is_buy: bool, order_qty: int, qty: int, price: int | None,
               limit_price: int | None, opens_order: bool, freed_lots: int,
               freed_px: int) -> int:
    """FULL, or quiet: then the collar's edge on the order's side (NO_EDGE without a collar).

    `order_qty` is the OrderQty (per-order limits), `qty` what the order adds to the open
    exposure, `price` the ticks it is valued at (None: a market order, valued at the collar
    edge, else the reference rounded against the client), `limit_price` a price the client
    gave (the collar applies to it); a replace frees `freed_lots` at `freed_px` ticks.
    The instrument is q's; `trades` reads last trade prices for `market`."""
    n = trades.of(market, q.leg)
    d = 1
    if n is None:
        ref = prices.of(market, q.leg.symbol)
        if ref is None:
            return FULL  # fail closed: the full checks deny it, naming why
        n, d = ref[0], ref[1]
    try:
        return _edge(q, market, prices, trades, is_buy, order_qty, qty,
                     price is not None, 0 if price is None else price,
                     limit_price is not None, 0 if limit_price is None else limit_price,
                     opens_order, freed_lots, freed_px, n, d)
    except OverflowError:  # compiled only: a value beyond a C long long
        return FULL


@cython.overflowcheck(True)
def _edge(q: Quiet, market: Any, prices: ReferencePrices, trades: LastTrades, is_buy: bool,
          order_qty: int, qty: int, has_price: bool, price: int, has_limit: bool,
          limit_price: int, opens_order: bool, freed_lots: int, freed_px: int, n: int,
          d: int) -> int:
    """quiet_edge on integers, the reference price n/d ticks known. Exposure is read from
    its 64-bit fields (a leg or credit beyond them answers FULL). Negations are written
    `0 - x`: Cython checks a subtraction for overflow, not a unary minus."""
    if order_qty > q.max_qty:
        return FULL
    edge = NO_EDGE
    band = q.band
    if band is not None:
        if not band.valid or band.n != n or band.d != d:
            band.move(n, d)
        if has_limit and not band.lo <= limit_price <= band.hi:
            return FULL
        edge = band.hi if is_buy else band.lo
    if not has_price:  # valued at the collar edge, else the reference against the client
        price = edge if edge != NO_EDGE else 0 - (0 - n) // d  # ceil(n / d)
    if order_qty * price > q.max_notional:
        return FULL
    open_orders = q.account.open_orders
    if opens_order and open_orders >= q.max_open_orders:
        return FULL
    credit = q.credit
    leg = q.leg
    if not (credit.narrow and leg.narrow):
        return FULL  # exposure beyond 64 bits: the full checks take it on exact integers
    open_notional = credit.open_notional64
    if open_notional + (qty * price - freed_lots * freed_px) * q.k > q.max_open_notional:
        return FULL
    position, open_buy, open_sell = leg.position64, leg.open_buy64, leg.open_sell64
    hi, lo = position + open_buy, position - open_sell  # worst cases, each side
    if is_buy:
        after_hi, after_lo = hi - freed_lots + qty, lo
    else:
        after_hi, after_lo = hi, lo + freed_lots - qty
    after = after_hi if is_buy else after_lo
    if after > q.max_position or after < 0 - q.max_position:
        return FULL
    if q.values_positions:
        before = max(0 - lo, hi)
        after = max(0 - after_lo, after_hi)
        if after > before:  # else it adds nothing to the worst case
            others = _others_value(leg, market, prices, trades)
            if others < 0 or others + after * n * q.k * (2 // d) > q.max_position_notional2:
                return FULL
    return edge


@cython.overflowcheck(True)
def _others_value(leg: Leg, market: Any, prices: ReferencePrices, trades: LastTrades) -> int:
    """risk.checks.others_value on integers: the worst-case value of the account's other
    legs in the same currency, in half base units; -1 if one has no reference price, or
    exposure or a tick x lot beyond 64 bits."""
    total = 0
    for item in leg.credit.legs:
        other = cython.cast(Leg, item)  # compiled: no type test; a credit's legs are Legs
        if other is leg:
            continue
        if not other.narrow:
            return -1
        position, open_buy, open_sell = other.position64, other.open_buy64, other.open_sell64
        hi, lo = position + open_buy, position - open_sell
        worst = max(0 - lo, hi)
        if worst == 0:
            continue
        px = trades.of(market, other)
        if px is not None:
            n, d = px, 1
        else:
            ref = prices.of(market, other.symbol)
            if ref is None:
                return -1
            n, d = ref[0], ref[1]
        k = other.k64
        if k == 0:
            return -1  # a tick x lot beyond 64 bits: the full checks value it exactly
        total += worst * n * k * (2 // d)
    return total
