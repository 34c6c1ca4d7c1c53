"""The journal codec: commands and events survive encode/decode unchanged, compiled core
classes included (their field types are read from the source annotations)."""

from __future__ import annotations

import json

from gateway import codec
from matching.commands import (
    CancelOrder,
    MassCancel,
    ReplaceOrder,
    SetSelfTradePrevention,
    SubmitOrder,
)
from matching.events import OrderRejected
from matching.model import Collar, OrdStatus, OrdType, Side, StpMode, TimeInForce
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
                             OrdStatus.REJECTED, 9, None, reason=RejectReason.RISK_MAX_QTY,
                             text="too big")
    mass = MassCancel(None, "halt", 4, symbol="ETH-USD", reason=EndReason.HALT)

    assert _round_trip(rejected) == rejected
    assert _round_trip(mass) == mass


def test_an_event_journaled_before_a_field_it_may_leave_empty_existed_loads() -> None:
    rejected = OrderRejected(3, 0, "CLIENT1", "ACC1", "c1", None, "BTC-USD", Side.BUY,
                             OrdType.LIMIT, TimeInForce.GTD, 100, None, 5, 0, 0, 0,
                             OrdStatus.REJECTED, 9, 10**18, reason=RejectReason.RISK_MAX_QTY,
                             text="big")
    name, fields = codec.encode(rejected)
    del fields["expire_ns"]  # rows written before events carried it
    for field in ("display_qty", "post_only", "reduce_only"):
        del fields[field]

    loaded = codec.decode(name, fields)
    assert loaded.expire_ns is None
    assert (loaded.display_qty, loaded.post_only, loaded.reduce_only) == (None, False, False)


def test_self_trade_prevention_by_account_round_trips() -> None:
    cmd = SetSelfTradePrevention(StpMode.OFF, {"ACC1": StpMode.CANCEL_BOTH, "ACC2": StpMode.OFF},
                                 5)

    assert _round_trip(cmd) == cmd


def test_what_a_cancel_or_replace_states_of_the_order_round_trips_and_older_rows_load() -> None:
    cancel = CancelOrder("CLIENT1", "c2", "c1", None, 3, "BTC-USD", Side.SELL)
    replace = ReplaceOrder("CLIENT1", "c3", "c1", None, 10, 600, 4, side=Side.BUY,
                           reduce_only=True, expire_ns=10**18)
    name, fields = codec.encode(cancel)
    del fields["side"]  # as journaled before the field existed

    assert _round_trip(cancel) == cancel and _round_trip(replace) == replace
    assert codec.decode(name, fields).side is None
    name, fields = codec.encode(replace)
    for added in ("side", "ord_type", "tif", "account", "display_qty", "reduce_only",
                  "expire_ns"):
        del fields[added]
    old = codec.decode(name, fields)
    assert (old.side, old.reduce_only, old.expire_ns) == (None, None, None)
