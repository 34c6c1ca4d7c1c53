"""Business rejects over real FIX sessions: ExecutionReport 39=8 with OrdRejReason and a Text
naming the value and the rule, and no change of state; PossResend of a known order."""

from datetime import datetime, timedelta, timezone

import pytest

from fixspec import tags

pytestmark = pytest.mark.timeout(60)

BUY, SELL = "1", "2"


def assert_rejected(er, cl, code, *named):
    assert (er[tags.MsgType], er[tags.ExecType], er[tags.OrdStatus]) == ("8", "8", "8"), er
    assert er[tags.ClOrdID] == cl and er[tags.OrdRejReason] == code, er
    assert er[tags.LeavesQty] == "0" and er[tags.CumQty] == "0", er
    for value in named:  # the Text names the offending value and the rule's limit
        assert value in er[tags.Text], er


def assert_nothing_rests(client, cl, symbol="BTC-USD", side=BUY):
    """The rejected ClOrdID names no order: it is unknown, and it can be used again."""
    client.status(cl, symbol, side)
    client.expect(ExecType="I", OrdStatus="8", ClOrdID=cl)


def past(seconds=60):
    stamp = datetime.now(timezone.utc) - timedelta(seconds=seconds)
    return stamp.strftime("%Y%m%d-%H:%M:%S.%f")[:-3]


@pytest.mark.parametrize(
    ("symbol", "qty", "price", "extra", "code", "named"),
    [
        pytest.param("DOGE-USD", "1", "1", {}, "1", ("DOGE-USD",), id="unknown-symbol"),
        pytest.param("BTC-USD", "0.1", "60000.005", {}, "99", ("60000.005", "0.01"),
                     id="price-off-tick"),
        pytest.param("BTC-USD", "0.00015", "60000", {}, "13", ("0.00015", "0.0001"),
                     id="qty-off-lot"),
        pytest.param("BTC-USD", "0.1", "60000", {"Account": "CLIENT2"}, "15", ("CLIENT2",),
                     id="foreign-account"),
        pytest.param("BTC-USD", "0.1", "60000", {"Account": "NOBODY"}, "15", ("NOBODY",),
                     id="unknown-account"),
        pytest.param("BTC-USD", "0.1", "60000", {"tif": "6", "ExpireTime": past()}, "99", (),
                     id="gtd-in-the-past"),
        pytest.param("BTC-USD", "0", "60000", {}, "13", ("quantity 0 must be positive",),
                     id="qty-zero"),
        pytest.param("BTC-USD", "-1", "60000", {}, "13", ("quantity -1 must be positive",),
                     id="qty-negative"),
        pytest.param("BTC-USD", "0.1", "0", {}, "99", ("price 0 must be positive",),
                     id="price-zero"),
        pytest.param("BTC-USD", "0.1", "60000", {"ord_type": "4", "StopPx": "-5"}, "99",
                     ("stop price -5 must be positive",), id="stop-price-negative"),
    ],
)
def test_new_order_breaking_a_rule_is_rejected_with_reason_and_changes_nothing(
        gateway, connect, symbol, qty, price, extra, code, named):
    client = connect(gateway)

    cl = client.new_order(symbol, BUY, qty, price, **extra)

    assert_rejected(client.expect(ClOrdID=cl), cl, code, *named)
    assert_nothing_rests(client, cl, symbol)


@pytest.mark.parametrize(("price", "expire"), [
    pytest.param("60000.005", "20991231-23:59:00.000", id="at-decode"),
    pytest.param("60000", past(), id="by-the-core"),
])
def test_the_reject_of_a_gtd_order_restates_its_expire_time(gateway, connect, price, expire):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.1", price, tif="6", ExpireTime=expire)

    er = client.expect(ClOrdID=cl, OrdStatus="8", TimeInForce="6")
    assert er[tags.ExpireTime] == expire


def test_an_order_refused_at_decode_echoes_what_it_stated(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.5", "60000.005")

    er = client.expect(ClOrdID=cl)
    assert_rejected(er, cl, "99", "60000.005")
    assert er[tags.OrderQty] == "0.5"  # converted before the price was refused


def test_qty_below_the_instrument_minimum_is_rejected(start_gateway, connect):
    gateway = start_gateway(**{"instruments.BTC-USD.min_qty": "0.01"})
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.0099", "60000")

    assert_rejected(client.expect(ClOrdID=cl), cl, "13", "0.0099", "0.01")
    assert_nothing_rests(client, cl)


def test_qty_above_the_instrument_maximum_is_rejected(start_gateway, connect):
    gateway = start_gateway(**{"instruments.BTC-USD.max_qty": "1"})
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "1.5", "60000")

    assert_rejected(client.expect(ClOrdID=cl), cl, "13", "1.5", "1")
    assert_nothing_rests(client, cl)


