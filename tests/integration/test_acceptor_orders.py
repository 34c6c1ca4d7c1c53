"""Orders over real FIX sessions: acks, crosses between counterparties, partial fills."""

from fixspec import tags


def test_limit_order_is_acknowledged_with_new_report(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", "1", "0.5", "60000")

    er = client.expect(MsgType="8", ExecType="0", OrdStatus="0", ClOrdID=cl)
    assert er[tags.LeavesQty] == "0.5" and er[tags.CumQty] == "0" and er[tags.AvgPx] == "0"
    assert er[tags.OrderID] != "NONE"


def test_cross_between_two_counterparties_reports_both_sides(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell = seller.new_order("BTC-USD", "2", "1", "60000")
    seller.expect(ExecType="0", ClOrdID=sell)

    buy = buyer.new_order("BTC-USD", "1", "0.4", "60001")

    buyer.expect(ExecType="0", ClOrdID=buy)
    taker = buyer.expect(ExecType="F", ClOrdID=buy, OrdStatus="2")
    maker = seller.expect(ExecType="F", ClOrdID=sell, OrdStatus="1")
    assert taker[tags.LastPx] == maker[tags.LastPx] == "60000"
    assert taker[tags.LastQty] == maker[tags.LastQty] == "0.4"
    assert maker[tags.LeavesQty] == "0.6" and maker[tags.CumQty] == "0.4"
    assert taker[tags.ExecID] != maker[tags.ExecID]
