"""FIX application messages -> core commands, exactly (prices and quantities from the strings).

Framing, required fields and enum values were already checked by QuickFIX against the
dictionary. Here a malformed or unsupported value raises a fixspec DecodeError (answered at
the session level), while a well-formed order we refuse becomes a RejectOrder command, which
the core numbers and answers with ExecutionReport 39=8. Nothing here changes state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import quickfix as fix

from fixspec import tags, values
from fixspec.errors import BadValue, MissingField, NotOffered, UnknownSecurity
from gateway.store import orders
from matching.commands import CancelOrder, MassCancel, RejectOrder, ReplaceOrder, SubmitOrder
from matching.events import CancelRejected
from matching.model import IncrementError, Instrument, OrdType, Side, TimeInForce
from matching.reasons import CancelRejectReason, RejectReason


@dataclass(frozen=True, slots=True)
class Party:
    """Who sent the message: the counterparty (owner of its orders) and its accounts."""

    owner: str
    accounts: tuple[str, ...]
    begin_string: str

    @property
    def default_account(self) -> str:
        return self.accounts[0] if self.accounts else self.owner


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """OrderStatusRequest (35=H): answered from the core's state, changes nothing."""

    owner: str
    cl_ord_id: str
    order_id: int | None
    symbol: str  # echoed in an unknown-order answer
    side: str
    ts_ns: int
    request_id: str | None = None  # OrdStatusReqID (790), echoed on the answer


@dataclass(frozen=True, slots=True)
class MassStatusQuery:
    """OrderMassStatusRequest (35=AF): one status report per live order of the owner."""

    owner: str
    request_id: str
    request_type: int
    symbol: str | None
    ts_ns: int


@dataclass(frozen=True, slots=True)
class MassCancelRefused:
    """An OrderMassCancelRequest we do not carry out (unsupported type or unknown symbol)."""

    owner: str
    cl_ord_id: str
    request_type: str
    reject_reason: str
    text: str
    ts_ns: int


# -- field access -------------------------------------------------------------------------


# The longest field text the decoder takes: what the journal's widest identifier column
# (ClOrdID) holds, read from it so the two cannot part; texts that echo a field stay
# within theirs.
MAX_FIELD_CHARS: int = orders.c.cl_ord_id.type.length
# Prices and quantities in ticks and lots, and a fill's notional (their product), are kept in
# 64-bit integer columns, and prices and quantities in the compiled core's C integers
# (matching/model.pxd): the largest any of them may be.
MAX_UNITS = 2**63 - 1


def _get(msg: fix.Message, tag: int) -> str:
    if not msg.isSetField(tag):
        raise MissingField(tag, "required field missing")
    return field_text(tag, msg.getField(tag))


def _opt(msg: fix.Message, tag: int) -> str | None:
    return field_text(tag, msg.getField(tag)) if msg.isSetField(tag) else None


def _poss_resend(msg: fix.Message) -> bool:
    """Whether the request may be one we have: PossResend (the application resent it) or
    PossDupFlag (a session resend after a crash cut us off before it was journaled)."""
    header = msg.getHeader()
    return any(header.isSetField(tag) and header.getField(tag) == values.FIX_YES
               for tag in (tags.PossResend, tags.PossDupFlag))


def field_text(tag: int, text: str) -> str:
    """A field's text as the core may keep, journal and echo it. A byte that was not UTF-8
    on the wire arrives as a lone surrogate (see acceptor._wire), which is not printable;
    nor are control characters."""
    if len(text) > MAX_FIELD_CHARS:
        raise BadValue(tag, f"longer than {MAX_FIELD_CHARS} characters")
    if not text.isprintable():
        raise BadValue(tag, "not printable UTF-8 text")
    return text


def _stated(msg: fix.Message, tag: int, table: Mapping[str, object],
            name: str) -> tuple[object | None, str | None]:
    """An enum field as a request states it: (its value, None), (None, None) when absent, or
    for a value FIX defines and we do not offer, (None, the refusal's text). QuickFIX has
    checked the value against the dictionary: such a message is valid, and its request is
    refused with a reason, not the message with a session Reject."""
    text = _opt(msg, tag)
    if text is None:
        return None, None
    value = table.get(text)
    return (value, None) if value is not None else (None, f"{name} {text} not supported")