def test_price_outside_the_risk_collar_is_rejected_as_exceeding_a_limit(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.1", "50000")

    assert_rejected(client.expect(ClOrdID=cl), cl, "3", "50000")
    assert_nothing_rests(client, cl)


def test_rejected_order_does_not_trade_against_a_crossing_order(gateway, connect):
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl = client.new_order("BTC-USD", SELL, "0.1", "60000.005")
    assert_rejected(client.expect(ClOrdID=cl), cl, "99")

    ioc = other.new_order("BTC-USD", BUY, "0.1", "60010", tif="3")

    assert [r[tags.ExecType] for r in other.until_done(ioc)] == ["4"]
    assert client.sync() == []


def test_duplicate_clordid_of_a_live_order_is_rejected_and_the_order_is_unchanged(
        gateway, connect):
    client = connect(gateway)
    cl = client.new_order("BTC-USD", BUY, "0.5", "60000")
    ack = client.expect(ExecType="0", ClOrdID=cl)

    client.new_order("BTC-USD", SELL, "0.7", "59000", cl_ord_id=cl)

    assert_rejected(client.expect(ClOrdID=cl), cl, "6", cl)
    client.status(cl, "BTC-USD", BUY)
    status = client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl)
    assert (status[tags.OrderID], status[tags.Side], status[tags.LeavesQty]) == (
        ack[tags.OrderID], BUY, "0.5")


def test_rejected_clordid_can_be_used_again(gateway, connect):
    client = connect(gateway)
    cl = client.new_order("BTC-USD", BUY, "0.5", "60000.005")
    assert_rejected(client.expect(ClOrdID=cl), cl, "99")

    client.new_order("BTC-USD", BUY, "0.5", "60000", cl_ord_id=cl)

    client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl)


def test_post_only_order_that_would_cross_is_rejected_and_nothing_trades(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell = seller.new_order("BTC-USD", SELL, "0.1", "60000")
    seller.expect(ExecType="0", ClOrdID=sell)

    buy = buyer.new_order("BTC-USD", BUY, "0.1", "60000", ExecInst="6")

    assert_rejected(buyer.expect(ClOrdID=buy), buy, "99", "60000")
    assert seller.sync() == []
    seller.status(sell, "BTC-USD", SELL)
    seller.expect(ExecType="I", OrdStatus="0", ClOrdID=sell, LeavesQty="0.1")


def test_possible_resend_of_a_known_order_is_not_executed_twice(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell = seller.new_order("BTC-USD", SELL, "0.1", "60000")
    ack = seller.expect(ExecType="0", ClOrdID=sell)

    seller.new_order("BTC-USD", SELL, "0.1", "60000", cl_ord_id=sell,
                     header={tags.PossResend: "Y"})

    status = seller.expect(ClOrdID=sell)
    assert (status[tags.ExecType], status[tags.OrdStatus], status[tags.OrderID]) == (
        "I", "0", ack[tags.OrderID])
    buy = buyer.new_order("BTC-USD", BUY, "0.2", "60000", tif="3")
    fills = [r for r in buyer.until_done(buy) if r[tags.ExecType] == "F"]
    assert [f[tags.LastQty] for f in fills] == ["0.1"]


def test_possible_resend_of_a_replace_and_a_cancel_carried_out_is_answered_with_the_state(
        gateway, connect):
    client = connect(gateway)
    order = client.new_order("BTC-USD", SELL, "0.3", "61000")
    client.expect(ExecType="0", ClOrdID=order)
    replaced = client.replace(order, "BTC-USD", SELL, "0.2", "61000")
    client.expect(ExecType="5", ClOrdID=replaced)
    canceled = client.cancel(replaced, "BTC-USD", SELL)
    client.expect(ExecType="4", ClOrdID=canceled)

    client.replace(order, "BTC-USD", SELL, "0.2", "61000", cl_ord_id=replaced,
                   header={tags.PossResend: "Y"})
    client.cancel(replaced, "BTC-USD", SELL, cl_ord_id=canceled, header={tags.PossResend: "Y"})
    again = client.cancel(replaced, "BTC-USD", SELL, cl_ord_id=canceled)  # not flagged

    for _ in range(2):
        status = client.expect(MsgType="8", ClOrdID=canceled)
        assert (status[tags.ExecType], status[tags.OrdStatus], status[tags.OrderQty]) == (
            "I", "4", "0.2")
        assert "possible resend of a request already carried out" in status[tags.Text]
    refused = client.expect(MsgType="9", ClOrdID=again)
    assert "already used" in refused[tags.Text]


def test_possible_resend_of_an_unseen_order_is_executed(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.1", "60000", header={tags.PossResend: "Y"})

    client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl)
