"""Cancel, replace, status, mass cancel and mass status over real FIX sessions, including
what a counterparty may (not) learn about another counterparty's orders."""

import pytest

from fixspec import tags

pytestmark = pytest.mark.timeout(60)

BUY, SELL = "1", "2"


def rest(client, side, qty, price, symbol="BTC-USD"):
    """A resting limit order, acknowledged; returns (ClOrdID, OrderID)."""
    cl = client.new_order(symbol, side, qty, price)
    er = client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl)
    return cl, er[tags.OrderID]


def assert_reveals_nothing(msg, *details):
    """The answer names no order (OrderID NONE) and carries none of the other order's
    details (its quantity and price appear in no field)."""
    assert msg[tags.OrderID] == "NONE", msg
    for tag in (tags.OrderQty, tags.Price, tags.Account):
        assert tag not in msg, msg
    for detail in details:
        assert detail not in msg.values(), (detail, msg)


def test_cancel_of_a_resting_order_reports_canceled(gateway, connect):
    client = connect(gateway)
    cl, order_id = rest(client, BUY, "0.5", "60000")

    cancel = client.cancel(cl, "BTC-USD", BUY)

    er = client.expect(MsgType="8", ExecType="4", OrdStatus="4", ClOrdID=cancel)
    assert er[tags.OrigClOrdID] == cl and er[tags.OrderID] == order_id
    assert er[tags.LeavesQty] == "0" and er[tags.CumQty] == "0"


def test_cancel_naming_the_order_by_order_id_cancels(gateway, connect):
    client = connect(gateway)
    cl, order_id = rest(client, BUY, "0.5", "60000")

    # OrigClOrdID is required in FIX 4.4; the OrderID names the order when it does not.
    cancel = client.cancel("NOT-A-CLORDID", "BTC-USD", BUY, order_id=order_id)

    er = client.expect(ExecType="4", OrdStatus="4", ClOrdID=cancel)
    assert er[tags.OrderID] == order_id


def test_cancel_of_an_unknown_order_is_rejected_as_unknown(gateway, connect):
    client = connect(gateway)

    cancel = client.cancel("NO-SUCH-ORDER", "BTC-USD", BUY)

    rej = client.expect(MsgType="9", ClOrdID=cancel, CxlRejReason="1", CxlRejResponseTo="1")
    assert rej[tags.OrigClOrdID] == "NO-SUCH-ORDER" and rej[tags.OrderID] == "NONE"


def test_cancel_of_a_filled_order_is_rejected_too_late(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell, order_id = rest(seller, SELL, "0.1", "60000")
    buyer.new_order("BTC-USD", BUY, "0.1", "60000")
    seller.expect(ExecType="F", OrdStatus="2", ClOrdID=sell)

    cancel = seller.cancel(sell, "BTC-USD", SELL)

    rej = seller.expect(MsgType="9", ClOrdID=cancel, CxlRejReason="0", OrdStatus="2")
    assert rej[tags.OrderID] == order_id


def test_cancel_stating_another_side_is_rejected_and_the_order_stays(gateway, connect):
    client = connect(gateway)
    cl, order_id = rest(client, BUY, "0.5", "60000")

    cancel = client.cancel(cl, "BTC-USD", SELL)

    rej = client.expect(MsgType="9", ClOrdID=cancel, CxlRejReason="99", CxlRejResponseTo="1",
                        OrdStatus="0")
    assert rej[tags.OrderID] == order_id
    assert rej[tags.Text] == f"order {order_id} is a buy order; the request says sell"
    client.status(cl, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl)


def test_replace_of_a_gtd_order_keeps_its_expire_time(gateway, connect):
    client = connect(gateway)
    expire = "20991231-23:59:00.123456"  # to the microsecond: echoed as sent
    cl = client.new_order("BTC-USD", BUY, "0.5", "60000", tif="6", ExpireTime=expire)
    ack = client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl, ExpireTime=expire)

    moved = client.replace(cl, "BTC-USD", BUY, "0.4", "60000", TimeInForce="6",
                           ExpireTime="20991231-23:58:00.000")
    # A client restating the ExpireTime its report gave
    kept = client.replace(cl, "BTC-USD", BUY, "0.4", "60000", TimeInForce="6",
                          ExpireTime=ack[tags.ExpireTime])

    rej = client.expect(MsgType="9", ClOrdID=moved, CxlRejReason="99")
    assert rej[tags.Text].endswith("cannot change the expire time of order "
                                   f"{ack[tags.OrderID]} (2099-12-31T23:59:00.123456Z)")
    client.expect(ExecType="5", ClOrdID=kept, OrderQty="0.4", ExpireTime=expire)