def _enum(msg: fix.Message, tag: int, table: Mapping[str, object], name: str) -> object:
    """A field the message must carry, with a value we offer: else the message is refused
    (a Side we do not offer, which no report could state)."""
    value, refusal = _stated(msg, tag, table, name)
    if refusal is not None:
        raise BadValue(tag, refusal)
    if value is None:
        raise MissingField(tag, "required field missing")
    return value


def _unsupported_exec_inst(exec_inst: frozenset[str]) -> str | None:
    unsupported = exec_inst - values.EXEC_INST_SUPPORTED
    if unsupported:
        return f"ExecInst {values.exec_inst_text(unsupported)} not supported"
    return None


def parse_utc_timestamp(text: str, tag: int) -> int:
    """FIX UTCTimestamp (YYYYMMDD-HH:MM:SS[.fraction]) -> ns since the epoch, exactly."""
    head, _, frac = text.partition(".")
    try:
        stamp = datetime.strptime(head, "%Y%m%d-%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        raise BadValue(tag, f"not a UTCTimestamp: {text!r}") from None
    if frac and (not frac.isdigit() or len(frac) > 9):
        raise BadValue(tag, f"not a UTCTimestamp: {text!r}")
    seconds = int(stamp.timestamp())
    return seconds * 1_000_000_000 + int(frac.ljust(9, "0") or 0)


_ORDER_ID_MAX_DIGITS = 20  # more than any id we hand out; int() of thousands of digits raises


def _order_id(msg: fix.Message) -> int | None:
    """OrderID(37) as our integer id; a foreign-looking id names no order of ours.

    Only ASCII digits: str.isdigit() also accepts characters such as '²' that int() refuses.
    """
    text = _opt(msg, tags.OrderID)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > _ORDER_ID_MAX_DIGITS:
        return -1
    return int(text)


# -- orders -------------------------------------------------------------------------------


class _Refused(Exception):
    """Internal: the order is well formed but refused before the core (unknown symbol...)."""

    def __init__(self, reason: RejectReason, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


def _instrument(symbol: str, instruments: Mapping[str, Instrument]) -> Instrument:
    inst = instruments.get(symbol)
    if inst is None:
        raise _Refused(RejectReason.GW_UNKNOWN_SYMBOL, f"unknown symbol {symbol}")
    return inst


def _price(inst: Instrument, text: str | None, what: str = "price") -> int | None:
    if text is None:
        return None
    try:
        ticks = inst.price_to_ticks(text)
    except IncrementError as e:
        broken = _broken_rule(text)
        if broken is not None:
            raise _Refused(RejectReason.GW_BAD_VALUE,
                           f"{what} {text} {broken} for {inst.symbol}") from e
        raise _Refused(RejectReason.GW_PRICE_OFF_TICK,
                       f"{what} {text} not a multiple of tick {inst.tick} for {inst.symbol}") from e
    if ticks > MAX_UNITS:
        raise _Refused(RejectReason.GW_BAD_VALUE,
                       f"{what} {text} above the largest price {inst.price_text(MAX_UNITS)} "
                       f"for {inst.symbol}")
    return ticks


def _qty(inst: Instrument, text: str | None, what: str = "quantity") -> int | None:
    if text is None:
        return None
    try:
        lots = inst.qty_to_lots(text)
    except IncrementError as e:
        broken = _broken_rule(text)
        if broken is not None:  # still "incorrect quantity" (103=13), naming the rule
            raise _Refused(RejectReason.GW_QTY_OFF_LOT,
                           f"{what} {text} {broken} for {inst.symbol}") from e
        raise _Refused(RejectReason.GW_QTY_OFF_LOT,
                       f"{what} {text} not a multiple of lot {inst.lot} for {inst.symbol}") from e
    if lots > MAX_UNITS:
        raise _Refused(RejectReason.GW_BAD_VALUE,
                       f"{what} {text} above the largest quantity {inst.qty_text(MAX_UNITS)} "
                       f"for {inst.symbol}")
    return lots


def _broken_rule(text: str) -> str | None:
    """Why a value the instrument refused is refused, if not for being off its increment:
    asked only once it is refused, so that the Text names the rule it breaks."""
    digits = text.removeprefix("-")
    if not digits.replace(".", "", 1).isdigit():
        return "is not a plain decimal number"
    if text.startswith("-") or not digits.strip("0."):
        return "must be positive"
    return None


def _notional(inst: Instrument, qty: int, *prices: int | None) -> None:
    """Refuse a quantity whose notional at one of the order's prices would not fit a 64-bit
    integer (in ticks x lots), as its fills' would have to."""
    for px in prices:
        if px is not None and px * qty > MAX_UNITS:
            raise _Refused(RejectReason.GW_BAD_VALUE,
                           f"quantity {inst.qty_text(qty)} at price {inst.price_text(px)} "
                           f"is a notional beyond what the gateway takes for {inst.symbol}")


def _account(msg: fix.Message, party: Party) -> str:
    """The configured account the message names (the configured string itself: see
    decode_new_order), or the party's default."""
    account = _opt(msg, tags.Account)
    if account is None:
        return party.default_account
    for known in party.accounts:
        if known == account:
            return known
    raise _Refused(RejectReason.RISK_UNKNOWN_ACCOUNT,
                   f"account {account} is not an account of {party.owner}")


def decode_new_order(msg: fix.Message, party: Party, instruments: Mapping[str, Instrument],
                     ts_ns: int) -> SubmitOrder | RejectOrder:
    """NewOrderSingle (35=D) -> SubmitOrder, or a RejectOrder naming value and rule."""
    cl_ord_id = _get(msg, tags.ClOrdID)
    symbol = _get(msg, tags.Symbol)
    side: Side = _enum(msg, tags.Side, values.SIDE_FROM_FIX, "Side")
    # An OrdType, TimeInForce or ExecInst we do not offer refuses the order: ER 39=8 103=11,
    # the field left out of the report where it has no value of ours.
    _get(msg, tags.OrdType)  # required
    ord_type, bad_type = _stated(msg, tags.OrdType, values.ORD_TYPE_FROM_FIX, "OrdType")
    tif, bad_tif = _stated(msg, tags.TimeInForce, values.TIF_FROM_FIX, "TimeInForce")
    if tif is None and bad_tif is None:
        tif = values.TIF_WHEN_ABSENT
    exec_inst = values.exec_inst_values(_opt(msg, tags.ExecInst) or "")
    unsupported = bad_type or bad_tif or _unsupported_exec_inst(exec_inst)
    qty_text = _get(msg, tags.OrderQty)
    price_text = _opt(msg, tags.Price)
    stop_text = _opt(msg, tags.StopPx)
    if ord_type in (OrdType.LIMIT, OrdType.STOP_LIMIT) and price_text is None:
        raise MissingField(tags.Price, f"Price required for OrdType {ord_type.value}")
    if ord_type in (OrdType.STOP, OrdType.STOP_LIMIT) and stop_text is None:
        raise MissingField(tags.StopPx, f"StopPx required for OrdType {ord_type.value}")
    expire_text = _opt(msg, tags.ExpireTime)
    if tif is TimeInForce.GTD and expire_text is None:
        raise MissingField(tags.ExpireTime, "ExpireTime required for TimeInForce GTD")
    expire_ns = parse_utc_timestamp(expire_text, tags.ExpireTime) if expire_text else None
    if tif is not TimeInForce.GTD:
        expire_ns = None  # an ExpireTime means something only on a GTD order
    post_only = values.EXEC_INST_POST_ONLY in exec_inst
    reduce_only = values.EXEC_INST_REDUCE_ONLY in exec_inst
    poss_resend = _poss_resend(msg)
    account = party.default_account
    qty, price = 0, None  # as far as they converted: the reject echoes them
    try:
        inst = _instrument(symbol, instruments)
        qty = _qty(inst, qty_text)
        price = _price(inst, price_text)
        stop_price = _price(inst, stop_text, "stop price")
        _notional(inst, qty, price, stop_price)
        display = _qty(inst, _opt(msg, tags.MaxFloor), "MaxFloor")
        account = _account(msg, party)
        if unsupported is not None:
            raise _Refused(RejectReason.GW_UNSUPPORTED, unsupported)
    except _Refused as refused:
        return RejectOrder(party.owner, account, cl_ord_id, symbol, side, ord_type, tif, qty,
                           price, ts_ns, refused.reason, refused.text, expire_ns=expire_ns,
                           post_only=post_only, reduce_only=reduce_only)
    if ord_type is OrdType.STOP:
        price = None  # a stop (market) order has no limit price
    # Account and symbol go to the core as the configured strings, not the message's
    # copies: one object per name, whose hash is computed once, for every command.
    return SubmitOrder(
        party.owner, account, cl_ord_id, inst.symbol, side, ord_type, tif, qty, price, ts_ns,
        stop_price=stop_price,
        expire_ns=expire_ns,
        post_only=post_only,
        display_qty=display,
        reduce_only=reduce_only,
        poss_resend=poss_resend,
    )


def decode_cancel(msg: fix.Message, party: Party, ts_ns: int) -> CancelOrder | CancelRejected:
    """OrderCancelRequest (35=F). Unknown or foreign orders, and a Side or Symbol other
    than the order's, are the core's to refuse; a Side we do not offer is no order's."""
    cl_ord_id, orig_cl_ord_id = _get(msg, tags.ClOrdID), _opt(msg, tags.OrigClOrdID)
    side, bad_side = _stated(msg, tags.Side, values.SIDE_FROM_FIX, "Side")
    if bad_side is not None:
        # The requested OrderID: the core loop names the order if it is the sender's
        return CancelRejected(party.owner, cl_ord_id, orig_cl_ord_id, _order_id(msg), None,
                              False, CancelRejectReason.MISMATCH, bad_side, ts_ns)
    return CancelOrder(party.owner, cl_ord_id, orig_cl_ord_id, _order_id(msg), ts_ns,
                       _opt(msg, tags.Symbol), side, poss_resend=_poss_resend(msg))


def decode_replace(msg: fix.Message, party: Party, instruments: Mapping[str, Instrument],
                   ts_ns: int) -> ReplaceOrder | CancelRejected:
    """OrderCancelReplaceRequest (35=G) -> ReplaceOrder, or the OrderCancelReject (35=9)
    for a value we refuse before the core (unknown symbol, off tick, off lot)."""
    cl_ord_id = _get(msg, tags.ClOrdID)
    orig_cl_ord_id = _opt(msg, tags.OrigClOrdID)
    symbol = _get(msg, tags.Symbol)
    qty_text = _get(msg, tags.OrderQty)
    price_text, stop_text = _opt(msg, tags.Price), _opt(msg, tags.StopPx)
    exec_inst = values.exec_inst_values(_opt(msg, tags.ExecInst) or "")
    # What a replace keeps, as the request states it: the core refuses a difference.
    side, bad_side = _stated(msg, tags.Side, values.SIDE_FROM_FIX, "Side")
    ord_type, bad_type = _stated(msg, tags.OrdType, values.ORD_TYPE_FROM_FIX, "OrdType")
    tif, bad_tif = _stated(msg, tags.TimeInForce, values.TIF_FROM_FIX, "TimeInForce")
    unsupported = bad_side or bad_type or bad_tif or _unsupported_exec_inst(exec_inst)
    expire_text = _opt(msg, tags.ExpireTime)
    expire_ns = parse_utc_timestamp(expire_text, tags.ExpireTime) if expire_text else None
    try:
        if unsupported is not None:
            raise _Refused(RejectReason.GW_UNSUPPORTED, unsupported)
        inst = _instrument(symbol, instruments)
        qty = _qty(inst, qty_text)
        price, stop_price = _price(inst, price_text), _price(inst, stop_text, "stop price")
        _notional(inst, qty, price, stop_price)
        display = _qty(inst, _opt(msg, tags.MaxFloor), "MaxFloor")
    except _Refused as refused:
        reason = (CancelRejectReason.UNKNOWN_ORDER
                  if refused.reason is RejectReason.GW_UNKNOWN_SYMBOL
                  else CancelRejectReason.INVALID_REPLACE)
        # The requested OrderID: the core loop names the order if it is the sender's
        return CancelRejected(party.owner, cl_ord_id, orig_cl_ord_id, _order_id(msg), None,
                              True, reason, refused.text, ts_ns)
    return ReplaceOrder(
        party.owner, cl_ord_id, orig_cl_ord_id, _order_id(msg), qty, price, ts_ns,
        stop_price=stop_price, post_only=values.EXEC_INST_POST_ONLY in exec_inst,
        symbol=inst.symbol,  # the configured string (see decode_new_order)
        side=side, ord_type=ord_type, tif=tif, account=_opt(msg, tags.Account),
        display_qty=display,
        # ExecInst restates the order's instructions: without E it says "not reduce-only".
        reduce_only=values.EXEC_INST_REDUCE_ONLY in exec_inst,
        expire_ns=expire_ns,
        poss_resend=_poss_resend(msg),
    )


def decode_status(msg: fix.Message, party: Party, ts_ns: int) -> StatusQuery:
    return StatusQuery(party.owner, _get(msg, tags.ClOrdID), _order_id(msg),
                       _opt(msg, tags.Symbol) or values.ID_NONE,
                       _opt(msg, tags.Side) or values.SIDE_TO_FIX[Side.BUY], ts_ns,
                       _opt(msg, tags.OrdStatusReqID))


def decode_mass_cancel(msg: fix.Message, party: Party, instruments: Mapping[str, Instrument],
                       ts_ns: int) -> MassCancel | MassCancelRefused:
    """OrderMassCancelRequest (35=q): all orders (530=7) or one security (530=1)."""
    cl_ord_id = _get(msg, tags.ClOrdID)
    request_type = _get(msg, tags.MassCancelRequestType)
    if request_type not in values.MASS_CANCEL_SUPPORTED:
        return MassCancelRefused(party.owner, cl_ord_id, request_type,
                                 values.MASS_CANCEL_REJECT_NOT_SUPPORTED,
                                 f"MassCancelRequestType {request_type} not supported", ts_ns)
    symbol = None
    if request_type == values.MASS_CANCEL_BY_SECURITY:
        symbol = _get(msg, tags.Symbol)
        if symbol not in instruments:
            return MassCancelRefused(party.owner, cl_ord_id, request_type,
                                     values.MASS_CANCEL_REJECT_UNKNOWN_SECURITY,
                                     f"unknown symbol {symbol}", ts_ns)
    return MassCancel(party.owner, cl_ord_id, ts_ns, symbol=symbol,
                      poss_resend=_poss_resend(msg))


def decode_mass_status(msg: fix.Message, party: Party, instruments: Mapping[str, Instrument],
                       ts_ns: int) -> MassStatusQuery:
    request_type_text = _get(msg, tags.MassStatusReqType)
    request_type = int(request_type_text) if request_type_text.isdecimal() else None
    if request_type not in values.MASS_STATUS_SUPPORTED:
        if request_type in values.MASS_STATUS_DEFINED:
            raise NotOffered(tags.MassStatusReqType,
                             f"MassStatusReqType {request_type} not supported (1 and 7 are)")
        raise BadValue(tags.MassStatusReqType, f"unsupported value {request_type_text!r}")
    symbol = _get(msg, tags.Symbol) if request_type == values.MASS_STATUS_BY_SECURITY else None
    if symbol is not None and symbol not in instruments:
        raise UnknownSecurity(tags.Symbol, f"unknown symbol {symbol}")
    return MassStatusQuery(party.owner, _get(msg, tags.MassStatusReqID), request_type, symbol,
                           ts_ns)
