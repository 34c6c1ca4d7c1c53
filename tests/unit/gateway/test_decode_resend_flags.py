"""An order that may be a repeat (PossResend or PossDupFlag) is marked so the core answers it
with the order's state instead of executing it twice (see the engine's resend tests)."""

import pytest
import quickfix as fix

from fixspec import tags
from gateway.decode import Party, decode_new_order
from matching.model import Instrument

BTC = {"BTC-USD": Instrument.create("BTC-USD", "0.01", "0.0001")}
PARTY = Party("CLIENT1", ("CLIENT1",), "FIX.4.4")


def _order(**header: str) -> fix.Message:
    msg = fix.Message()
    msg.getHeader().setField(tags.MsgType, tags.MSG_NewOrderSingle)
    for tag, value in header.items():
        msg.getHeader().setField(getattr(tags, tag), value)
    for tag, value in ((tags.ClOrdID, "c1"), (tags.Symbol, "BTC-USD"), (tags.Side, "1"),
                       (tags.OrderQty, "0.1"), (tags.OrdType, "2"), (tags.Price, "59000")):
        msg.setField(tag, value)
    return msg


@pytest.mark.parametrize("header, repeat", [
    ({}, False),
    ({"PossResend": "Y"}, True),
    ({"PossDupFlag": "Y"}, True),
    ({"PossDupFlag": "N", "PossResend": "N"}, False),
])
def test_possible_repeats_are_marked(header, repeat):
    cmd = decode_new_order(_order(**header), PARTY, BTC, ts_ns=1)

    assert cmd.poss_resend is repeat
