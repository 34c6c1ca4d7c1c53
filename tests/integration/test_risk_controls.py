"""Pre-trade risk over real FIX sessions: each control once at its limit (passes) and once just
above it (ExecutionReport 39=8 with OrdRejReason and a Text naming the value and the limit).
The demo profile with one limit changed per test; the pure core is covered at, below and
above every limit in tests/unit/risk."""

from __future__ import annotations

import pytest

from fixspec import tags
from tests.integration.risk_orders import BUY, SELL, accepted, assert_denied, hold_long

pytestmark = pytest.mark.timeout(90)

MARKET, IOC = "1", "3"
EXCEEDS_LIMIT, DUPLICATE, OTHER = "3", "6", "99"


# -- per order: quantity and notional, per instrument and per account ------------------------


@pytest.mark.parametrize(
    ("changes", "symbol", "at_limit", "above", "price", "named"),
    [
        pytest.param({"risk.instruments.BTC-USD.max_order_qty": "2"},
                     "BTC-USD", "2", "2.0001", "60000",
                     ("quantity 2.0001 BTC", "max order quantity 2 BTC for BTC-USD"),
                     id="max-qty-instrument"),
        pytest.param({"risk.accounts.CLIENT1.instruments": {"ETH-USD": {"max_order_qty": "10"}}},
                     "ETH-USD", "10", "10.001", "3000",
                     ("quantity 10.001 ETH", "max order quantity 10 ETH for account CLIENT1 on "
                                             "ETH-USD"),
                     id="max-qty-account"),
        pytest.param({"risk.account_defaults.max_order_notional": None,
                      "risk.instruments.BTC-USD.max_order_notional": "120000"},
                     "BTC-USD", "2", "2.0001", "60000",
                     ("notional 120006.00 USD", "max order notional 120000.00 USD for BTC-USD"),
                     id="max-notional-instrument"),
        pytest.param({"risk.accounts.CLIENT1.max_order_notional": "120000"},
                     "BTC-USD", "2", "2.0001", "60000",
                     ("notional 120006.00 USD",
                      "max order notional 120000.00 USD for account CLIENT1"),
                     id="max-notional-account"),
    ],
)
def test_order_at_its_limit_passes_and_just_above_is_denied_as_exceeding_limit(
        start_gateway, connect, changes, symbol, at_limit, above, price, named):
    gw = start_gateway(**changes)
    client = connect(gw)

    ok = client.new_order(symbol, BUY, at_limit, price)
    accepted(client, ok)
    denied = client.new_order(symbol, BUY, above, price)

    assert_denied(client.expect(ClOrdID=denied), denied, EXCEEDS_LIMIT, *named)


def test_account_limit_binds_only_that_account(start_gateway, connect):
    gw = start_gateway(**{"risk.accounts.CLIENT1.max_order_notional": "120000"})
    client1, client2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")

    denied = client1.new_order("BTC-USD", BUY, "3", "60000")
    passed = client2.new_order("BTC-USD", BUY, "3", "60000")

    assert_denied(client1.expect(ClOrdID=denied), denied, EXCEEDS_LIMIT, "180000.00 USD")
    accepted(client2, passed)


# -- price collar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "edge", "beyond"),
    [pytest.param(BUY, "63000", "63000.01", id="buy"),
     pytest.param(SELL, "57000", "56999.99", id="sell")],
)
def test_limit_price_on_the_collar_edge_passes_and_one_tick_beyond_is_denied(
        start_gateway, connect, side, edge, beyond):
    gw = start_gateway(**{"risk.defaults.collar_pct": "5"})
    client = connect(gw)

    accepted(client, client.new_order("BTC-USD", side, "0.1", edge))
    denied = client.new_order("BTC-USD", side, "0.1", beyond)

    assert_denied(client.expect(ClOrdID=denied), denied, EXCEEDS_LIMIT,
                  f"price {beyond} USD", "collar 57000..63000 USD",
                  "5% around configured reference 60000 USD")


