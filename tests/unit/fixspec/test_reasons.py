import pytest

from fixspec import reasons as r
from matching.reasons import CancelRejectReason, EndReason, RejectReason


def test_every_reject_reason_has_an_ord_rej_reason(fix44_enums):
    assert set(r.ORD_REJ_REASON) == set(RejectReason)
    assert {str(c) for c in r.ORD_REJ_REASON.values()} <= fix44_enums["OrdRejReason"]


def test_every_cancel_reject_reason_has_a_cxl_rej_reason(fix44_enums):
    assert set(r.CXL_REJ_REASON) == set(CancelRejectReason)
    assert {str(c) for c in r.CXL_REJ_REASON.values()} <= fix44_enums["CxlRejReason"]


def test_every_end_reason_has_a_one_line_text():
    assert set(r.END_REASON_TEXT) == set(EndReason)
    assert all(text and "\n" not in text for text in r.END_REASON_TEXT.values())


@pytest.mark.parametrize(("reason", "code"), [
    (RejectReason.GW_UNKNOWN_SYMBOL, 1),
    (RejectReason.GW_PRICE_OFF_TICK, 99),
    (RejectReason.GW_QTY_OFF_LOT, 13),
    (RejectReason.RISK_MAX_NOTIONAL, 3),
    (RejectReason.RISK_HALTED, 2),  # pinned: "exchange closed", not 99
    (RejectReason.MATCH_DUPLICATE_CLORDID, 6),
])
def test_pinned_ord_rej_reasons(reason, code):
    assert r.ord_rej_reason(reason) == code


@pytest.mark.parametrize("reason", list(RejectReason))
def test_fix42_ord_rej_reason_is_a_fix42_value(reason, fix42_enums):
    assert str(r.ord_rej_reason(reason, "FIX.4.2")) in fix42_enums["OrdRejReason"]


@pytest.mark.parametrize("reason", list(CancelRejectReason))
def test_fix42_cxl_rej_reason_is_a_fix42_value(reason, fix42_enums):
    assert str(r.cxl_rej_reason(reason, "FIX.4.2")) in fix42_enums["CxlRejReason"]


def test_fix42_keeps_codes_it_has_and_falls_back_to_broker_option():
    assert r.ord_rej_reason(RejectReason.MATCH_DUPLICATE_CLORDID, "FIX.4.2") == 6
    assert r.ord_rej_reason(RejectReason.MATCH_INVALID_ORDER, "FIX.4.2") == 0
    assert r.cxl_rej_reason(CancelRejectReason.UNKNOWN_ORDER, "FIX.4.2") == 1
    assert r.cxl_rej_reason(CancelRejectReason.DUPLICATE_CLORDID, "FIX.4.2") == 2
