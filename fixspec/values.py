"""FIX wire values <-> domain enums, one pair of dicts per field, plus the few wire constants.

Decoding a message and choosing what to send stay in the gateway; this module only names
values. A wire value missing from a *_FROM_FIX map is unsupported (the decoder raises BadValue).
CHAR/STRING fields are `str`, INT fields `int`, as their dictionary types say.
"""

from __future__ import annotations

from collections.abc import Iterable

from fixspec import tags
from matching.model import OrdStatus, OrdType, Side, TimeInForce

# -- Side(54) --
SIDE_FROM_FIX: dict[str, Side] = {"1": Side.BUY, "2": Side.SELL}
SIDE_TO_FIX: dict[Side, str] = {v: k for k, v in SIDE_FROM_FIX.items()}

# -- OrdType(40) --
ORD_TYPE_FROM_FIX: dict[str, OrdType] = {
    "1": OrdType.MARKET,
    "2": OrdType.LIMIT,
    "3": OrdType.STOP,
    "4": OrdType.STOP_LIMIT,
}
ORD_TYPE_TO_FIX: dict[OrdType, str] = {v: k for k, v in ORD_TYPE_FROM_FIX.items()}

# -- TimeInForce(59) --
TIF_FROM_FIX: dict[str, TimeInForce] = {
    "0": TimeInForce.DAY,
    "1": TimeInForce.GTC,
    "3": TimeInForce.IOC,
    "4": TimeInForce.FOK,
    "6": TimeInForce.GTD,
}
TIF_TO_FIX: dict[TimeInForce, str] = {v: k for k, v in TIF_FROM_FIX.items()}
TIF_WHEN_ABSENT = TimeInForce.DAY  # FIX: "Absence of this field indicates Day order"

# -- OrdStatus(39) --
ORD_STATUS_FROM_FIX: dict[str, OrdStatus] = {
    "0": OrdStatus.NEW,
    "1": OrdStatus.PARTIALLY_FILLED,
    "2": OrdStatus.FILLED,
    "4": OrdStatus.CANCELED,
    "5": OrdStatus.REPLACED,  # FIX 4.2 only (a replace ack); FIX 4.4 dropped the value
    "8": OrdStatus.REJECTED,
    "C": OrdStatus.EXPIRED,
}
ORD_STATUS_TO_FIX: dict[OrdStatus, str] = {v: k for k, v in ORD_STATUS_FROM_FIX.items()}
ORD_STATUS_REPLACED_FIX42 = ORD_STATUS_TO_FIX[OrdStatus.REPLACED]

# -- ExecType(150), FIX 4.4 --
EXEC_TYPE_NEW = "0"
EXEC_TYPE_CANCELED = "4"
EXEC_TYPE_REPLACED = "5"
EXEC_TYPE_REJECTED = "8"
EXEC_TYPE_EXPIRED = "C"
EXEC_TYPE_RESTATED = "D"
EXEC_TYPE_TRADE = "F"
EXEC_TYPE_ORDER_STATUS = "I"

# -- FIX 4.2: no Trade, OrderStatus or Triggered ExecType; ExecTransType(20) marks status --
EXEC_TYPE_FIX42_PARTIAL_FILL = "1"
EXEC_TYPE_FIX42_FILL = "2"
EXEC_TRANS_TYPE_NEW = "0"
EXEC_TRANS_TYPE_STATUS = "3"


def exec_type_fix42(exec_type: str, status: OrdStatus) -> tuple[str, str]:
    """A FIX 4.4 ExecType and the order's status as FIX 4.2 (ExecTransType, ExecType)."""
    if exec_type == EXEC_TYPE_TRADE:
        fill = EXEC_TYPE_FIX42_FILL if status is OrdStatus.FILLED else EXEC_TYPE_FIX42_PARTIAL_FILL
        return EXEC_TRANS_TYPE_NEW, fill
    if exec_type == EXEC_TYPE_ORDER_STATUS:
        # A FIX 4.2 status report repeats the order's OrdStatus as its ExecType.
        return EXEC_TRANS_TYPE_STATUS, ORD_STATUS_TO_FIX[status]
    return EXEC_TRANS_TYPE_NEW, exec_type


# -- ExecInst(18): a space-separated MultipleValueString --
EXEC_INST_POST_ONLY = "6"  # Participate don't initiate
EXEC_INST_REDUCE_ONLY = "E"  # Do not increase
EXEC_INST_SUPPORTED = frozenset({EXEC_INST_POST_ONLY, EXEC_INST_REDUCE_ONLY})


def exec_inst_values(text: str) -> frozenset[str]:
    """The instructions in an ExecInst(18) value."""
    return frozenset(text.split())


def exec_inst_text(values: Iterable[str]) -> str:
    """ExecInst(18) value for a set of instructions, in a stable order."""
    return " ".join(sorted(values))