def test_market_order_gets_the_collar_as_protection_and_cannot_sweep_beyond_it(
        start_gateway, connect):
    gw = start_gateway(**{"risk.defaults.collar_pct": "5"})
    buyer, seller = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    accepted(seller, seller.new_order("BTC-USD", SELL, "1", "62000"))  # in the collar of 60000
    hold_long(buyer, seller, "0.1", "58000")  # last trade 58000: collar 55100..60900
    accepted(seller, seller.new_order("BTC-USD", SELL, "0.5", "58000"))

    market = buyer.new_order("BTC-USD", BUY, "2", ord_type=MARKET, tif=IOC)

    reports = buyer.until_done(market)
    fills = [r for r in reports if r[tags.ExecType] == "F"]
    assert [(f[tags.LastQty], f[tags.LastPx]) for f in fills] == [("0.5", "58000")]
    end = reports[-1]
    assert (end[tags.ExecType], end[tags.OrdStatus]) == ("4", "4"), end
    assert (end[tags.CumQty], end[tags.LeavesQty]) == ("0.5", "0"), end
    seller.expect(ExecType="F", OrdStatus="2")
    assert seller.sync() == []  # the ask at 62000, beyond the collar, was not touched


def test_replace_to_a_price_beyond_the_collar_is_refused_and_the_order_stays(
        start_gateway, connect):
    gw = start_gateway(**{"risk.defaults.collar_pct": "5"})
    client = connect(gw)
    resting = client.new_order("BTC-USD", BUY, "0.1", "59000")
    accepted(client, resting)

    refused = client.replace(resting, "BTC-USD", BUY, "0.1", "63000.01")
    reject = client.expect(MsgType="9", ClOrdID=refused, OrigClOrdID=resting)
    moved = client.replace(resting, "BTC-USD", BUY, "0.1", "63000")

    assert (reject[tags.CxlRejResponseTo], reject[tags.CxlRejReason]) == ("2", "99"), reject
    assert reject[tags.OrdStatus] == "0" and "63000.01" in reject[tags.Text], reject
    client.expect(ExecType="5", OrdStatus="0", ClOrdID=moved, Price="63000")


# -- credit ----------------------------------------------------------------------------------


def test_gross_open_notional_at_the_credit_limit_passes_and_beyond_is_denied_until_freed(
        start_gateway, connect):
    gw = start_gateway(**{"risk.account_defaults.max_open_notional": "120000"})
    client = connect(gw)
    first = client.new_order("BTC-USD", BUY, "1", "60000")
    accepted(client, first)
    accepted(client, client.new_order("BTC-USD", BUY, "1", "60000"))  # open 120000: at limit

    denied = client.new_order("ETH-USD", BUY, "0.001", "3000")  # credit spans instruments
    er = client.expect(ClOrdID=denied)
    client.cancel(first, "BTC-USD", BUY)  # cancels are never denied, and free credit
    client.expect(ExecType="4", OrdStatus="4", OrigClOrdID=first)
    freed = client.new_order("ETH-USD", BUY, "0.001", "3000")

    assert_denied(er, denied, EXCEEDS_LIMIT, "open notional 120003.00 USD",
                  "max open notional 120000.00 USD for account CLIENT1")
    accepted(client, freed)


def test_worst_case_position_notional_at_the_limit_passes_and_beyond_is_denied(
        start_gateway, connect):
    gw = start_gateway(**{"risk.account_defaults.max_position_notional": "120000"})
    client1, client2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    hold_long(client1, client2, "1", "60000")  # long 1 BTC, reference 60000

    accepted(client1, client1.new_order("BTC-USD", BUY, "1", "59000"))  # worst case 2 BTC
    denied = client1.new_order("BTC-USD", BUY, "0.0001", "59000")
    er = client1.expect(ClOrdID=denied)
    reducing = client1.new_order("BTC-USD", SELL, "2", "61000")  # worst case stays 2 BTC

    assert_denied(er, denied, EXCEEDS_LIMIT, "worst-case position notional 120006.00 USD",
                  "max position notional 120000.00 USD for account CLIENT1")
    accepted(client1, reducing)


