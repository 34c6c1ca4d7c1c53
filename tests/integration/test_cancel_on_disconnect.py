"""Cancel-on-disconnect per counterparty: a session that drops or logs out has its resting
orders cancelled, and learns so from resent ExecutionReports or a status request."""

import pytest

from fixspec import tags

pytestmark = pytest.mark.timeout(60)

BUY, SELL = "1", "2"


def rest(client, side, qty, price, symbol="BTC-USD"):
    cl = client.new_order(symbol, side, qty, price)
    client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl)
    return cl


def test_resting_orders_are_canceled_when_the_session_drops(gateway, connect):
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    orders = [rest(client, SELL, "0.1", "60000"), rest(client, BUY, "1", "3000", "ETH-USD")]
    theirs = rest(other, BUY, "0.1", "59000")

    client.drop()

    assert client.logged_on.wait(10), "no reconnect"
    cancels = [client.expect(MsgType="8", ExecType="4", OrdStatus="4") for _ in orders]
    assert sorted(c[tags.ClOrdID] for c in cancels) == sorted(orders)
    assert all(c[tags.LeavesQty] == "0" for c in cancels)
    ioc = other.new_order("BTC-USD", BUY, "0.1", "60000", tif="3")
    assert [r[tags.ExecType] for r in other.until_done(ioc)] == ["4"]
    other.status(theirs, "BTC-USD", BUY)
    other.expect(ExecType="I", OrdStatus="0", ClOrdID=theirs)


def test_counterparty_that_logged_out_learns_of_the_cancels_from_the_resend(gateway, connect):
    client = connect(gateway, "CLIENT1")
    orders = [rest(client, SELL, "0.1", "60000"), rest(client, SELL, "0.2", "60001")]

    client.stop()  # Logout, then the connection closes
    client.start()

    cancels = [client.expect(MsgType="8", ExecType="4", OrdStatus="4") for _ in orders]
    assert [c[tags.ClOrdID] for c in cancels] == orders
    assert all(c[tags.PossDupFlag] == "Y" for c in cancels)
    assert all(c[tags.LeavesQty] == "0" and c[tags.CumQty] == "0" for c in cancels)


def test_counterparty_back_after_a_drop_sees_its_order_canceled_in_a_status(gateway, connect):
    client = connect(gateway, "CLIENT1")
    cl = rest(client, SELL, "0.1", "60000")
    client.drop()
    assert client.logged_on.wait(10), "no reconnect"
    client.expect(ExecType="4", ClOrdID=cl)

    client.status(cl, "BTC-USD", SELL)

    status = client.expect(ExecType="I", ClOrdID=cl)
    assert (status[tags.OrdStatus], status[tags.LeavesQty]) == ("4", "0")


def test_partially_filled_order_is_canceled_with_its_fills_kept(gateway, connect):
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl = rest(client, SELL, "1", "60000")
    other.until_done(other.new_order("BTC-USD", BUY, "0.3", "60000"))
    client.expect(ExecType="F", ClOrdID=cl)

    client.drop()

    assert client.logged_on.wait(10), "no reconnect"
    cancel = client.expect(ExecType="4", OrdStatus="4", ClOrdID=cl)
    assert (cancel[tags.CumQty], cancel[tags.LeavesQty], cancel[tags.AvgPx]) == (
        "0.3", "0", "60000")


def test_orders_stay_when_cancel_on_disconnect_is_off(start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT1.cancel_on_disconnect": False})
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl = rest(client, SELL, "0.1", "60000")

    client.drop()

    assert client.logged_on.wait(10), "no reconnect"
    client.status(cl, "BTC-USD", SELL)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl, LeavesQty="0.1")
    buy = other.new_order("BTC-USD", BUY, "0.1", "60000", tif="3")
    assert [r[tags.ExecType] for r in other.until_done(buy)] == ["F"]
    client.expect(ExecType="F", OrdStatus="2", ClOrdID=cl)


def test_orders_of_a_counterparty_that_logged_out_stay_when_cancel_on_disconnect_is_off(
        start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT1.cancel_on_disconnect": False})
    client = connect(gateway, "CLIENT1")
    cl = rest(client, SELL, "0.1", "60000")
    client.stop()

    client.start()

    client.status(cl, "BTC-USD", SELL)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl, LeavesQty="0.1")
