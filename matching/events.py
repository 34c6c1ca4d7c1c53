"""Events the core emits: past tense, one per thing that happened, in the order it happened.

Each order event is a snapshot of the order at that moment with everything an
ExecutionReport needs, so later changes to the order cannot alter a report. Events are
slotted but not frozen: a frozen dataclass costs five times as much to construct, and the
core builds one per command on its hot path. Treat them as immutable all the same.

For the same reason the core fills them field by field on a bare instance rather than through
__init__ (`MatchingEngine._snap` and its callers): a field added here must be set there too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cython

from matching.model import OrdStatus, OrdType, Side, TimeInForce
from matching.reasons import CancelRejectReason, EndReason, RejectReason


@cython.no_gc
@cython.cclass
@dataclass
class OrderEvent:
    """Common snapshot carried by every event that becomes an ExecutionReport (35=8)."""

    exec_id: int
    order_id: int
    owner: str
    account: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    symbol: str
    side: Side
    ord_type: OrdType | None  # None and tif None: only the reject of a value we do not offer
    tif: TimeInForce | None
    price: int | None
    stop_price: int | None
    qty: int
    cum_qty: int
    leaves_qty: int
    cum_notional: int  # sum of ticks*lots over fills; average price = cum_notional / cum_qty
    status: OrdStatus
    ts_ns: int
    expire_ns: int | None  # a GTD order's ExpireTime, which its reports restate
    # The order's instructions, which its reports restate too (MaxFloor, ExecInst). They
    # have defaults so that an event journaled before they were carried loads.
    display_qty: int | None = None  # an iceberg's slice
    post_only: bool = False
    reduce_only: bool = False


@cython.no_gc
@cython.cclass
@dataclass
class OrderAccepted(OrderEvent):
    """The order is live (ER 150=0). May be skipped for an order that ends on arrival."""


@cython.no_gc
@cython.cclass
@dataclass
class OrderRejected(OrderEvent):
    """The order was refused and changed nothing (ER 150=8, 39=8). order_id is 0."""

    reason: RejectReason = RejectReason.MATCH_INVALID_ORDER
    text: str = ""


@cython.no_gc
@cython.cclass
@dataclass
class OrderFilled(OrderEvent):
    """One side of one trade (ER 150=F). Each trade yields a maker and a taker event."""

    last_qty: int = 0
    last_px: int = 0
    trade_id: int = 0
    aggressor: bool = False
    contra_order_id: int = 0


@cython.no_gc
@cython.cclass
@dataclass
class OrderCanceled(OrderEvent):
    """The order ended by cancellation (ER 150=4): request, IOC remainder, STP, mass cancel."""

    reason: EndReason = EndReason.REQUESTED


@cython.no_gc
@cython.cclass
@dataclass
class OrderExpired(OrderEvent):
    """The order ended by time (ER 150=C): GTD expiry or end of day."""

    reason: EndReason = EndReason.GTD_EXPIRED


@cython.no_gc
@cython.cclass
@dataclass
class OrderReplaced(OrderEvent):
    """Price/quantity changed (ER 150=5); fills from re-matching follow as OrderFilled."""

    ended: bool = False  # replaced to at or below the filled quantity


@cython.no_gc
@cython.cclass
@dataclass
class OrderTriggered(OrderEvent):
    """A stop order's trigger was hit; it now works as market/limit (ER 150=L)."""

    trigger_px: int = 0


@cython.no_gc
@cython.cclass
@dataclass
class OrderRestated(OrderEvent):
    """The order's state was asked for, or is being re-announced (ER 150=I or 150=D)."""

    text: str = ""


@cython.no_gc
@cython.cclass
@dataclass
class CancelRejected:
    """A cancel or replace was refused (FIX OrderCancelReject 35=9); nothing changed."""

    owner: str
    cl_ord_id: str
    orig_cl_ord_id: str | None
    order_id: int | None  # set only when the order exists and belongs to `owner`
    status: OrdStatus | None  # the order's current status, if it is the owner's
    is_replace: bool
    reason: CancelRejectReason
    text: str
    ts_ns: int


@cython.no_gc
@cython.cclass
@dataclass
class MassCancelDone:
    """A mass cancel finished (FIX OrderMassCancelReport 35=r); cancels precede it. A
    possible resend of one already carried out is answered with its report again, `text`
    saying so, and nothing precedes it."""

    owner: str | None
    request_id: str
    account: str | None
    symbol: str | None
    canceled: int
    reason: EndReason
    ts_ns: int
    text: str | None = None  # defaulted: a report journaled before it existed loads


Event = (
    OrderAccepted | OrderRejected | OrderFilled | OrderCanceled | OrderExpired
    | OrderReplaced | OrderTriggered | OrderRestated | CancelRejected | MassCancelDone
)