# -- position limit and reduce-only ------------------------------------------------------------


def test_worst_case_position_at_the_limit_passes_and_beyond_is_denied_on_either_side(
        start_gateway, connect):
    gw = start_gateway(**{"risk.instruments.BTC-USD.max_position": "2"})
    client1, client2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    hold_long(client1, client2, "1", "60000")

    accepted(client1, client1.new_order("BTC-USD", BUY, "1", "59000"))  # 1 + 1 open = 2
    over_long = client1.new_order("BTC-USD", BUY, "0.0001", "59000")
    long_er = client1.expect(ClOrdID=over_long)
    accepted(client1, client1.new_order("BTC-USD", SELL, "3", "61000"))  # 1 - 3 = -2
    over_short = client1.new_order("BTC-USD", SELL, "0.0001", "61000")
    short_er = client1.expect(ClOrdID=over_short)

    assert_denied(long_er, over_long, EXCEEDS_LIMIT, "worst-case position 2.0001 BTC",
                  "position limit 2 BTC for BTC-USD")
    assert_denied(short_er, over_short, EXCEEDS_LIMIT, "worst-case position -2.0001 BTC",
                  "position limit 2 BTC for BTC-USD")


def test_reduce_only_order_passes_while_it_reduces_and_is_denied_when_it_would_flip_or_increase(
        gateway, connect):
    client1, client2 = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    hold_long(client1, client2, "1", "60000")

    accepted(client1, client1.new_order("BTC-USD", SELL, "0.5", "61000", ExecInst="E"))
    flip = client1.new_order("BTC-USD", SELL, "0.5001", "61000", ExecInst="E")
    flip_er = client1.expect(ClOrdID=flip)
    increase = client1.new_order("BTC-USD", BUY, "0.1", "59000", ExecInst="E")
    increase_er = client1.expect(ClOrdID=increase)
    to_flat = client1.new_order("BTC-USD", SELL, "0.5", "61000", ExecInst="E")

    assert_denied(flip_er, flip, EXCEEDS_LIMIT, "sell 0.5001 BTC", "position 1 BTC",
                  "open sells 0.5 BTC")
    assert_denied(increase_er, increase, EXCEEDS_LIMIT, "buy 0.1 BTC", "position 1 BTC")
    accepted(client1, to_flat)


def test_a_later_order_on_its_side_cuts_a_resting_reduce_only_order_and_the_position_stays_flat(
        gateway, connect):
    """Long 1: a reduce-only sell of 1 rests, then a plain sell of 0.4. The reduce-only order
    is cut to 0.6 (150=D 378=5, queue place kept), so a buy that lifts both leaves CLIENT1
    flat, not short 0.4."""
    client1, client2 = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    hold_long(client1, client2, "1", "60000")
    reducing = client1.new_order("BTC-USD", SELL, "1", "61000", ExecInst="E")
    accepted(client1, reducing)

    plain = client1.new_order("BTC-USD", SELL, "0.4", "61000")
    cut = client1.expect(ClOrdID=reducing, ExecType="D", OrdStatus="0")
    accepted(client1, plain)
    lift = client2.new_order("BTC-USD", BUY, "2", "61000", tif="3")
    lifted = client2.until_done(lift)

    assert (cut[tags.OrderQty], cut[tags.LeavesQty], cut[tags.ExecRestatementReason]) == (
        "0.6", "0.6", "5")
    assert cut[tags.Text] == ("reduce-only: leaves cut from 1 to 0.6 BTC, so that the "
                              "account's sells cannot flip position 1 BTC")
    assert [m[tags.LastQty] for m in lifted if m[tags.ExecType] == "F"] == ["0.6", "0.4"]


