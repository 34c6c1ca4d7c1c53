"""Core events -> FIX messages for one session's FIX version. Decides nothing.

One table keyed by event type gives the ExecType; the rest is filling fields from the
event's snapshot. Prices and quantities are written from integers through the instrument,
so the text is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal

import quickfix as fix

from fixspec import reasons, tags, values
from fixspec.reasons import FIX42
from matching.events import (
    CancelRejected,
    MassCancelDone,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderRestated,
    OrderTriggered,
)
from matching.model import Instrument, OrdStatus, OrdType, TimeInForce, second_fraction
from matching.reasons import EndReason

_EXEC_TYPE: dict[type, str] = {
    OrderAccepted: values.EXEC_TYPE_NEW,
    OrderRejected: values.EXEC_TYPE_REJECTED,
    OrderFilled: values.EXEC_TYPE_TRADE,
    OrderCanceled: values.EXEC_TYPE_CANCELED,
    OrderExpired: values.EXEC_TYPE_EXPIRED,
    OrderReplaced: values.EXEC_TYPE_REPLACED,
    # Stock FIX 4.4 has no trigger ExecType (L is FIX 5.0): a trigger is a restatement.
    OrderTriggered: values.EXEC_TYPE_RESTATED,
}


def utc_timestamp(ts_ns: int, exact: bool = False) -> str:
    """UTCTimestamp with milliseconds, the session default; `exact`: with as many digits as
    the value has (a client's own ExpireTime comes back as it was sent, to the nanosecond)."""
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc)
    fraction = (second_fraction(ns) or ".000") if exact else f".{ns // 1_000_000:03d}"
    return f"{stamp.year:04d}{stamp:%m%d-%H:%M:%S}{fraction}"


def mass_cancel_id(ts_ns: int) -> str:
    """The gateway's id for a mass cancel request (OrderID on its report), made of the time
    the request was taken, which is journaled with it: a report resent after a crash
    carries the same id."""
    return f"M{ts_ns:x}"


def instrument_of(instruments: Mapping[str, Instrument], symbol: str) -> Instrument:
    """The instrument an event names; for the reject of an order naming an unknown symbol
    (which carries no quantity or price), a stand-in with unit increments."""
    inst = instruments.get(symbol)
    return inst if inst is not None else Instrument(symbol, Decimal(1), Decimal(1))


def _exec_inst(ev: OrderEvent) -> str:
    """The order's instructions as its ExecInst(18) restates them."""
    held = []
    if ev.post_only:
        held.append(values.EXEC_INST_POST_ONLY)
    if ev.reduce_only:
        held.append(values.EXEC_INST_REDUCE_ONLY)
    return values.exec_inst_text(held)


def _message(msg_type: str) -> fix.Message:
    msg = fix.Message()
    msg.getHeader().setField(tags.MsgType, msg_type)
    return msg


