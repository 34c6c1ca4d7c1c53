"""One log line per decision, in instrument units, for ops tailing the log.

Formatting only: what to log is every answer the core loop produced; this decides the words.
"""

from __future__ import annotations

from collections.abc import Mapping

from loguru import logger

from gateway.core_loop import Logout, MassStatusReply, StatusReply
from gateway.decode import MassCancelRefused
from gateway.encode import instrument_of
from matching.events import (
    CancelRejected,
    MassCancelDone,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRestated,
    OrderTriggered,
)
from matching.model import Instrument
from risk.events import LimitChanged, TradingStateChanged


def line(answer: object, instruments: Mapping[str, Instrument]) -> str | None:
    if isinstance(answer, OrderEvent):
        inst = instrument_of(instruments, answer.symbol)
        what = type(answer).__name__.removeprefix("Order").upper()
        px = "MKT" if answer.price is None else inst.price_text(answer.price)
        text = (f"{what} order={answer.order_id} cl={answer.cl_ord_id} acct={answer.account} "
                f"{answer.side.name} {inst.qty_text(answer.qty) if answer.qty else '-'} "
                f"{answer.symbol} @ {px} cum={inst.qty_text(answer.cum_qty)} "
                f"leaves={inst.qty_text(answer.leaves_qty)} status={answer.status.value}")
        if isinstance(answer, OrderFilled):
            role = "taker" if answer.aggressor else "maker"
            text += (f" last={inst.qty_text(answer.last_qty)}@{inst.price_text(answer.last_px)}"
                     f" trade={answer.trade_id} {role} contra={answer.contra_order_id}")
        elif isinstance(answer, OrderRejected):
            text += f" reason={answer.reason.value} text={answer.text!r}"
        elif isinstance(answer, (OrderCanceled, OrderExpired)):
            text += f" reason={answer.reason.value}"
        elif isinstance(answer, OrderTriggered):
            text += f" trigger={inst.price_text(answer.trigger_px)}"
        elif isinstance(answer, OrderRestated) and answer.text:
            text += f" text={answer.text!r}"
        return text
    if isinstance(answer, CancelRejected):
        kind = "REPLACE" if answer.is_replace else "CANCEL"
        return (f"{kind}_REJECTED cl={answer.cl_ord_id} orig={answer.orig_cl_ord_id} "
                f"reason={answer.reason.value} text={answer.text!r}")
    if isinstance(answer, MassCancelDone):
        text = (f"MASS_CANCEL id={answer.request_id or '-'} account={answer.account or '*'} "
                f"symbol={answer.symbol or '*'} canceled={answer.canceled} "
                f"reason={answer.reason.value}")
        if answer.text:
            text += f" text={answer.text!r}"
        return text
    if isinstance(answer, MassCancelRefused):
        return f"MASS_CANCEL_REFUSED cl={answer.cl_ord_id} text={answer.text!r}"
    if isinstance(answer, StatusReply):
        found = "unknown" if answer.report is None else answer.report.status.value
        return f"STATUS cl={answer.query.cl_ord_id} -> {found}"
    if isinstance(answer, MassStatusReply):
        return f"MASS_STATUS id={answer.query.request_id} reports={len(answer.reports)}"
    if isinstance(answer, Logout):
        return f"LOGOUT {answer.text}"
    if isinstance(answer, TradingStateChanged):
        return (f"TRADING STATE {answer.scope}: {answer.old.value} -> {answer.new.value} "
                f"({answer.reason})")
    if isinstance(answer, LimitChanged):
        return f"LIMIT {answer.level} {answer.name}: {answer.old} -> {answer.new}"
    return None


# Operator actions stand out in the log (loguru colours WARNING).
_LOUD = (TradingStateChanged, LimitChanged, Logout)


def log(answer: object, owner: str, instruments: Mapping[str, Instrument]) -> None:
    text = line(answer, instruments)
    if text is not None:
        level = "WARNING" if isinstance(answer, _LOUD) else "INFO"
        logger.bind(session=owner).log(level, text)
