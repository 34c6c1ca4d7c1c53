"""Audit trail and end-of-day: an order's history, the day report, DAY expiry on demand and
the new day it starts."""

import time

import pytest
from sqlalchemy import text

from fixspec import tags
from gateway.__main__ import main
from gateway.store import Store

pytestmark = pytest.mark.timeout(60)


def test_audit_prints_messages_in_and_out_and_every_state_change(start_gateway, connect,
                                                                  capsys):
    gw = start_gateway()
    seller, buyer = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    sell = seller.new_order("BTC-USD", "2", "1", "60000")
    order_id = seller.expect(ExecType="0", ClOrdID=sell)[tags.OrderID]
    buyer.new_order("BTC-USD", "1", "0.25", "60000")
    seller.expect(ExecType="F")
    cancel = seller.cancel(sell, "BTC-USD", "2")
    seller.expect(ExecType="4", ClOrdID=cancel)
    gw.stop()

    code = main(["audit", "--order", order_id, "--config", str(gw.settings.source)])

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith(f"order {order_id} of CLIENT1") and "CANCELED" in out[0]
    states = [line for line in out if " STATE " in line]
    assert [s.split()[3] for s in states] == ["OrderAccepted", "OrderFilled", "OrderCanceled"]
    assert "reason=REQUESTED" in states[-1]
    messages = [line for line in out if " MSG " in line]
    assert any("IN " in m and "|35=D|" in m and f"|11={sell}|" in m for m in messages)
    assert any("OUT" in m and "|35=8|" in m and "|150=F|" in m for m in messages)
    assert any("IN " in m and "|35=F|" in m for m in messages)
    assert all("554=" not in m for m in messages)


def test_audit_of_an_unknown_order_says_so(start_gateway, capsys):
    gw = start_gateway()
    gw.stop()

    code = main(["audit", "--order", "999", "--config", str(gw.settings.source)])

    assert code == 1 and "not found" in capsys.readouterr().err


def test_day_report_lists_trades_volume_and_positions_per_account(start_gateway, connect,
                                                                  capsys):
    gw = start_gateway()
    seller, buyer = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    seller.new_order("BTC-USD", "2", "1", "60000")
    seller.expect(ExecType="0")
    buyer.new_order("BTC-USD", "1", "0.25", "60000")
    buyer.expect(ExecType="0"), buyer.expect(ExecType="F")
    gw.stop()
    today = time.strftime("%Y-%m-%d", time.gmtime())

    code = main(["report", "--day", today, "--config", str(gw.settings.source)])

    out = capsys.readouterr().out
    assert code == 0
    assert "account CLIENT1: 1 trades" in out and "account CLIENT2: 1 trades" in out
    assert "BTC-USD: trades 1, bought 0, sold 0.25, volume 15000 USD, position -0.25" in out
    assert "BTC-USD: trades 1, bought 0.25, sold 0, volume 15000 USD, position 0.25" in out


def test_end_of_day_on_demand_expires_day_orders_reports_them_and_starts_a_new_day(
        start_gateway, connect):
    gw = start_gateway()
    client = connect(gw)
    day = client.new_order("ETH-USD", "1", "1", "3000", tif="0")
    gtc = client.new_order("ETH-USD", "1", "1", "2999", tif="1")
    client.expect(ClOrdID=day, ExecType="0"), client.expect(ClOrdID=gtc, ExecType="0")

    gw.end_of_day()

    expired = client.expect(ClOrdID=day, ExecType="C", OrdStatus="C")
    assert expired[tags.LeavesQty] == "0"
    assert client.drain(0.3) == []  # the GTC order is untouched
    # The next day: the expired order's ClOrdID may be used again, not the GTC order's
    # (carried over, live), which is still cancellable by it.
    client.new_order("ETH-USD", "1", "1", "2998", cl_ord_id=day)
    reused = client.expect(ClOrdID=day)
    client.new_order("ETH-USD", "1", "1", "2997", cl_ord_id=gtc)
    duplicate = client.expect(ClOrdID=gtc)
    client.cancel(gtc, "ETH-USD", "1")
    canceled = client.expect(OrigClOrdID=gtc)
    assert reused[tags.ExecType] == "0" and reused[tags.OrdStatus] == "0"
    assert duplicate[tags.ExecType] == "8" and duplicate[tags.OrdRejReason] == "6"
    assert canceled[tags.ExecType] == "4"


def test_the_audit_of_an_order_leaves_out_a_later_days_order_with_its_clordid(
        start_gateway, connect, capsys):
    gw = start_gateway()
    client = connect(gw)
    first = client.new_order("ETH-USD", "1", "1", "3000")
    first_id = client.expect(ClOrdID=first, ExecType="0")[tags.OrderID]
    client.expect(ExecType="4", ClOrdID=client.cancel(first, "ETH-USD", "1"))
    gw.end_of_day()
    client.new_order("ETH-USD", "1", "2", "2990", cl_ord_id=first)  # the next day, reused
    second_id = client.expect(ClOrdID=first, ExecType="0")[tags.OrderID]
    client.expect(ExecType="4", ClOrdID=client.cancel(first, "ETH-USD", "1"))
    gw.stop()

    assert main(["audit", "--order", first_id, "--config", str(gw.settings.source)]) == 0

    messages = [line for line in capsys.readouterr().out.splitlines() if " MSG " in line]
    [new_order] = [m for m in messages if "|35=D|" in m]
    assert "|38=1|" in new_order  # its own, not the next day's (38=2)
    assert sum("|35=F|" in m for m in messages) == 1
    assert sum("|35=8|" in m for m in messages) == 2  # accepted, cancelled
    assert not any(f"|37={second_id}|" in m for m in messages)


def test_positions_and_exposures_are_queryable_in_the_database(start_gateway, connect):
    gw = start_gateway(**{"counterparties.CLIENT1.cancel_on_disconnect": False})
    seller, buyer = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    seller.new_order("BTC-USD", "2", "1", "60000")
    seller.expect(ExecType="0")
    buyer.new_order("BTC-USD", "1", "0.25", "60000")
    buyer.expect(ExecType="0"), buyer.expect(ExecType="F")
    gw.stop()

    store = Store(gw.settings.database.url)
    with store.engine.connect() as conn:
        positions = conn.execute(text(
            "SELECT account, symbol, net_qty FROM positions ORDER BY account")).all()
        exposures = conn.execute(text(
            "SELECT account, symbol, side, open_orders, open_qty, open_notional "
            "FROM exposures")).all()
    store.close()

    # Lots of 0.0001 BTC and ticks of 0.01 USD: 0.25 BTC = 2500 lots, 0.75 BTC at 60000.
    assert [tuple(p) for p in positions] == [("CLIENT1", "BTC-USD", -2500),
                                             ("CLIENT2", "BTC-USD", 2500)]
    assert [tuple(e) for e in exposures] == [("CLIENT1", "BTC-USD", "SELL", 1, 7500,
                                              7500 * 6_000_000)]