class Encoder:
    """Builds the outbound message for an event; `None` where the event has no message."""

    def __init__(self, instruments: Mapping[str, Instrument], boot_ns: int) -> None:
        self._instruments = instruments
        # Status reports change nothing and take no id from the core's sequence; their
        # ExecIDs carry the boot time so they never collide with one another across restarts.
        self._status_ids = (f"S{boot_ns:x}.{n}" for n in itertools.count(1))

    def execution_report(self, ev: OrderEvent, begin_string: str,
                         extra: Mapping[int, str] | None = None) -> fix.Message:
        msg = _message(tags.MSG_ExecutionReport)
        inst = instrument_of(self._instruments, ev.symbol)
        put = msg.setField
        if isinstance(ev, OrderRestated):
            # exec_id 0 marks an answer to a status request rather than a change we made.
            exec_type = values.EXEC_TYPE_RESTATED if ev.exec_id else values.EXEC_TYPE_ORDER_STATUS
        else:
            exec_type = _EXEC_TYPE[type(ev)]
        status = values.ORD_STATUS_TO_FIX[ev.status]
        put(tags.OrderID, str(ev.order_id) if ev.order_id else values.ID_NONE)
        put(tags.ExecID, str(ev.exec_id) if ev.exec_id else next(self._status_ids))
        if begin_string == FIX42:
            trans_type, exec_type_42 = values.exec_type_fix42(exec_type, ev.status)
            put(tags.ExecTransType, trans_type)
            put(tags.ExecType, exec_type_42)
            if exec_type == values.EXEC_TYPE_REPLACED and ev.status is not OrdStatus.FILLED:
                status = values.ORD_STATUS_REPLACED_FIX42
        else:
            put(tags.ExecType, exec_type)
        put(tags.OrdStatus, status)
        put(tags.ClOrdID, ev.cl_ord_id)
        if ev.orig_cl_ord_id is not None and (
            isinstance(ev, OrderReplaced)
            or (isinstance(ev, OrderCanceled) and ev.reason is EndReason.REQUESTED)
        ):
            put(tags.OrigClOrdID, ev.orig_cl_ord_id)
        put(tags.Account, ev.account)
        put(tags.Symbol, ev.symbol)
        put(tags.Side, values.SIDE_TO_FIX[ev.side])
        if ev.ord_type is not None:  # None: the refused order's OrdType is not one of ours
            put(tags.OrdType, values.ORD_TYPE_TO_FIX[ev.ord_type])
        if ev.tif is not None:
            put(tags.TimeInForce, values.TIF_TO_FIX[ev.tif])
        if ev.qty:
            put(tags.OrderQty, inst.qty_text(ev.qty))
        if ev.price is not None and ev.ord_type not in (OrdType.MARKET, OrdType.STOP):
            # A market or stop order's price is only its protection (the risk collar).
            put(tags.Price, inst.price_text(ev.price))
        if ev.stop_price is not None:
            put(tags.StopPx, inst.price_text(ev.stop_price))
        if ev.display_qty is not None:
            put(tags.MaxFloor, inst.qty_text(ev.display_qty))
        if ev.post_only or ev.reduce_only:
            put(tags.ExecInst, _exec_inst(ev))
        put(tags.LeavesQty, inst.qty_text(ev.leaves_qty))
        put(tags.CumQty, inst.qty_text(ev.cum_qty))
        put(tags.AvgPx, inst.avg_price_text(ev.cum_notional, ev.cum_qty))
        if isinstance(ev, OrderFilled):
            put(tags.LastQty, inst.qty_text(ev.last_qty))
            put(tags.LastPx, inst.price_text(ev.last_px))
            if begin_string != FIX42:
                put(tags.LastLiquidityInd, str(values.LAST_LIQUIDITY_REMOVED if ev.aggressor
                                               else values.LAST_LIQUIDITY_ADDED))
        elif isinstance(ev, OrderRejected):
            put(tags.OrdRejReason, str(reasons.ord_rej_reason(ev.reason, begin_string)))
            put(tags.Text, ev.text)
        elif isinstance(ev, (OrderCanceled, OrderExpired)):
            put(tags.Text, reasons.END_REASON_TEXT[ev.reason])
        elif isinstance(ev, OrderRestated):
            if ev.exec_id:
                put(tags.ExecRestatementReason, str(values.EXEC_RESTATEMENT_PARTIAL_DECLINE))
            if ev.text:
                put(tags.Text, ev.text)
        elif isinstance(ev, OrderTriggered):
            put(tags.ExecRestatementReason, str(values.EXEC_RESTATEMENT_BROKER_OPTION))
            put(tags.Text, f"stop triggered at {inst.price_text(ev.trigger_px)}")
        if ev.tif is TimeInForce.GTD and ev.expire_ns is not None:
            put(tags.ExpireTime, utc_timestamp(ev.expire_ns, exact=True))
        put(tags.TransactTime, utc_timestamp(ev.ts_ns))
        for tag, text in (extra or {}).items():
            put(tag, text)
        return msg

    def cancel_reject(self, ev: CancelRejected, begin_string: str) -> fix.Message:
        msg = _message(tags.MSG_OrderCancelReject)
        put = msg.setField
        put(tags.OrderID, str(ev.order_id) if ev.order_id else values.ID_NONE)
        put(tags.ClOrdID, ev.cl_ord_id)
        put(tags.OrigClOrdID, ev.orig_cl_ord_id or values.ID_NONE)
        # An order that is unknown (or not the sender's) is reported as rejected.
        status = ev.status if ev.status is not None else OrdStatus.REJECTED
        put(tags.OrdStatus, values.ORD_STATUS_TO_FIX[status])
        put(tags.CxlRejResponseTo, values.CXL_REJ_RESPONSE_TO_REPLACE if ev.is_replace
            else values.CXL_REJ_RESPONSE_TO_CANCEL)
        put(tags.CxlRejReason, str(reasons.cxl_rej_reason(ev.reason, begin_string)))
        put(tags.Text, ev.text)
        put(tags.TransactTime, utc_timestamp(ev.ts_ns))
        return msg

    def mass_cancel_report(self, ev: MassCancelDone) -> fix.Message:
        msg = _message(tags.MSG_OrderMassCancelReport)
        put = msg.setField
        request_type = values.MASS_CANCEL_BY_SECURITY if ev.symbol else values.MASS_CANCEL_ALL
        put(tags.ClOrdID, ev.request_id)
        put(tags.OrderID, mass_cancel_id(ev.ts_ns))
        put(tags.MassCancelRequestType, request_type)
        put(tags.MassCancelResponse, values.MASS_CANCEL_RESPONSE_FOR[request_type])
        put(tags.TotalAffectedOrders, str(ev.canceled))
        if ev.symbol:
            put(tags.Symbol, ev.symbol)
        if ev.text:
            put(tags.Text, ev.text)
        put(tags.TransactTime, utc_timestamp(ev.ts_ns))
        return msg

    def mass_cancel_refused(self, cl_ord_id: str, request_type: str, reject_reason: str,
                            text: str, ts_ns: int) -> fix.Message:
        msg = _message(tags.MSG_OrderMassCancelReport)
        put = msg.setField
        put(tags.ClOrdID, cl_ord_id)
        put(tags.OrderID, mass_cancel_id(ts_ns))
        put(tags.MassCancelRequestType, request_type)
        put(tags.MassCancelResponse, values.MASS_CANCEL_RESPONSE_REJECTED)
        put(tags.MassCancelRejectReason, reject_reason)
        put(tags.Text, text)
        put(tags.TransactTime, utc_timestamp(ts_ns))
        return msg

    def unknown_order_status(self, cl_ord_id: str, order_id: str | None, symbol: str, side: str,
                             begin_string: str, ts_ns: int,
                             extra: Mapping[int, str] | None = None,
                             text: str = "unknown order") -> fix.Message:
        """ER 150=I, 39=8 for a status request naming no order of the sender's."""
        msg = _message(tags.MSG_ExecutionReport)
        put = msg.setField
        put(tags.OrderID, order_id or values.ID_NONE)
        put(tags.ExecID, next(self._status_ids))
        if begin_string == FIX42:
            put(tags.ExecTransType, values.EXEC_TRANS_TYPE_STATUS)
            put(tags.ExecType, values.ORD_STATUS_TO_FIX[OrdStatus.REJECTED])
        else:
            put(tags.ExecType, values.EXEC_TYPE_ORDER_STATUS)
        put(tags.OrdStatus, values.ORD_STATUS_TO_FIX[OrdStatus.REJECTED])
        put(tags.ClOrdID, cl_ord_id)
        put(tags.Symbol, symbol)  # echoed from the request: we reveal nothing of any order
        put(tags.Side, side)
        put(tags.LeavesQty, "0")
        put(tags.CumQty, "0")
        put(tags.AvgPx, "0")
        put(tags.Text, text)
        put(tags.TransactTime, utc_timestamp(ts_ns))
        for tag, value in (extra or {}).items():
            put(tag, value)
        return msg

    def encode(self, ev: object, begin_string: str) -> fix.Message | None:
        """The message an event becomes for its owner, or None (e.g. a disconnect cancel's
        summary, which answers no request)."""
        if isinstance(ev, OrderEvent):
            return self.execution_report(ev, begin_string)
        if isinstance(ev, CancelRejected):
            return self.cancel_reject(ev, begin_string)
        if isinstance(ev, MassCancelDone):
            return self.mass_cancel_report(ev) if ev.request_id else None
        raise TypeError(f"no encoding for {type(ev).__name__}")
