"""Domain vocabulary of the core: enums, the instrument spec and the order record.

Prices are integer ticks and quantities integer lots; `Instrument` is the one place that
converts an exact decimal string into them. Nothing here knows FIX, a clock or a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation
from enum import Enum, IntEnum

import cython


class Side(IntEnum):
    BUY = 1
    SELL = 2


class _Vocabulary(Enum):
    """Base of the string-valued domain enums: members hash by identity.

    `Enum.__hash__` is a Python-level function (it hashes the member's name) and the engine
    tests set membership of these members several times per command; members are
    singletons compared by identity, so the C-level identity hash is equivalent and about
    five times cheaper. Values, names, equality and ordering of definitions are unchanged.
    """

    __hash__ = object.__hash__


class OrdType(_Vocabulary):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"              # becomes MARKET when triggered
    STOP_LIMIT = "stop_limit"  # becomes LIMIT when triggered


class TimeInForce(_Vocabulary):
    DAY = "day"  # expired by an EndOfDay command
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    GTD = "gtd"  # expired by an AdvanceTime command passing expire_ns


class OrdStatus(_Vocabulary):
    """FIX OrdStatus values the core uses.

    REPLACED exists for FIX 4.2 reports only: in the core a replaced order keeps
    NEW or PARTIALLY_FILLED, as FIX 4.4 reports it.
    """

    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REPLACED = "replaced"
    REJECTED = "rejected"
    EXPIRED = "expired"


class StpMode(_Vocabulary):
    """Self-trade prevention, applied only when two orders of one account would trade."""

    CANCEL_AGGRESSOR = "cancel_aggressor"
    CANCEL_RESTING = "cancel_resting"
    CANCEL_BOTH = "cancel_both"
    DECREMENT_AND_CANCEL = "decrement_and_cancel"
    OFF = "off"


_NEW, _PARTIALLY_FILLED = OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED  # bound once (see engine.py)


def is_live_status(status: OrdStatus) -> bool:
    """Is an order in `status` still working (resting, waiting or trading)? Identity tests:
    compiled, they cost a fraction of a set lookup, and the core asks on every command."""
    return status is _NEW or status is _PARTIALLY_FILLED


LIVE = frozenset(s for s in OrdStatus if is_live_status(s))

# The order lifecycle in one table: (from, to) pairs that may happen. Anything else is a
# programmer error and raises (see Order.set_status).
TRANSITIONS: frozenset[tuple[OrdStatus, OrdStatus]] = frozenset(
    {
        (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED),
        (OrdStatus.NEW, OrdStatus.FILLED),
        (OrdStatus.NEW, OrdStatus.CANCELED),
        (OrdStatus.NEW, OrdStatus.EXPIRED),
        # A replace down to the filled quantity also ends the order as FILLED.
        (OrdStatus.PARTIALLY_FILLED, OrdStatus.FILLED),
        # IOC/market remainder, cancel request, STP, mass cancel after a partial fill.
        (OrdStatus.PARTIALLY_FILLED, OrdStatus.CANCELED),
        (OrdStatus.PARTIALLY_FILLED, OrdStatus.EXPIRED),
    }
)


# The same table as one row per status: the status, then those it may move to. Derived
# from TRANSITIONS, never edited by hand. `set_status` runs on most commands, and finding
# its row and target by identity among a few members costs less than hashing into a dict
# and a set.
_NEXT: tuple[tuple[OrdStatus, ...], ...] = tuple(
    (s, *(b for a, b in TRANSITIONS if a is s)) for s in OrdStatus
)


class IllegalTransition(RuntimeError):
    """An order was asked to move along an edge the lifecycle table does not have."""


class IncrementError(ValueError):
    """A decimal string is not a positive whole multiple of an instrument's increment."""

    def __init__(self, what: str, value: str, increment: Decimal) -> None:
        self.what = what
        self.value = value
        self.increment = increment
        super().__init__(f"{what} {value} not a multiple of {increment}")


# Arithmetic for the texts that name prices, quantities and averages: exact where the default
# context (28 digits) would round a value past 28 digits or fail to quantize it. Inputs have
# at most 28 digits (see _to_units), so their products and quotients stay far within 10,000;
# a quotient that does not end is cut there, far below any decimal a text shows.
EXACT = Context(prec=10_000, Emax=MAX_EMAX, Emin=MIN_EMIN)

# FIX Price/Qty text: digits with an optional point and sign; no exponent, blank or "_",
# all of which Decimal() would otherwise accept.
_PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def _to_units(what: str, text: str, increment: Decimal) -> int:
    if not isinstance(text, str) or _PLAIN_DECIMAL.fullmatch(text) is None:
        raise IncrementError(what, str(text), increment)
    value = Decimal(text)
    if value <= 0:
        raise IncrementError(what, text, increment)
    try:
        units, rest = divmod(value, increment)
    except InvalidOperation:  # quotient beyond the context precision: absurdly large
        raise IncrementError(what, text, increment) from None
    if rest != 0:
        raise IncrementError(what, str(text), increment)
    return int(units)


@cython.cclass
@dataclass(frozen=True)
class Instrument:
    """Tradable instrument. `tick` and `lot` are exact decimal increments."""

    symbol: str
    tick: Decimal
    lot: Decimal
    min_lots: int = 1
    max_lots: int | None = None

    def price_to_ticks(self, text: str) -> int:
        """Exact conversion; raises IncrementError naming value and tick, never rounds."""
        return _to_units("price", text, self.tick)

    def qty_to_lots(self, text: str) -> int:
        return _to_units("quantity", text, self.lot)

    def ticks_to_price(self, ticks: int) -> Decimal:
        return EXACT.multiply(ticks, self.tick)

    def lots_to_qty(self, lots: int) -> Decimal:
        return EXACT.multiply(lots, self.lot)

    def price_text(self, ticks: int) -> str:
        return _plain(EXACT.multiply(ticks, self.tick))

    def qty_text(self, lots: int) -> str:
        return _plain(EXACT.multiply(lots, self.lot))

    def notional_text(self, ticks_lots: int) -> str:
        """A notional (a sum of ticks*lots) in units of the quote currency, exactly."""
        return _plain(EXACT.multiply(EXACT.multiply(ticks_lots, self.tick), self.lot))

    def avg_price_text(self, notional_ticks_lots: int, lots: int, places: int = 10) -> str:
        """Average price (sum of ticks*lots / lots) in price units, rounded half-even to
        `places` decimals from the exact quotient."""
        if lots == 0:
            return "0"
        avg = EXACT.divide(EXACT.multiply(notional_ticks_lots, self.tick), lots)
        return _plain(EXACT.quantize(avg, Decimal(1).scaleb(-places)))

    @staticmethod
    def create(symbol: str, tick: str, lot: str, min_qty: str | None = None,
               max_qty: str | None = None) -> Instrument:
        tick_d, lot_d = Decimal(tick), Decimal(lot)
        probe = Instrument(symbol, tick_d, lot_d)
        min_lots = probe.qty_to_lots(min_qty) if min_qty is not None else 1
        max_lots = probe.qty_to_lots(max_qty) if max_qty is not None else None
        return Instrument(symbol, tick_d, lot_d, min_lots, max_lots)


def time_text(ts_ns: int) -> str:
    """A time for a reject's Text: UTC, ISO 8601, as exact as the value (to the
    nanosecond); a formatting, not a clock read."""
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    try:
        stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):  # beyond the calendar's years
        return f"{ts_ns} ns since 1970"
    return f"{stamp.year:04d}-{stamp:%m-%dT%H:%M:%S}{second_fraction(ns)}Z"


