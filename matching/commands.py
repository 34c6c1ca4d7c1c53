"""Commands the core accepts: imperative, immutable values built at the gateway edge.

Quantities are lots and prices ticks (already converted exactly). `ts_ns` is set once by
whoever builds the command; the core never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import cython

from matching.model import Collar, OrdType, Side, StpMode, TimeInForce
from matching.reasons import EndReason, RejectReason


@dataclass(frozen=True, slots=True)
class Trim:
    """A reduce-only order cut back, set by risk on the order that makes it necessary and
    done by the engine just before that order enters (see risk/reduce_only.py)."""

    order_id: int
    leaves: int  # what is left to work after the cut; 0 cancels the order
    text: str  # why, with the numbers: the restatement's Text


@cython.no_gc
@cython.cclass
@dataclass
class SubmitOrder:
    """Enter a new order (FIX NewOrderSingle 35=D)."""

    owner: str
    account: str
    cl_ord_id: str
    symbol: str
    side: Side
    ord_type: OrdType
    tif: TimeInForce
    qty: int
    price: int | None  # limit price; for MARKET an optional protection price
    ts_ns: int
    stop_price: int | None = None
    expire_ns: int | None = None  # GTD
    post_only: bool = False
    display_qty: int | None = None  # iceberg slice
    reduce_only: bool = False  # honoured by risk
    poss_resend: bool = False  # a resent order whose ClOrdID was seen is not executed twice
    collar: Collar | None = None  # set by risk on a stop (market) order (see model.Collar)
    trims: tuple[Trim, ...] = ()  # set by risk: reduce-only orders cut before this enters


@cython.no_gc
@cython.cclass
@dataclass
class RejectOrder:
    """Refuse an order decided before the book (decode or risk). The core only numbers the
    reject (ExecID) so it is answered, persisted and replayed like every other outcome.

    qty/price are the converted values when they were convertible, else 0 / None.
    """

    owner: str
    account: str
    cl_ord_id: str
    symbol: str
    side: Side
    ord_type: OrdType | None  # None: a value FIX has and we do not offer
    tif: TimeInForce | None
    qty: int
    price: int | None
    ts_ns: int
    reason: RejectReason
    text: str
    stop_price: int | None = None
    expire_ns: int | None = None  # a GTD order's, which its reject restates
    display_qty: int | None = None  # and its instructions, where they were read
    post_only: bool = False
    reduce_only: bool = False

    @staticmethod
    def of(cmd: SubmitOrder, reason: RejectReason, text: str) -> RejectOrder:
        return RejectOrder(cmd.owner, cmd.account, cmd.cl_ord_id, cmd.symbol, cmd.side,
                           cmd.ord_type, cmd.tif, cmd.qty, cmd.price, cmd.ts_ns, reason, text,
                           cmd.stop_price, cmd.expire_ns, cmd.display_qty, cmd.post_only,
                           cmd.reduce_only)


@cython.no_gc
@cython.cclass
@dataclass
class CancelOrder:
    """Cancel one order (FIX OrderCancelRequest 35=F), named by OrigClOrdID or OrderID.

    `symbol` and `side`, where the request states them, must be the order's (None: not
    said): a request that contradicts the order it names is refused, not carried out."""

    owner: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    order_id: int | None
    ts_ns: int
    symbol: str | None = None
    side: Side | None = None
    poss_resend: bool = False  # a resent request already carried out is answered, not refused


@cython.no_gc
@cython.cclass
@dataclass
class ReplaceOrder:
    """Change price and/or quantity of a live order (FIX OrderCancelReplaceRequest 35=G).

    `qty` is the new total order quantity (FIX OrderQty), not the new leaves. What the
    request says of the order's side, type, time in force, account, display quantity,
    reduce-only instruction and (of a GTD order) expire time must be what the order has
    (None: not said); a replace does not change them.
    """

    owner: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    order_id: int | None
    qty: int
    price: int | None
    ts_ns: int
    stop_price: int | None = None
    post_only: bool = False
    symbol: str | None = None
    side: Side | None = None
    ord_type: OrdType | None = None
    tif: TimeInForce | None = None
    account: str | None = None
    display_qty: int | None = None
    reduce_only: bool | None = None
    expire_ns: int | None = None
    trims: tuple[Trim, ...] = ()  # set by risk, as on SubmitOrder
    poss_resend: bool = False  # as on CancelOrder


@cython.no_gc
@cython.cclass
@dataclass
class MassCancel:
    """Cancel every live order matching the filter (FIX 35=q, disconnect, admin halt).

    `owner` None means any owner (admin only); None filters match everything.
    """

    owner: str | None
    request_id: str
    ts_ns: int
    account: str | None = None
    symbol: str | None = None
    reason: EndReason = EndReason.MASS_CANCEL
    poss_resend: bool = False  # as on CancelOrder


@cython.no_gc
@cython.cclass
@dataclass
class AdvanceTime:
    """Time has passed: expire GTD orders whose expiry is at or before `ts_ns`."""

    ts_ns: int


@cython.no_gc
@cython.cclass
@dataclass
class EndOfDay:
    """Expire DAY orders (all instruments, or one)."""

    ts_ns: int
    symbol: str | None = None


@cython.no_gc
@cython.cclass
@dataclass
class NewDay:
    """A new trading day begins for every instrument (after its EndOfDay): the orders that
    are over and their ClOrdIDs are forgotten, and a ClOrdID may be used again."""

    ts_ns: int


@cython.no_gc
@cython.cclass
@dataclass
class SetSelfTradePrevention:
    """Self-trade prevention as configured: `mode` for every account not in `by_account`.

    Journaled at every start, before any order: the configuration may change between two
    runs, and a replay must apply each command under the setting it first ran under."""

    mode: StpMode
    by_account: dict[str, StpMode]
    ts_ns: int


Command = (SubmitOrder | RejectOrder | CancelOrder | ReplaceOrder | MassCancel | AdvanceTime
           | EndOfDay | NewDay | SetSelfTradePrevention)
