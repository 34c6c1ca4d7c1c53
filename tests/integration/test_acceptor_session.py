"""The session layer over real QuickFIX sessions: logon and authentication, session-level
and business rejects of malformed input, timestamps, per-counterparty session settings,
sequence numbers across reconnects, and FIX 4.2 beside FIX 4.4."""

import re

import pytest
import quickfix as fix

from fixspec import tags
from tests.integration.conftest import counterparty
from tests.rawfix import RawFix

pytestmark = pytest.mark.timeout(60)

BUY, SELL = "1", "2"
MILLIS = re.compile(r"^\d{8}-\d{2}:\d{2}:\d{2}\.\d{3}$")
MICROS = re.compile(r"^\d{8}-\d{2}:\d{2}:\d{2}\.\d{6}$")


def gateway_session_logged_on(gateway, comp_id):
    return fix.Session.lookupSession(gateway.application.sessions[comp_id]).isLoggedOn()


def assert_session_alive(client):
    """The session still works: a new order is acknowledged."""
    cl = client.new_order("BTC-USD", BUY, "0.1", "59500")
    client.expect(MsgType="8", ExecType="0", ClOrdID=cl)


# -- logon -----------------------------------------------------------------------------------


def test_logon_with_good_credentials_is_accepted(gateway, connect):
    client = connect(gateway)

    logon = client.expect_admin(tags.MSG_Logon)

    assert logon[tags.HeartBtInt] == "30" and logon[tags.MsgSeqNum] == "1"
    assert_session_alive(client)


@pytest.mark.parametrize(
    ("username", "password"),
    [pytest.param("CLIENT1", "wrong", id="wrong-password"),
     pytest.param("CLIENT1", "", id="no-credentials"),
     pytest.param("CLIENT2", "client2-demo", id="another-counterpartys-credentials")],
)
def test_logon_with_bad_credentials_gets_logout_with_text_and_no_session(
        gateway, connect, username, password):
    client = connect(gateway, "CLIENT1", password=password, username=username, wait=False)

    text = client.logout_text()

    assert text, "Logout without Text"
    assert not client.logged_on.is_set()
    assert not gateway_session_logged_on(gateway, "CLIENT1")
    assert gateway.call(lambda: list(gateway.engine.live_orders())) == []