def second_fraction(ns: int) -> str:
    """The fraction of a second as exactly as it is: "" for none, else 3, 6 or 9 digits."""
    if ns == 0:
        return ""
    if ns % 1_000_000 == 0:
        return f".{ns // 1_000_000:03d}"
    if ns % 1_000 == 0:
        return f".{ns // 1_000:06d}"
    return f".{ns:09d}"


def collar_edges(n: int, d: int, pct_num: int, pct_den: int,
                 ticks: int | None) -> tuple[int, int]:
    """Lowest and highest price in whole ticks of a price collar around the reference price
    n/d ticks: a percent band (pct_num/pct_den of the reference; 0 when not set) and a tick
    band (`ticks` ticks; None when not set), the wider when both. The low edge is at least
    one tick. Pre-trade risk checks prices against it; a stop order's protection price is
    set from it when the stop triggers."""
    if pct_num:
        hi = n * (pct_den + pct_num) // (d * pct_den)
        lo = -(-n * (pct_den - pct_num) // (d * pct_den))
        if ticks is not None:
            hi = max(hi, n // d + ticks)
            lo = min(lo, -(-n // d) - ticks)
    else:
        assert ticks is not None
        hi, lo = n // d + ticks, -(-n // d) - ticks
    return (lo if lo > 1 else 1), hi


def _plain(value: Decimal) -> str:
    """Decimal as a FIX-friendly string: no exponent, no trailing zeros."""
    return format(EXACT.normalize(value), "f")


@dataclass(frozen=True, slots=True)
class Collar:
    """The price collar risk gave a stop (market) order at entry: when the stop triggers, its
    protection price becomes the collar's edge on its side around the last trade price at
    that moment (`collar_edges`), the reference risk would use for a market order entered
    then, but never beyond the price risk valued the order at (the wider of the edges
    around the reference at entry and around the stop price): its notional limits hold
    for what it fills. A sweep that went through the stop and on beyond either can leave
    it no room: it is then cancelled unfilled, as any market order beyond its protection.
    Carried in the order so that matching (and a replay of the journal) needs no risk
    settings."""

    pct_num: int
    pct_den: int
    ticks: int | None

    def edge(self, last_px: int, is_buy: bool) -> int:
        """The protection price around `last_px`: the high edge for a buy, the low for a sell."""
        lo, hi = collar_edges(last_px, 1, self.pct_num, self.pct_den, self.ticks)
        return hi if is_buy else lo

    def protection(self, last_px: int, is_buy: bool, valued_at: int | None) -> int:
        """A triggered order's protection price: the edge around `last_px`, no further out
        than `valued_at` (the order's price while it waited; None: no such bound)."""
        edge = self.edge(last_px, is_buy)
        if valued_at is None:
            return edge
        return min(edge, valued_at) if is_buy else max(edge, valued_at)


@cython.final
@cython.no_gc
@cython.cclass
@dataclass(eq=False)
class Order:
    """One order's state, owned and mutated only by the matching engine.

    `qty` is the order quantity (FIX OrderQty, total including fills); leaves is derived.
    `owner` is the counterparty that may see and touch it, `account` the STP/risk account.
    The engine builds new orders with `matching.engine._entered`: keep it in step with these
    fields (a unit test compares the two).
    """

    order_id: int
    owner: str
    account: str
    cl_ord_id: str
    symbol: str
    side: Side
    ord_type: OrdType
    tif: TimeInForce
    qty: int
    price: int | None
    stop_price: int | None = None
    expire_ns: int | None = None
    post_only: bool = False
    display_qty: int | None = None  # iceberg slice size; None = fully displayed
    orig_cl_ord_id: str | None = None
    status: OrdStatus = OrdStatus.NEW
    cum_qty: int = 0
    cum_notional: int = 0  # sum of fill price_ticks * lots, for an exact average price
    visible: int = 0  # iceberg: lots of the current slice still shown
    triggered: bool = True  # False while a stop order waits for its trigger
    priority: int = 0  # time priority stamp; lower is earlier
    ts_ns: int = 0
    reduce_only: bool = False  # kept for risk, which checks every replace against it
    collar: Collar | None = None  # stop (market): its protection is set at its trigger
    # Its neighbours in its price level's queue while it rests (book.PriceLevel), else None
    ahead: Order | None = field(default=None, init=False, repr=False, compare=False)
    behind: Order | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def leaves_qty(self) -> int:
        return leaves_of(self)

    @property
    def is_live(self) -> bool:
        return is_live_status(self.status)

    def __reduce__(self) -> tuple[type[Order], tuple[object, ...]]:
        # Every field but the queue links, which the order's level pickles as a list and
        # links again (a chain of links would pickle as a recursion as deep as the queue).
        return Order, (
            self.order_id, self.owner, self.account, self.cl_ord_id, self.symbol, self.side,
            self.ord_type, self.tif, self.qty, self.price, self.stop_price, self.expire_ns,
            self.post_only, self.display_qty, self.orig_cl_ord_id, self.status, self.cum_qty,
            self.cum_notional, self.visible, self.triggered, self.priority, self.ts_ns,
            self.reduce_only, self.collar)

    def set_status(self, new: OrdStatus) -> None:
        old = self.status
        for row in _NEXT:
            if row[0] is old:
                for i in range(1, len(row)):
                    if row[i] is new:
                        self.status = new
                        return
                break
        raise IllegalTransition(f"order {self.order_id}: {old.name} -> {new.name}")


def leaves_of(order: Order) -> int:
    """`order.leaves_qty`: what is left to fill, 0 once it has ended (compiled, a C call:
    risk asks it of every replace)."""
    return order.qty - order.cum_qty if is_live_status(order.status) else 0