def test_cancel_reusing_a_clordid_is_rejected_as_duplicate(gateway, connect):
    client = connect(gateway)
    first, _ = rest(client, BUY, "0.5", "60000")
    second, _ = rest(client, BUY, "0.5", "59000")

    client.cancel(second, "BTC-USD", BUY, cl_ord_id=first)

    client.expect(MsgType="9", ClOrdID=first, CxlRejReason="6")
    client.status(second, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=second)


def test_replace_to_lower_quantity_at_same_price_keeps_priority(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    first, first_id = rest(seller, SELL, "1", "60000")
    second, _ = rest(seller, SELL, "1", "60000")
    new_cl = seller.replace(first, "BTC-USD", SELL, "0.5", "60000")
    replaced = seller.expect(ExecType="5", OrdStatus="0", ClOrdID=new_cl)
    assert replaced[tags.OrigClOrdID] == first and replaced[tags.OrderID] == first_id
    assert replaced[tags.LeavesQty] == "0.5"

    buyer.new_order("BTC-USD", BUY, "0.1", "60000")

    fill = seller.expect(ExecType="F")
    assert fill[tags.ClOrdID] == new_cl and fill[tags.OrderID] == first_id


def test_replace_to_higher_quantity_loses_priority(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    first, _ = rest(seller, SELL, "1", "60000")
    second, _ = rest(seller, SELL, "1", "60000")
    new_cl = seller.replace(first, "BTC-USD", SELL, "2", "60000")
    seller.expect(ExecType="5", ClOrdID=new_cl, LeavesQty="2")

    buyer.new_order("BTC-USD", BUY, "0.1", "60000")

    fill = seller.expect(ExecType="F")
    assert fill[tags.ClOrdID] == second


def test_replace_to_a_new_price_loses_priority_and_can_cross(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    bid, _ = rest(buyer, BUY, "0.1", "59990")
    first, _ = rest(seller, SELL, "1", "60000")

    new_cl = seller.replace(first, "BTC-USD", SELL, "1", "59990")

    seller.expect(ExecType="5", ClOrdID=new_cl)
    fill = seller.expect(ExecType="F", ClOrdID=new_cl, OrdStatus="1")
    assert fill[tags.LastPx] == "59990" and fill[tags.LastLiquidityInd] == "2"
    buyer.expect(ExecType="F", ClOrdID=bid, OrdStatus="2")


def test_replace_to_at_or_below_the_filled_quantity_ends_the_order(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell, _ = rest(seller, SELL, "1", "60000")
    buyer.until_done(buyer.new_order("BTC-USD", BUY, "0.4", "60000"))
    seller.expect(ExecType="F", OrdStatus="1", ClOrdID=sell)

    new_cl = seller.replace(sell, "BTC-USD", SELL, "0.3", "60000")

    er = seller.expect(ExecType="5", ClOrdID=new_cl, OrdStatus="2")
    assert er[tags.LeavesQty] == "0" and er[tags.CumQty] == "0.4"
    ioc = buyer.new_order("BTC-USD", BUY, "0.1", "60000", tif="3")
    assert [r[tags.ExecType] for r in buyer.until_done(ioc)] == ["4"]


@pytest.mark.parametrize("by", ["ClOrdID", "OrderID"])
def test_cancel_of_another_counterpartys_order_is_unknown_and_reveals_nothing(
        gateway, connect, by):
    owner, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl, order_id = rest(owner, SELL, "0.7", "61234")

    if by == "ClOrdID":
        cancel = other.cancel(cl, "BTC-USD", SELL)
    else:
        cancel = other.cancel("NOT-MINE", "BTC-USD", SELL, order_id=order_id)

    rej = other.expect(MsgType="9", ClOrdID=cancel, CxlRejReason="1")
    assert_reveals_nothing(rej, "0.7", "61234")
    assert owner.sync() == []
    owner.status(cl, "BTC-USD", SELL)
    owner.expect(ExecType="I", OrdStatus="0", ClOrdID=cl, LeavesQty="0.7")


@pytest.mark.parametrize("by", ["ClOrdID", "OrderID"])
def test_replace_of_another_counterpartys_order_is_unknown_and_reveals_nothing(
        gateway, connect, by):
    owner, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl, order_id = rest(owner, SELL, "0.7", "61234")

    if by == "ClOrdID":
        new_cl = other.replace(cl, "BTC-USD", SELL, "0.1", "61234")
    else:
        new_cl = other.replace("NOT-MINE", "BTC-USD", SELL, "0.1", "61234",
                               order_id=order_id)

    rej = other.expect(MsgType="9", ClOrdID=new_cl, CxlRejReason="1", CxlRejResponseTo="2")
    assert_reveals_nothing(rej, "0.7", "61234")
    assert owner.sync() == []


def test_status_of_own_order_reports_its_state(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell, order_id = rest(seller, SELL, "1", "60000")
    buyer.new_order("BTC-USD", BUY, "0.25", "60000")
    seller.expect(ExecType="F", ClOrdID=sell)

    seller.status(sell, "BTC-USD", SELL)
    seller.status(sell, "BTC-USD", SELL, request_id="REQ-1")

    er = seller.expect(MsgType="8", ExecType="I", OrdStatus="1", ClOrdID=sell)
    assert (er[tags.OrderID], er[tags.CumQty], er[tags.LeavesQty], er[tags.AvgPx]) == (
        order_id, "0.25", "0.75", "60000")
    assert tags.OrdStatusReqID not in er
    seller.expect(ExecType="I", ClOrdID=sell, OrdStatusReqID="REQ-1")


def test_status_of_an_unknown_order_is_answered_as_unknown(gateway, connect):
    client = connect(gateway)

    client.status("NO-SUCH-ORDER", "BTC-USD", BUY, request_id="REQ-2")

    er = client.expect(MsgType="8", ExecType="I", OrdStatus="8", ClOrdID="NO-SUCH-ORDER",
                       OrdStatusReqID="REQ-2")
    assert er[tags.OrderID] == "NONE" and er[tags.LeavesQty] == "0"


@pytest.mark.parametrize("by", ["ClOrdID", "OrderID"])
def test_status_of_another_counterpartys_order_is_answered_as_unknown(gateway, connect, by):
    owner, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl, order_id = rest(owner, SELL, "0.7", "61234")

    if by == "ClOrdID":
        other.status(cl, "BTC-USD", SELL)
    else:
        other.status("MINE-1", "BTC-USD", SELL, order_id=order_id)

    er = other.expect(MsgType="8", ExecType="I", OrdStatus="8")
    assert_reveals_nothing(er, "0.7", "61234")
    assert er[tags.CumQty] == "0" and er[tags.LeavesQty] == "0"


def test_mass_cancel_all_cancels_only_own_orders_and_reports(gateway, connect):
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    mine = [rest(client, BUY, "0.1", "59000")[0], rest(client, SELL, "0.1", "61000")[0],
            rest(client, BUY, "1", "3000", symbol="ETH-USD")[0]]
    theirs, _ = rest(other, BUY, "0.1", "59000")

    req = client.mass_cancel("7")

    cancels = [client.expect(MsgType="8", ExecType="4", OrdStatus="4") for _ in mine]
    assert sorted(c[tags.ClOrdID] for c in cancels) == sorted(mine)
    report = client.expect(MsgType="r", ClOrdID=req, MassCancelRequestType="7")
    assert report[tags.MassCancelResponse] == "7" and report[tags.TotalAffectedOrders] == "3"
    # OrderID is the gateway's id for the request (from its time), not its ClOrdID echoed
    assert report[tags.OrderID].startswith("M") and report[tags.OrderID] != req
    other.status(theirs, "BTC-USD", BUY)
    other.expect(ExecType="I", OrdStatus="0", ClOrdID=theirs)


def test_mass_cancel_by_security_cancels_only_that_symbol(gateway, connect):
    client = connect(gateway)
    btc, _ = rest(client, BUY, "0.1", "59000")
    eth, _ = rest(client, BUY, "1", "3000", symbol="ETH-USD")

    req = client.mass_cancel("1", symbol="ETH-USD")

    client.expect(ExecType="4", ClOrdID=eth)
    report = client.expect(MsgType="r", ClOrdID=req, MassCancelRequestType="1")
    assert report[tags.MassCancelResponse] == "1" and report[tags.TotalAffectedOrders] == "1"
    client.status(btc, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=btc)


def test_possible_resend_of_a_mass_cancel_carried_out_is_answered_with_its_report(
        gateway, connect):
    client = connect(gateway)
    first, _ = rest(client, BUY, "0.1", "59000")
    req = client.mass_cancel("7")
    client.expect(ExecType="4", ClOrdID=first)
    report = client.expect(MsgType="r", ClOrdID=req)
    later, _ = rest(client, BUY, "0.1", "59000")

    client.mass_cancel("7", cl_ord_id=req, header={tags.PossResend: "Y"})

    again = client.expect(MsgType="r", ClOrdID=req)
    assert again[tags.Text] == "possible resend of a request already carried out"
    # The same report: the same gateway id, count and time; nothing cancelled since
    for tag in (tags.OrderID, tags.TotalAffectedOrders, tags.MassCancelResponse,
                tags.TransactTime):
        assert again[tag] == report[tag]
    client.status(later, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=later)


def test_mass_cancel_of_an_unknown_security_is_rejected(gateway, connect):
    client = connect(gateway)

    req = client.mass_cancel("1", symbol="DOGE-USD")

    report = client.expect(MsgType="r", ClOrdID=req, MassCancelResponse="0")
    assert report[tags.MassCancelRejectReason] == "1"


def test_mass_status_reports_each_live_order_and_marks_the_last(gateway, connect):
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    mine = [rest(client, BUY, "0.1", "59000")[0], rest(client, BUY, "1", "3000", "ETH-USD")[0]]
    rest(other, BUY, "0.1", "59000")

    req = client.mass_status("7")

    reports = [client.expect(MsgType="8", ExecType="I", OrdStatus="0") for _ in mine]
    assert [r[tags.ClOrdID] for r in reports] == mine
    assert all(r[tags.MassStatusReqID] == req and r[tags.TotNumReports] == "2"
               for r in reports)
    assert [r.get(tags.LastRptRequested) for r in reports] == [None, "Y"]
    assert client.sync() == []


def test_mass_status_by_security_reports_only_that_symbol(gateway, connect):
    client = connect(gateway)
    rest(client, BUY, "0.1", "59000")
    eth, _ = rest(client, BUY, "1", "3000", "ETH-USD")

    req = client.mass_status("1", symbol="ETH-USD")

    er = client.expect(ExecType="I", ClOrdID=eth, MassStatusReqID=req, LastRptRequested="Y")
    assert er[tags.TotNumReports] == "1"
    assert client.sync() == []


@pytest.mark.parametrize(
    ("qty", "price", "extra", "code"),
    [pytest.param("1", "60000.005", {}, "99", id="price-off-tick"),
     pytest.param("1.00001", "60000", {}, "99", id="qty-off-lot"),
     pytest.param("1", "59000", {"ExecInst": "6"}, "99", id="post-only-would-cross"),
     # What a replace keeps, stated otherwise: refused, not silently ignored
     pytest.param("0.4", "60000", {"Side": "1"}, "99", id="side-changes"),
     pytest.param("0.4", "60000", {"OrdType": "4", "StopPx": "61000"}, "99",
                  id="type-changes"),
     pytest.param("0.4", "60000", {"TimeInForce": "3"}, "99", id="time-in-force-changes"),
     pytest.param("0.4", "60000", {"Account": "CLIENT2"}, "99", id="account-changes"),
     pytest.param("0.4", "60000", {"MaxFloor": "0.1"}, "99", id="display-quantity-changes"),
     pytest.param("0.4", "60000", {"ExecInst": "E"}, "99", id="reduce-only-changes")],
)
def test_invalid_replace_is_rejected_and_the_order_is_unchanged(
        gateway, connect, qty, price, extra, code):
    client, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(other, BUY, "0.1", "59000")
    sell, order_id = rest(client, SELL, "0.5", "60000")

    new_cl = client.replace(sell, "BTC-USD", SELL, qty, price, **extra)

    rej = client.expect(MsgType="9", ClOrdID=new_cl, CxlRejReason=code, CxlRejResponseTo="2")
    assert rej[tags.Text]
    # Refused at decode or by the core alike, the answer names the order as it stands
    assert (rej[tags.OrderID], rej[tags.OrdStatus]) == (order_id, "0")
    client.status(sell, "BTC-USD", SELL)
    status = client.expect(ExecType="I", OrdStatus="0", ClOrdID=sell)
    assert (status[tags.OrderID], status[tags.LeavesQty], status[tags.Price]) == (
        order_id, "0.5", "60000")


@pytest.mark.parametrize("symbol", ["ETH-USD", "XRP-USD"], ids=["other", "unknown"])
def test_request_naming_another_symbol_is_refused_naming_the_order(gateway, connect, symbol):
    client = connect(gateway)
    cl, order_id = rest(client, BUY, "0.5", "60000")

    replace = client.replace(cl, symbol, BUY, "0.4", "3000")
    cancel = client.cancel(cl, symbol, BUY)

    for request, response_to in ((replace, "2"), (cancel, "1")):
        rej = client.expect(MsgType="9", ClOrdID=request, CxlRejReason="99",
                            CxlRejResponseTo=response_to)
        assert (rej[tags.OrderID], rej[tags.OrdStatus]) == (order_id, "0"), rej
        assert symbol in rej[tags.Text]
    client.status(cl, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl, LeavesQty="0.5")


def test_replace_refused_at_decode_names_the_order_its_order_id_names(gateway, connect):
    client = connect(gateway)
    _, order_id = rest(client, BUY, "0.5", "60000")

    # OrigClOrdID names none of its orders; the OrderID does (see the README)
    replace = client.replace("NOT-A-CLORDID", "BTC-USD", BUY, "0.4", "60000.005",
                             order_id=order_id)

    rej = client.expect(MsgType="9", ClOrdID=replace, CxlRejReason="99", OrdStatus="0")
    assert rej[tags.OrderID] == order_id and "60000.005" in rej[tags.Text]


def test_replace_of_a_finished_order_refused_at_decode_is_too_late(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell, order_id = rest(seller, SELL, "0.1", "60000")
    buyer.new_order("BTC-USD", BUY, "0.1", "60000")
    seller.expect(ExecType="F", OrdStatus="2", ClOrdID=sell)

    replace = seller.replace(sell, "BTC-USD", SELL, "0.1", "60000.005")

    rej = seller.expect(MsgType="9", ClOrdID=replace, CxlRejReason="0", OrdStatus="2")
    assert rej[tags.OrderID] == order_id


@pytest.mark.parametrize(
    ("request_", "extra", "text"),
    [pytest.param("cancel", {"side": "5"}, "Side 5 not supported", id="cancel-sell-short"),
     pytest.param("replace", {"ord_type": "P"}, "OrdType P not supported", id="replace-pegged"),
     pytest.param("replace", {"TimeInForce": "2"}, "TimeInForce 2 not supported",
                  id="replace-at-the-opening"),
     pytest.param("replace", {"ExecInst": "G"}, "ExecInst G not supported",
                  id="replace-all-or-none")],
)
def test_request_stating_a_value_fix_has_and_we_do_not_offer_is_refused_naming_the_order(
        gateway, connect, request_, extra, text):
    client = connect(gateway)
    cl, order_id = rest(client, BUY, "0.5", "60000")

    if request_ == "cancel":
        sent = client.cancel(cl, "BTC-USD", extra["side"])
    else:
        sent = client.replace(cl, "BTC-USD", BUY, "0.4", "60000", **extra)

    rej = client.expect(MsgType="9", ClOrdID=sent, CxlRejReason="99", OrdStatus="0")
    assert (rej[tags.OrderID], rej[tags.Text]) == (order_id, text)
    client.status(cl, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl, LeavesQty="0.5")


def test_replace_of_a_foreign_order_refused_at_decode_reveals_nothing(gateway, connect):
    owner, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    cl, _ = rest(owner, BUY, "0.5", "60000")

    replace = other.replace(cl, "BTC-USD", BUY, "0.4", "60000.005")

    rej = other.expect(MsgType="9", ClOrdID=replace, CxlRejReason="99")
    assert_reveals_nothing(rej, "0.5", "60000")


def test_order_can_be_found_by_any_clordid_of_its_replace_chain(gateway, connect):
    client = connect(gateway)
    first, order_id = rest(client, BUY, "1", "59000")
    second = client.replace(first, "BTC-USD", BUY, "0.9", "59000")
    client.expect(ExecType="5", ClOrdID=second)

    cancel = client.cancel(first, "BTC-USD", BUY)

    er = client.expect(ExecType="4", OrdStatus="4", ClOrdID=cancel)
    assert er[tags.OrderID] == order_id and er[tags.OrigClOrdID] == second


def test_mass_cancel_of_an_unsupported_type_is_rejected(gateway, connect):
    client = connect(gateway)
    cl, _ = rest(client, BUY, "0.1", "59000")

    req = client.mass_cancel("3")  # by product: valid FIX, not offered

    report = client.expect(MsgType="r", ClOrdID=req, MassCancelResponse="0")
    assert report[tags.MassCancelRejectReason] == "0"
    client.status(cl, "BTC-USD", BUY)
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=cl)


def test_mass_status_without_live_orders_answers_once_with_no_reports(gateway, connect):
    client = connect(gateway)

    req = client.mass_status("7")

    er = client.expect(MsgType="8", ExecType="I", MassStatusReqID=req, LastRptRequested="Y")
    assert er[tags.TotNumReports] == "0" and er[tags.Text] == "no live orders"
    assert client.sync() == []


def test_mass_status_of_an_unknown_symbol_is_refused_as_unknown_security(gateway, connect):
    client = connect(gateway)

    req = client.mass_status("1", symbol="XRP-USD")

    reject = client.expect(MsgType="j", RefMsgType="AF", BusinessRejectReason="2",
                           BusinessRejectRefID=req)
    assert "XRP-USD" in reject[tags.Text]
    assert client.sync() == []


@pytest.mark.parametrize("request_type", ["2", "8"])
def test_mass_status_of_a_type_fix_defines_but_we_do_not_offer_is_refused_with_why(
        gateway, connect, request_type):
    client = connect(gateway)

    req = client.mass_status(request_type)

    reject = client.expect(MsgType="j", RefMsgType="AF", BusinessRejectReason="0",
                           BusinessRejectRefID=req)
    assert reject[tags.Text] == (f"MassStatusReqType {request_type} not supported (1 and 7 "
                                 "are) (tag 585)")
    assert client.sync() == []
