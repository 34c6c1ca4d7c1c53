"""Why something was refused or ended: one coded reason per outcome, named for the stage.

Prefixes say which stage decided (GW_ gateway decode, RISK_ pre-trade risk, MATCH_ the
matching engine). `fixspec/reasons.py` is the one table mapping each to its FIX answer.
Tests assert on these members, never on message text.
"""

from enum import Enum


class RejectReason(Enum):
    """A command refused: it changed nothing but the ExecID sequence."""

    GW_UNKNOWN_SYMBOL = "gw_unknown_symbol"
    GW_PRICE_OFF_TICK = "gw_price_off_tick"
    GW_QTY_OFF_LOT = "gw_qty_off_lot"
    GW_BAD_VALUE = "gw_bad_value"
    GW_MISSING_FIELD = "gw_missing_field"
    GW_UNSUPPORTED = "gw_unsupported"

    RISK_UNKNOWN_ACCOUNT = "risk_unknown_account"
    RISK_MAX_QTY = "risk_max_qty"
    RISK_MAX_NOTIONAL = "risk_max_notional"
    RISK_PRICE_COLLAR = "risk_price_collar"
    RISK_NO_REFERENCE_PRICE = "risk_no_reference_price"
    RISK_CREDIT_OPEN_NOTIONAL = "risk_credit_open_notional"
    RISK_CREDIT_POSITION_NOTIONAL = "risk_credit_position_notional"
    RISK_POSITION_LIMIT = "risk_position_limit"
    RISK_REDUCE_ONLY = "risk_reduce_only"
    RISK_MAX_OPEN_ORDERS = "risk_max_open_orders"
    RISK_THROTTLED = "risk_throttled"
    RISK_HALTED = "risk_halted"
    RISK_INSTRUMENT_RESTRICTED = "risk_instrument_restricted"

    MATCH_UNKNOWN_SYMBOL = "match_unknown_symbol"
    MATCH_DUPLICATE_CLORDID = "match_duplicate_clordid"
    MATCH_QTY_BELOW_MIN = "match_qty_below_min"
    MATCH_QTY_ABOVE_MAX = "match_qty_above_max"
    MATCH_POST_ONLY_WOULD_CROSS = "match_post_only_would_cross"
    MATCH_INVALID_ORDER = "match_invalid_order"
    MATCH_EXPIRE_IN_PAST = "match_expire_in_past"


class CancelRejectReason(Enum):
    """A cancel or replace refused; the order, if any, is unchanged."""

    UNKNOWN_ORDER = "unknown_order"  # never existed, or belongs to someone else
    TOO_LATE = "too_late"  # already filled, cancelled or expired
    DUPLICATE_CLORDID = "duplicate_clordid"
    INVALID_REPLACE = "invalid_replace"  # e.g. a price on a market order, post-only crossing
    MISMATCH = "mismatch"  # the request states another Side or Symbol than the order's
    HALTED = "halted"


class EndReason(Enum):
    """Why a live order was cancelled or expired without a request for exactly that."""

    REQUESTED = "requested"
    IOC_REMAINDER = "ioc_remainder"
    FOK_UNFILLABLE = "fok_unfillable"
    MARKET_REMAINDER = "market_remainder"
    NO_LIQUIDITY = "no_liquidity"
    SELF_TRADE = "self_trade"
    MASS_CANCEL = "mass_cancel"
    DISCONNECT = "disconnect"
    HALT = "halt"
    GTD_EXPIRED = "gtd_expired"
    DAY_END = "day_end"
    REPLACED_TO_FILLED = "replaced_to_filled"
    REDUCE_ONLY = "reduce_only"  # cut to nothing so that it cannot flip the position
