import pytest

from fixspec import values as v
from matching.model import OrdStatus, OrdType, Side, TimeInForce

MAPS = [
    # (field, FROM_FIX, TO_FIX, domain enum)
    ("Side", v.SIDE_FROM_FIX, v.SIDE_TO_FIX, Side),
    ("OrdType", v.ORD_TYPE_FROM_FIX, v.ORD_TYPE_TO_FIX, OrdType),
    ("TimeInForce", v.TIF_FROM_FIX, v.TIF_TO_FIX, TimeInForce),
    ("OrdStatus", v.ORD_STATUS_FROM_FIX, v.ORD_STATUS_TO_FIX, OrdStatus),
]
LOSSY_KEYS: dict[str, set[str]] = {}  # no map is lossy today; list wire keys here if one becomes so


@pytest.mark.parametrize(("field", "from_fix", "to_fix", "enum"), MAPS, ids=[m[0] for m in MAPS])
def test_value_map_round_trips(field, from_fix, to_fix, enum):
    for wire, member in from_fix.items():
        if wire not in LOSSY_KEYS.get(field, set()):
            assert to_fix[member] == wire
    assert set(to_fix) == set(enum), f"{field}: every domain member has a wire value"


@pytest.mark.parametrize(("field", "from_fix", "to_fix", "enum"), MAPS, ids=[m[0] for m in MAPS])
def test_wire_values_are_in_a_dictionary(field, from_fix, to_fix, enum, fix44_enums, fix42_enums):
    for wire in from_fix:
        assert wire in fix44_enums[field] | fix42_enums[field], (field, wire)


def test_replaced_status_is_fix42_only(fix44_enums, fix42_enums):
    assert v.ORD_STATUS_REPLACED_FIX42 == "5"
    assert v.ORD_STATUS_REPLACED_FIX42 in fix42_enums["OrdStatus"]
    assert v.ORD_STATUS_REPLACED_FIX42 not in fix44_enums["OrdStatus"]


def test_fix44_constants_are_dictionary_values(fix44_enums):
    exec_types = [v.EXEC_TYPE_NEW, v.EXEC_TYPE_CANCELED, v.EXEC_TYPE_REPLACED, v.EXEC_TYPE_REJECTED,
                  v.EXEC_TYPE_EXPIRED, v.EXEC_TYPE_RESTATED, v.EXEC_TYPE_TRADE,
                  v.EXEC_TYPE_ORDER_STATUS]
    assert set(exec_types) <= fix44_enums["ExecType"]
    assert v.EXEC_INST_SUPPORTED <= fix44_enums["ExecInst"]
    known = v.MASS_CANCEL_SUPPORTED | v.MASS_CANCEL_UNSUPPORTED
    assert known == fix44_enums["MassCancelRequestType"]
    assert not v.MASS_CANCEL_SUPPORTED & v.MASS_CANCEL_UNSUPPORTED
    assert set(v.MASS_CANCEL_RESPONSE_FOR) == v.MASS_CANCEL_SUPPORTED
    responses = {v.MASS_CANCEL_RESPONSE_REJECTED, *v.MASS_CANCEL_RESPONSE_FOR.values()}
    assert responses <= fix44_enums["MassCancelResponse"]
    reject_reasons = {v.MASS_CANCEL_REJECT_NOT_SUPPORTED, v.MASS_CANCEL_REJECT_UNKNOWN_SECURITY,
                      v.MASS_CANCEL_REJECT_OTHER}
    assert reject_reasons <= fix44_enums["MassCancelRejectReason"]
    assert {str(x) for x in v.MASS_STATUS_SUPPORTED} <= fix44_enums["MassStatusReqType"]
    response_to = {v.CXL_REJ_RESPONSE_TO_CANCEL, v.CXL_REJ_RESPONSE_TO_REPLACE}
    assert response_to <= fix44_enums["CxlRejResponseTo"]
    liquidity = {str(v.LAST_LIQUIDITY_ADDED), str(v.LAST_LIQUIDITY_REMOVED)}
    assert liquidity <= fix44_enums["LastLiquidityInd"]
    assert {v.FIX_YES, v.FIX_NO} == fix44_enums["PossResend"]


@pytest.mark.parametrize("exec_type", ["0", "4", "5", "8", "C", "D", "F", "I"])
@pytest.mark.parametrize("status", list(OrdStatus))
def test_fix42_exec_type_is_valid_fix42(exec_type, status, fix42_enums):
    trans_type, exec_type_42 = v.exec_type_fix42(exec_type, status)
    assert trans_type in fix42_enums["ExecTransType"]
    assert exec_type_42 in fix42_enums["ExecType"]


def test_fix42_trade_is_partial_fill_or_fill_by_status():
    assert v.exec_type_fix42(v.EXEC_TYPE_TRADE, OrdStatus.PARTIALLY_FILLED) == ("0", "1")
    assert v.exec_type_fix42(v.EXEC_TYPE_TRADE, OrdStatus.FILLED) == ("0", "2")


def test_fix42_status_report_uses_exec_trans_type_status():
    status_report = v.exec_type_fix42(v.EXEC_TYPE_ORDER_STATUS, OrdStatus.NEW)
    assert status_report == (v.EXEC_TRANS_TYPE_STATUS, "0")


def test_exec_inst_splits_and_joins_multiple_values():
    assert v.exec_inst_values("E 6") == {v.EXEC_INST_POST_ONLY, v.EXEC_INST_REDUCE_ONLY}
    assert v.exec_inst_values("") == frozenset()
    assert v.exec_inst_text({v.EXEC_INST_REDUCE_ONLY, v.EXEC_INST_POST_ONLY}) == "6 E"