# -- LastLiquidityInd(851) --
LAST_LIQUIDITY_ADDED = 1  # maker
LAST_LIQUIDITY_REMOVED = 2  # taker

# -- OrderMassCancelRequest: MassCancelRequestType(530), MassCancelResponse(531) --
MASS_CANCEL_BY_SECURITY = "1"
MASS_CANCEL_ALL = "7"
MASS_CANCEL_SUPPORTED = frozenset({MASS_CANCEL_BY_SECURITY, MASS_CANCEL_ALL})
# Valid FIX but not offered (underlying, product, CFI code, security type, trading session):
# answered with MassCancelResponse 0 and MassCancelRejectReason 0, not a session reject.
MASS_CANCEL_UNSUPPORTED = frozenset({"2", "3", "4", "5", "6"})
MASS_CANCEL_RESPONSE_REJECTED = "0"
# The response echoes the request type it carried out.
MASS_CANCEL_RESPONSE_FOR: dict[str, str] = {MASS_CANCEL_BY_SECURITY: "1", MASS_CANCEL_ALL: "7"}

# -- MassCancelRejectReason(532); a STRING field in FIX44.xml --
MASS_CANCEL_REJECT_NOT_SUPPORTED = "0"
MASS_CANCEL_REJECT_UNKNOWN_SECURITY = "1"
MASS_CANCEL_REJECT_OTHER = "99"

# -- OrderMassStatusRequest: MassStatusReqType(585) --
MASS_STATUS_BY_SECURITY = 1
MASS_STATUS_ALL = 7
MASS_STATUS_SUPPORTED = frozenset({MASS_STATUS_BY_SECURITY, MASS_STATUS_ALL})
MASS_STATUS_DEFINED = frozenset(range(1, 9))  # FIX 4.4's values: a request of one is valid

# -- OrderCancelReject: CxlRejResponseTo(434) --
CXL_REJ_RESPONSE_TO_CANCEL = "1"
CXL_REJ_RESPONSE_TO_REPLACE = "2"  # the dictionary calls it ORDER_CANCEL; it is cancel/replace

# -- BusinessMessageReject: BusinessRejectReason(380) --
BUSINESS_REJECT_OTHER = 0
BUSINESS_REJECT_UNKNOWN_ID = 1
BUSINESS_REJECT_UNKNOWN_SECURITY = 2
BUSINESS_REJECT_UNSUPPORTED_MSG_TYPE = 3
BUSINESS_REJECT_APPLICATION_NOT_AVAILABLE = 4
BUSINESS_REJECT_CONDITIONALLY_REQUIRED_MISSING = 5
BUSINESS_REJECT_NOT_AUTHORIZED = 6  # FIX 4.4 only

# The business-level ID field of each message type, which a BusinessMessageReject names in
# BusinessRejectRefID(379) ("required unless the corresponding ID field was not specified")
BUSINESS_ID_TAG: dict[str, int] = {
    tags.MSG_NewOrderSingle: tags.ClOrdID,
    tags.MSG_OrderCancelRequest: tags.ClOrdID,
    tags.MSG_OrderCancelReplaceRequest: tags.ClOrdID,
    tags.MSG_OrderStatusRequest: tags.ClOrdID,
    tags.MSG_OrderMassCancelRequest: tags.ClOrdID,
    tags.MSG_OrderMassStatusRequest: tags.MassStatusReqID,
    tags.MSG_NewOrderMultileg: tags.ClOrdID,
    tags.MSG_NewOrderList: tags.ListID,
    tags.MSG_NewOrderCross: tags.CrossID,
    tags.MSG_QuoteRequest: tags.QuoteReqID,
    tags.MSG_Quote: tags.QuoteID,
    tags.MSG_QuoteResponse: tags.QuoteRespID,
    tags.MSG_RFQRequest: tags.RFQReqID,
    tags.MSG_MarketDataRequest: tags.MDReqID,
    tags.MSG_SecurityListRequest: tags.SecurityReqID,
    tags.MSG_SecurityDefinitionRequest: tags.SecurityReqID,
    tags.MSG_SecurityStatusRequest: tags.SecurityStatusReqID,
}

# -- BOOLEAN fields (PossResend(97), ...) --
FIX_YES = "Y"
FIX_NO = "N"

# -- Identifiers and restatements the gateway writes --
ID_NONE = "NONE"  # OrderID/OrigClOrdID when there is no such order (FIX convention)
# ExecRestatementReason(378), values FIX 4.2 and 4.4 share:
EXEC_RESTATEMENT_BROKER_OPTION = 4  # a stop order triggered (reported as ExecType D)
EXEC_RESTATEMENT_PARTIAL_DECLINE = 5  # quantity reduced by self-trade prevention