def test_reduce_only_order_without_a_position_is_denied(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", SELL, "0.1", "60000", ExecInst="E")

    assert_denied(client.expect(ClOrdID=cl), cl, EXCEEDS_LIMIT, "position 0 BTC")


# -- open orders, duplicates, allow-list -------------------------------------------------------


def test_open_orders_at_the_limit_pass_and_one_more_is_denied_until_one_ends(
        start_gateway, connect):
    gw = start_gateway(**{"risk.accounts.CLIENT1.max_open_orders": 2})
    client1, client2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    first = client1.new_order("BTC-USD", BUY, "0.1", "59000")
    accepted(client1, first)
    accepted(client1, client1.new_order("ETH-USD", BUY, "1", "2900"))

    denied = client1.new_order("BTC-USD", BUY, "0.1", "59000")
    er = client1.expect(ClOrdID=denied)
    other = client2.new_order("BTC-USD", BUY, "0.1", "59000")  # per account
    client1.cancel(first, "BTC-USD", BUY)
    client1.expect(ExecType="4", OrigClOrdID=first)
    again = client1.new_order("BTC-USD", BUY, "0.1", "59000")

    assert_denied(er, denied, EXCEEDS_LIMIT, "open orders 3",
                  "max open orders 2 for account CLIENT1")
    accepted(client2, other)
    accepted(client1, again)


def test_duplicate_clordid_is_denied_as_duplicate_order(gateway, connect):
    client = connect(gateway)
    accepted(client, client.new_order("BTC-USD", BUY, "0.1", "59000", cl_ord_id="DUP-1"))

    client.new_order("ETH-USD", SELL, "1", "3100", cl_ord_id="DUP-1")

    assert_denied(client.expect(ClOrdID="DUP-1"), "DUP-1", DUPLICATE, "DUP-1")


def test_instrument_outside_the_accounts_allow_list_is_denied(start_gateway, connect):
    gw = start_gateway(**{"risk.accounts.CLIENT2.allowed": ["BTC-USD"]})
    client = connect(gw, "CLIENT2")

    denied = client.new_order("ETH-USD", BUY, "1", "3000")
    er = client.expect(ClOrdID=denied)
    allowed = client.new_order("BTC-USD", BUY, "0.1", "60000")

    assert_denied(er, denied, EXCEEDS_LIMIT, "account CLIENT2", "ETH-USD")
    accepted(client, allowed)


# -- soft limits, fail closed -------------------------------------------------------------------


def test_order_above_the_soft_limit_but_within_the_hard_limit_passes(start_gateway, connect):
    gw = start_gateway(**{"risk.instruments.BTC-USD.max_order_qty": "2"})  # warn_at 0.8
    client = connect(gw)

    cl = client.new_order("BTC-USD", BUY, "1.9", "60000")

    accepted(client, cl)


def test_order_without_any_reference_price_is_denied_fail_closed(gateway, connect):
    client = connect(gateway)
    gateway.call(lambda: gateway.state.risk.set_reference_price("BTC-USD", None))

    denied = client.new_order("BTC-USD", BUY, "0.1", "60000")
    er = client.expect(ClOrdID=denied)
    other = client.new_order("ETH-USD", BUY, "1", "3000")

    assert_denied(er, denied, OTHER, "no reference price for BTC-USD")
    accepted(client, other)


def test_position_check_without_a_price_for_another_instrument_held_is_denied_fail_closed(
        gateway, connect):
    client = connect(gateway)
    accepted(client, client.new_order("ETH-USD", BUY, "1", "2900"))  # one-sided ETH book
    gateway.call(lambda: gateway.state.risk.set_reference_price("ETH-USD", None))

    denied = client.new_order("BTC-USD", BUY, "0.1", "60000")

    assert_denied(client.expect(ClOrdID=denied), denied, OTHER,
                  "no reference price for ETH-USD", "account CLIENT1")


# -- reduce-only on replace, and stop protection at the trigger ----------------------------------


def test_triggered_stop_market_order_cannot_sweep_beyond_the_collar(start_gateway, connect):
    """At entry the collar is 57000..63000 around the reference 60000; the stop triggers on a
    trade at 58000, and from then on its collar is 55100..60900: the ask at 62900 is out."""
    gw = start_gateway(**{"risk.defaults.collar_pct": "5"})
    buyer, seller = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    accepted(seller, seller.new_order("BTC-USD", SELL, "1", "62900"))  # in the collar of 60000
    accepted(seller, seller.new_order("BTC-USD", SELL, "0.1", "58000"))
    stop = buyer.new_order("BTC-USD", BUY, "1", ord_type="3", StopPx="58000")
    accepted(buyer, stop)

    buyer.new_order("BTC-USD", BUY, "0.1", "58000")  # trades: last 58000, collar 55100..60900

    reports = [m for m in buyer.drain(1.0) if m.get(tags.ClOrdID) == stop]
    assert reports and reports[-1][tags.OrdStatus] == "4", reports
    assert all(r[tags.ExecType] != "F" for r in reports), reports


def test_stop_market_order_is_held_to_max_notional_as_a_market_order_of_its_size(
        start_gateway, connect):
    """Around the reference 60000 a 5% collar protects a market buy at 63000: 1.6 BTC is then
    100800 USD. A buy stop of 1.6 at 60000 is valued there too, not at its stop price (96000
    USD), which it could fill beyond once triggered."""
    gw = start_gateway(**{"risk.defaults.collar_pct": "5",
                          "risk.accounts.CLIENT1.max_order_notional": "100000"})
    client = connect(gw)

    market = client.new_order("BTC-USD", BUY, "1.6", ord_type=MARKET, tif=IOC)
    stop = client.new_order("BTC-USD", BUY, "1.6", ord_type="3", StopPx="60000")

    for denied in (market, stop):
        assert_denied(client.expect(ClOrdID=denied), denied, EXCEEDS_LIMIT,
                      "notional 100800.00 USD exceeds max order notional 100000.00 USD")


def test_replace_of_a_reduce_only_order_that_would_flip_the_position_is_refused(
        gateway, connect):
    client1, client2 = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    hold_long(client1, client2, "1", "60000")
    reducing = client1.new_order("BTC-USD", SELL, "0.5", "61000", ExecInst="E")
    accepted(client1, reducing)

    flip = client1.replace(reducing, "BTC-USD", SELL, "2", "61000")

    client1.expect(MsgType="9", ClOrdID=flip)


# -- message throttle per session ---------------------------------------------------------------


def test_orders_beyond_the_throttle_are_denied_but_cancels_go_through(start_gateway, connect):
    gw = start_gateway(**{"risk.throttle": {"rate": 1, "burst": 3, "logout_after": None}})
    client1, client2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")

    sent = [client1.new_order("BTC-USD", BUY, "0.1", "59000") for _ in range(5)]
    client1.cancel(sent[0], "BTC-USD", BUY)
    other = client2.new_order("BTC-USD", BUY, "0.1", "59000")  # a bucket per session

    for cl in sent[:3]:
        accepted(client1, cl)
    for cl in sent[3:]:
        assert_denied(client1.expect(ClOrdID=cl), cl, EXCEEDS_LIMIT, "session CLIENT1",
                      "1 messages per second (burst 3)")
    client1.expect(ExecType="4", OrdStatus="4", OrigClOrdID=sent[0])
    accepted(client2, other)


def test_sustained_throttle_abuse_logs_the_session_out(start_gateway, connect):
    gw = start_gateway(**{"risk.throttle": {"rate": 1, "burst": 2, "logout_after": 3,
                                            "logout_window_s": "10"}})
    client = connect(gw)

    sent = [client.new_order("BTC-USD", BUY, "0.1", "59000") for _ in range(5)]

    for cl in sent[:2]:
        accepted(client, cl)
    for cl in sent[2:]:
        assert_denied(client.expect(ClOrdID=cl), cl, EXCEEDS_LIMIT)
    assert client.logout_text() == "message rate limit exceeded"

    # Logged out, not locked out: the initiator reconnects by itself and is let in.
    client.logged_on.clear()
    assert client.logged_on.wait(15), "the session could not log on again after the logout"