def test_counterparty_without_authentication_logs_on_without_password(start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT1.authenticate": False})

    client = connect(gateway, "CLIENT1", password="")

    assert client.logged_on.is_set()
    assert_session_alive(client)


# -- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize("msg_type", ["e", "R"])
def test_unsupported_message_type_gets_business_reject_and_session_stays(
        gateway, connect, msg_type):
    client = connect(gateway)
    if msg_type == "e":  # SecurityStatusRequest
        message = client.message(msg_type, {tags.SecurityStatusReqID: "S1",
                                            tags.Symbol: "BTC-USD",
                                            tags.SubscriptionRequestType: "0"})
    else:  # QuoteRequest with its NoRelatedSym group
        message = client.message(msg_type, {tags.QuoteReqID: "Q1"})
        group = fix.Group(tags.NoRelatedSym, tags.Symbol)
        group.setField(tags.Symbol, "BTC-USD")
        message.addGroup(group)

    client.send_raw(message)

    reject = client.expect(MsgType="j", RefMsgType=msg_type, BusinessRejectReason="3")
    assert tags.RefSeqNum in reject
    assert reject[tags.BusinessRejectRefID] == ("S1" if msg_type == "e" else "Q1")
    assert_session_alive(client)


@pytest.mark.parametrize(
    ("field", "value", "tag", "reason"),
    [pytest.param("side", "9", tags.Side, "5", id="unsupported-side"),
     pytest.param("qty", "abc", tags.OrderQty, "6", id="qty-not-a-number")],
)
def test_garbled_field_gets_session_reject_and_session_stays(
        gateway, connect, field, value, tag, reason):
    client = connect(gateway)
    order = {"symbol": "BTC-USD", "side": BUY, "qty": "0.1", "price": "60000"}
    order[field] = value

    client.new_order(**order)

    reject = client.expect_admin(tags.MSG_Reject)
    assert (reject[tags.RefTagID], reject[tags.SessionRejectReason]) == (str(tag), reason)
    assert reject[tags.RefMsgType] == "D"
    assert_session_alive(client)


@pytest.mark.parametrize(
    ("order", "text", "left_out"),
    [pytest.param({"ord_type": "P"}, "OrdType P not supported", tags.OrdType,
                  id="pegged"),
     pytest.param({"tif": "2"}, "TimeInForce 2 not supported", tags.TimeInForce,
                  id="at-the-opening"),
     pytest.param({"ExecInst": "G"}, "ExecInst G not supported", None, id="all-or-none")],
)
def test_an_order_characteristic_fix_has_and_we_do_not_offer_refuses_the_order(
        gateway, connect, order, text, left_out):
    # A value the FIX dictionary defines is a valid message: its order is refused with a
    # reason (ER 39=8, 103=11), not the message with a session Reject
    client = connect(gateway)
    fields = {"symbol": "BTC-USD", "side": BUY, "qty": "0.1", "price": "60000", **order}

    cl = client.new_order(**fields)

    er = client.expect(MsgType="8", ExecType="8", OrdStatus="8", ClOrdID=cl, OrdRejReason="11")
    assert er[tags.Text] == text
    assert left_out is None or left_out not in er
    assert_session_alive(client)


@pytest.mark.parametrize(
    ("order", "missing"),
    [pytest.param({"price": None}, tags.Price, id="limit-without-price"),
     pytest.param({"ord_type": "4", "price": "60000"}, tags.StopPx,
                  id="stop-limit-without-stop-price"),
     pytest.param({"tif": "6"}, tags.ExpireTime, id="gtd-without-expire-time")],
)
def test_missing_conditionally_required_field_gets_business_reject(
        gateway, connect, order, missing):
    client = connect(gateway)
    fields = {"symbol": "BTC-USD", "side": BUY, "qty": "0.1", "price": "60000", **order}

    cl = client.new_order(**fields)

    reject = client.expect(MsgType="j", RefMsgType="D", BusinessRejectReason="5")
    assert f"(tag {missing})" in reject[tags.Text]
    assert reject[tags.BusinessRejectRefID] == cl
    assert_session_alive(client)


def test_order_id_that_is_not_ascii_digits_names_no_order(gateway, connect):
    client = connect(gateway)
    cl = client.new_order("BTC-USD", BUY, "0.1", "60000")
    client.expect(ExecType="0", ClOrdID=cl)

    client.status("Q-1", "BTC-USD", BUY, order_id="\u00b2")  # '²' is isdigit() but not int()

    client.expect(MsgType="8", ExecType="I", OrdStatus="8", ClOrdID="Q-1")
    assert_session_alive(client)


def test_exception_in_a_handler_is_answered_with_business_reject_and_session_stays(
        gateway, connect):
    # No wire input is known to make a handler raise, so one is made to, and the message
    # is handed to the callback directly.
    client = connect(gateway)
    message = client.message(tags.MSG_OrderMassStatusRequest,
                             {tags.MassStatusReqID: "M1", tags.MassStatusReqType: "7"},
                             header={tags.MsgSeqNum: "99"})

    def failing(*_: object) -> None:
        raise RuntimeError("a handler's own defect")

    handlers = gateway.application._handlers
    handlers[tags.MSG_OrderMassStatusRequest] = failing
    gateway.application.fromApp(message, gateway.application.sessions["CLIENT1"])

    reject = client.expect(MsgType="j", RefMsgType="AF", BusinessRejectReason="0")
    assert reject[tags.RefSeqNum] == "99" and reject[tags.BusinessRejectRefID] == "M1"
    assert_session_alive(client)


# -- bytes that are not UTF-8 ---------------------------------------------------------------
# QuickFIX takes any byte in a string field; a counterparty's stray Latin-1 byte must neither
# cost it its session nor its order, nor make a logon check fail any other way than "wrong".


@pytest.fixture
def raw(gateway):
    """Counterparties that write their own bytes (tests/rawfix.py); closed after the test."""
    opened: list[RawFix] = []

    def connect_raw(password: bytes = b"client1-demo") -> RawFix:
        client = RawFix(gateway.port, "CLIENT1", "GATEWAY")
        opened.append(client)
        client.logon(b"CLIENT1", password)
        return client

    yield connect_raw
    for client in opened:
        client.close()


def test_a_logon_password_that_is_not_utf8_is_refused_as_wrong(gateway, raw):
    client = raw(b"client1-demo\xff")

    logout = client.expect(b"5")

    assert logout[tags.Text].endswith(b"invalid username or password")
    assert not gateway_session_logged_on(gateway, "CLIENT1")


def test_an_order_whose_text_is_not_utf8_is_still_executed(gateway, raw):
    client = raw()
    client.expect(tags.MSG_Logon.encode())

    client.send(b"D", [(tags.ClOrdID, b"latin1"), (tags.Symbol, b"BTC-USD"), (tags.Side, b"1"),
                       (tags.TransactTime, b"20261122-10:00:00.000"), (tags.OrderQty, b"0.1"),
                       (tags.OrdType, b"2"), (tags.Price, b"59000"), (tags.Text, b"M\xfcller")])

    report = client.expect(b"8")
    assert (report[tags.ClOrdID], report[tags.ExecType]) == (b"latin1", b"0")


def test_an_admin_message_that_is_not_utf8_keeps_the_session(gateway, raw):
    client = raw()
    client.expect(tags.MSG_Logon.encode())

    client.send(b"1", [(tags.TestReqID, b"T\xe9st")])

    client.expect(b"0")  # the Heartbeat that answers it
    assert gateway_session_logged_on(gateway, "CLIENT1")


_ORDER = [(tags.Symbol, b"BTC-USD"), (tags.Side, b"1"),
          (tags.TransactTime, b"20261122-10:00:00.000"), (tags.OrdType, b"2")]


@pytest.mark.parametrize("field", [tags.ClOrdID, tags.Account])
@pytest.mark.parametrize("value", [b"\xff", b"a\x1bb", b"x" * 129],
                         ids=["not-utf8", "control", "too-long"])
def test_an_identifier_the_journal_cannot_keep_gets_a_session_reject_and_changes_nothing(
        gateway, raw, field, value):
    # Once, each of these stopped the core (and the gateway) when it was journaled.
    client = raw()
    client.expect(tags.MSG_Logon.encode())
    first = gateway.call(gateway.engine.next_order_id)
    fields = {tags.ClOrdID: b"id-%d" % first, tags.Account: b"CLIENT1", field: value}

    client.send(b"D", [*fields.items(), *_ORDER, (tags.OrderQty, b"0.1"), (tags.Price, b"59000")])

    reject = client.expect(b"3")
    assert reject[tags.RefTagID] == str(field).encode() and reject[tags.SessionRejectReason] == b"5"
    client.send(b"D", [(tags.ClOrdID, b"after-%d" % first), *_ORDER, (tags.OrderQty, b"0.1"),
                       (tags.Price, b"59000")])
    ack = client.expect(b"8")  # the gateway goes on
    assert ack[tags.ExecType] == b"0" and ack[tags.OrderID] == str(first).encode()


@pytest.mark.parametrize(("qty", "price", "text"), [
    (b"1000000000", b"59000", b"notional beyond"),  # 10^13 lots fit 64 bits, the notional not
    (b"922337203685477.5808", b"59000", b"above the largest quantity"),  # 2^63 lots
    (b"0.1", b"92233720368547758.08", b"above the largest price"),  # 2^63 ticks
])
def test_a_price_or_quantity_past_64_bits_is_rejected_and_the_gateway_goes_on(
        gateway, raw, qty, price, text):
    client = raw()
    client.expect(tags.MSG_Logon.encode())
    first = gateway.call(gateway.engine.next_order_id)

    client.send(b"D", [(tags.ClOrdID, b"huge-%d" % first), *_ORDER, (tags.OrderQty, qty),
                       (tags.Price, price)])

    report = client.expect(b"8")
    assert report[tags.OrdStatus] == b"8" and text in report[tags.Text]
    client.send(b"D", [(tags.ClOrdID, b"after-%d" % first), *_ORDER, (tags.OrderQty, b"0.1"),
                       (tags.Price, b"59000")])
    ack = client.expect(b"8")  # the gateway goes on
    assert ack[tags.ExecType] == b"0" and ack[tags.OrderID] == str(first).encode()


# -- session behaviour -----------------------------------------------------------------------


def test_our_timestamps_carry_milliseconds(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.1", "60000")

    er = client.expect(ExecType="0", ClOrdID=cl)
    assert MILLIS.match(er[tags.SendingTime]) and MILLIS.match(er[tags.TransactTime])
    assert MILLIS.match(client.expect_admin(tags.MSG_Logon)[tags.SendingTime])


def test_session_setting_overridden_for_one_counterparty_only(start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT1.session": {"TimestampPrecision": 6}})
    one, two = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")

    for client in (one, two):
        client.new_order("BTC-USD", BUY, "0.1", "59500")

    assert MICROS.match(one.expect(ExecType="0")[tags.SendingTime])
    assert MILLIS.match(two.expect(ExecType="0")[tags.SendingTime])
    cfg = (gateway.settings.data_dir / "quickfix.cfg").read_text()
    sections = {s.split("TargetCompID=")[1].split("\n")[0]: s
                for s in cfg.split("[SESSION]")[1:]}
    assert "TimestampPrecision=6" in sections["CLIENT1"]
    assert "TimestampPrecision=6" not in sections["CLIENT2"]


def test_test_request_is_answered_with_heartbeat(gateway, connect):
    client = connect(gateway)

    client.send(tags.MSG_TestRequest, {tags.TestReqID: "PING-1"})

    heartbeat = client.expect_admin(tags.MSG_Heartbeat)
    assert heartbeat[tags.TestReqID] == "PING-1"


def test_sequence_numbers_continue_across_a_reconnect(gateway, connect):
    client = connect(gateway)
    first_logon = client.expect_admin(tags.MSG_Logon)
    cl = client.new_order("BTC-USD", BUY, "0.1", "59500")
    ack = client.expect(ExecType="0", ClOrdID=cl)
    client.stop()

    client.start()

    logon = client.expect_admin(tags.MSG_Logon)
    assert first_logon[tags.MsgSeqNum] == "1"
    assert int(logon[tags.MsgSeqNum]) > int(ack[tags.MsgSeqNum])
    assert tags.ResetSeqNumFlag not in logon or logon[tags.ResetSeqNumFlag] == "N"


def test_reset_on_logon_set_for_a_counterparty_restarts_its_sequence_numbers(
        start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT1.session": {"ResetOnLogon": True}})
    client = connect(gateway, extra_settings={"ResetOnLogon": "Y"})
    client.expect_admin(tags.MSG_Logon)
    cl = client.new_order("BTC-USD", BUY, "0.1", "59500")
    client.expect(ExecType="0", ClOrdID=cl)
    client.stop()

    client.start()

    logon = client.expect_admin(tags.MSG_Logon)
    assert logon[tags.MsgSeqNum] == "1" and logon[tags.ResetSeqNumFlag] == "Y"
    assert_session_alive(client)


# -- FIX 4.2 beside FIX 4.4 ------------------------------------------------------------------


def test_fix42_counterparty_trades_against_a_fix44_counterparty(start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT42": counterparty("CLIENT42", "FIX.4.2")})
    old, new = connect(gateway, "CLIENT42", begin_string="FIX.4.2"), connect(gateway, "CLIENT1")
    sell = old.new_order("BTC-USD", SELL, "1", "60000")
    ack = old.expect(BeginString="FIX.4.2", ExecType="0", OrdStatus="0", ClOrdID=sell)
    assert ack[tags.ExecTransType] == "0"

    buy = new.new_order("BTC-USD", BUY, "0.4", "60000")

    taker = new.until_done(buy)[-1]
    assert (taker[tags.BeginString], taker[tags.ExecType], taker[tags.OrdStatus]) == (
        "FIX.4.4", "F", "2")
    maker = old.expect(ClOrdID=sell)
    assert (maker[tags.ExecTransType], maker[tags.ExecType], maker[tags.OrdStatus]) == (
        "0", "1", "1")
    assert (maker[tags.LastShares], maker[tags.LastPx], maker[tags.CumQty],
            maker[tags.LeavesQty], maker[tags.AvgPx]) == ("0.4", "60000", "0.4", "0.6", "60000")
    assert maker[tags.ExecID] != taker[tags.ExecID]


def test_fix42_counterparty_fill_cancel_and_status(start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT42": counterparty("CLIENT42", "FIX.4.2")})
    old, new = connect(gateway, "CLIENT42", begin_string="FIX.4.2"), connect(gateway, "CLIENT1")
    sell = old.new_order("BTC-USD", SELL, "0.4", "60000")
    old.expect(ExecType="0", ClOrdID=sell)
    new.new_order("BTC-USD", BUY, "0.4", "60000")
    filled = old.expect(ClOrdID=sell)
    other = old.new_order("BTC-USD", SELL, "1", "61000")
    old.expect(ExecType="0", ClOrdID=other)

    cancel = old.cancel(other, "BTC-USD", SELL)
    old.status(sell, "BTC-USD", SELL)

    assert (filled[tags.ExecType], filled[tags.OrdStatus]) == ("2", "2")
    canceled = old.expect(ClOrdID=cancel)
    assert (canceled[tags.ExecTransType], canceled[tags.ExecType],
            canceled[tags.OrdStatus]) == ("0", "4", "4")
    status = old.expect(ClOrdID=sell)
    assert (status[tags.ExecTransType], status[tags.ExecType], status[tags.OrdStatus]) == (
        "3", "2", "2")


def test_fix42_counterparty_replace_and_reject_use_fix42_codes(start_gateway, connect):
    gateway = start_gateway(**{"counterparties.CLIENT42": counterparty("CLIENT42", "FIX.4.2")})
    old = connect(gateway, "CLIENT42", begin_string="FIX.4.2")
    sell = old.new_order("BTC-USD", SELL, "1", "60000")
    old.expect(ExecType="0", ClOrdID=sell)

    new_cl = old.replace(sell, "BTC-USD", SELL, "0.5", "60000")
    off_tick = old.new_order("BTC-USD", SELL, "1", "60000.001")

    replaced = old.expect(ClOrdID=new_cl)
    assert (replaced[tags.ExecTransType], replaced[tags.ExecType], replaced[tags.OrdStatus],
            replaced[tags.OrigClOrdID], replaced[tags.LeavesQty]) == ("0", "5", "5", sell, "0.5")
    rejected = old.expect(ClOrdID=off_tick)
    # FIX 4.2 has no OrdRejReason 99: its "broker option" 0 stands in, the Text says why.
    assert (rejected[tags.ExecType], rejected[tags.OrdStatus], rejected[tags.OrdRejReason]) \
        == ("8", "8", "0")
    assert "60000.001" in rejected[tags.Text]
