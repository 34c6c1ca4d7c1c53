"""The journal codec: commands and events survive encode/decode unchanged, compiled core
classes included (their field types are read from the source annotations)."""

from __future__ import annotations

import json

from gateway import codec
from matching.commands import MassCancel, SubmitOrder
from matching.events import OrderRejected
from matching.model import Collar, OrdStatus, OrdType, Side, TimeInForce
from matching.reasons import EndReason, RejectReason


def _round_trip(obj: object) -> object:
    name, fields = codec.encode(obj)
    return codec.decode(name, json.loads(json.dumps(fields)))


def test_a_stop_order_with_its_collar_round_trips() -> None:
    cmd = SubmitOrder("CLIENT1", "ACC1", "c1", "BTC-USD", Side.SELL, OrdType.STOP,
                      TimeInForce.GTC, 100, 5_700_000, 7, stop_price=5_900_000,
                      collar=Collar(1, 20, None))

    assert _round_trip(cmd) == cmd


def test_enum_fields_of_events_and_of_defaulted_fields_round_trip() -> None:
    rejected = OrderRejected(3, 0, "CLIENT1", "ACC1", "c1", None, "BTC-USD", Side.BUY,
                             OrdType.LIMIT, TimeInForce.IOC, 100, None, 5, 0, 0, 0,
                             OrdStatus.REJECTED, 9, RejectReason.RISK_MAX_QTY, "too big")
    mass = MassCancel(None, "halt", 4, symbol="ETH-USD", reason=EndReason.HALT)

    assert _round_trip(rejected) == rejected
    assert _round_trip(mass) == mass
