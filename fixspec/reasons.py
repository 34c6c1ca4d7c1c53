"""The one table from our reasons (matching/reasons.py) to FIX answers: codes and short Text.

Which message carries the answer (ER, OrderCancelReject, session reject) is the encoder's call.
Codes are FIX44.xml values; for a FIX.4.2 session, codes 4.2 lacks become its "broker option".
"""

from __future__ import annotations

from matching.reasons import CancelRejectReason, EndReason, RejectReason

# OrdRejReason(103) in FIX 4.4: 1 unknown symbol, 2 exchange closed, 3 exceeds limit,
# 6 duplicate order, 11 unsupported order characteristic, 13 incorrect quantity,
# 15 unknown account, 99 other.
ORD_REJ_REASON: dict[RejectReason, int] = {
    RejectReason.GW_UNKNOWN_SYMBOL: 1,
    RejectReason.GW_PRICE_OFF_TICK: 99,  # no price-increment code: Text carries the tick
    RejectReason.GW_QTY_OFF_LOT: 13,
    # The next three are normally session/business rejects raised by the gateway; an ER
    # for them is the fallback.
    RejectReason.GW_BAD_VALUE: 99,
    RejectReason.GW_MISSING_FIELD: 99,
    RejectReason.GW_UNSUPPORTED: 11,  # unsupported order characteristic
    RejectReason.RISK_UNKNOWN_ACCOUNT: 15,
    RejectReason.RISK_MAX_QTY: 3,
    RejectReason.RISK_MAX_NOTIONAL: 3,
    RejectReason.RISK_PRICE_COLLAR: 3,
    RejectReason.RISK_NO_REFERENCE_PRICE: 99,
    RejectReason.RISK_CREDIT_OPEN_NOTIONAL: 3,
    RejectReason.RISK_CREDIT_POSITION_NOTIONAL: 3,
    RejectReason.RISK_POSITION_LIMIT: 3,
    RejectReason.RISK_REDUCE_ONLY: 3,
    RejectReason.RISK_MAX_OPEN_ORDERS: 3,
    RejectReason.RISK_THROTTLED: 3,
    RejectReason.RISK_HALTED: 2,
    RejectReason.RISK_INSTRUMENT_RESTRICTED: 3,
    RejectReason.MATCH_UNKNOWN_SYMBOL: 1,
    RejectReason.MATCH_DUPLICATE_CLORDID: 6,
    RejectReason.MATCH_QTY_BELOW_MIN: 13,
    RejectReason.MATCH_QTY_ABOVE_MAX: 13,
    RejectReason.MATCH_POST_ONLY_WOULD_CROSS: 99,
    RejectReason.MATCH_INVALID_ORDER: 99,
    RejectReason.MATCH_EXPIRE_IN_PAST: 99,
}

# CxlRejReason(102) in FIX 4.4: 0 too late, 1 unknown order, 2 broker/exchange option,
# 6 duplicate ClOrdID, 99 other.
CXL_REJ_REASON: dict[CancelRejectReason, int] = {
    CancelRejectReason.TOO_LATE: 0,
    CancelRejectReason.UNKNOWN_ORDER: 1,
    CancelRejectReason.HALTED: 2,
    CancelRejectReason.DUPLICATE_CLORDID: 6,
    CancelRejectReason.INVALID_REPLACE: 99,
    CancelRejectReason.MISMATCH: 99,
}

# Text(58) on the ER that reports an order ended without a request for exactly that.
END_REASON_TEXT: dict[EndReason, str] = {
    EndReason.REQUESTED: "cancelled on request",
    EndReason.IOC_REMAINDER: "IOC remainder cancelled",
    EndReason.FOK_UNFILLABLE: "FOK order could not be filled in full",
    EndReason.MARKET_REMAINDER: "market order remainder cancelled",
    EndReason.NO_LIQUIDITY: "no liquidity",
    EndReason.SELF_TRADE: "cancelled by self-trade prevention",
    EndReason.MASS_CANCEL: "cancelled by mass cancel",
    EndReason.DISCONNECT: "cancelled on disconnect",
    EndReason.HALT: "cancelled by trading halt",
    EndReason.GTD_EXPIRED: "GTD order expired",
    EndReason.DAY_END: "DAY order expired at end of day",
    EndReason.REPLACED_TO_FILLED: "replaced to at or below the filled quantity",
    EndReason.REDUCE_ONLY: "reduce-only order cancelled: the account's other orders on its "
                           "side could otherwise flip the position",
}

# FIX 4.2 knows OrdRejReason 0-8 and CxlRejReason 0-3 only. Lossy: every later code becomes
# 4.2's catch-all "broker option" (OrdRejReason 0, CxlRejReason 2).
FIX42 = "FIX.4.2"
_FIX42_ORD_REJ = frozenset(range(9))
_FIX42_ORD_REJ_FALLBACK = 0
_FIX42_CXL_REJ = frozenset(range(4))
_FIX42_CXL_REJ_FALLBACK = 2


def ord_rej_reason(reason: RejectReason, begin_string: str = "FIX.4.4") -> int:
    """OrdRejReason(103) for `reason`, as the session's FIX version can express it."""
    code = ORD_REJ_REASON[reason]
    if begin_string == FIX42 and code not in _FIX42_ORD_REJ:
        return _FIX42_ORD_REJ_FALLBACK
    return code


def cxl_rej_reason(reason: CancelRejectReason, begin_string: str = "FIX.4.4") -> int:
    """CxlRejReason(102) for `reason`, as the session's FIX version can express it."""
    code = CXL_REJ_REASON[reason]
    if begin_string == FIX42 and code not in _FIX42_CXL_REJ:
        return _FIX42_CXL_REJ_FALLBACK
    return code
