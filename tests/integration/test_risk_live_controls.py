"""Trading controls of the running gateway over real FIX sessions: the kill switch (halt,
reduce-only, resume) per scope and live limit changes, without a restart; and a restart
on the same data keeps both."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete

from fixspec import tags
from tests.integration.risk_orders import BUY, SELL, accepted, assert_denied, hold_long
from gateway.store import Store, snapshots
from risk.events import TradingScope, TradingState, TradingStateChanged

pytestmark = pytest.mark.timeout(90)

EXCHANGE_CLOSED, EXCEEDS_LIMIT = "2", "3"


# -- kill switch ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "scope_text", "unaffected"),
    [
        pytest.param(TradingScope.everything(), "global", None, id="global"),
        pytest.param(TradingScope.instrument("BTC-USD"), "instrument BTC-USD",
                     ("CLIENT1", "ETH-USD"), id="instrument"),
        pytest.param(TradingScope.account("CLIENT1"), "account CLIENT1",
                     ("CLIENT2", "BTC-USD"), id="account"),
    ],
)
def test_halt_denies_new_orders_as_exchange_closed_lets_cancels_through_and_resume_undoes_it(
        gateway, connect, scope, scope_text, unaffected):
    clients = {"CLIENT1": connect(gateway, "CLIENT1"), "CLIENT2": connect(gateway, "CLIENT2")}
    client = clients["CLIENT1"]
    resting = client.new_order("BTC-USD", BUY, "0.1", "59000")
    accepted(client, resting)

    events = gateway.halt(scope, reason="test")
    denied = client.new_order("BTC-USD", BUY, "0.1", "59000")
    denied_er = client.expect(ClOrdID=denied)
    client.cancel(resting, "BTC-USD", BUY)
    canceled = client.expect(OrigClOrdID=resting)
    if unaffected is not None:
        owner, symbol = unaffected
        other = clients[owner]
        accepted(other, other.new_order(symbol, BUY, "0.1", "2900" if symbol == "ETH-USD"
                                        else "59000"))
    gateway.resume(scope)
    after = client.new_order("BTC-USD", BUY, "0.1", "59000")

    assert [(e.scope, e.old, e.new) for e in events if isinstance(e, TradingStateChanged)] == [
        (scope, TradingState.ACTIVE, TradingState.HALTED)]
    assert_denied(denied_er, denied, EXCHANGE_CLOSED, f"trading halted ({scope_text})")
    assert (canceled[tags.ExecType], canceled[tags.OrdStatus]) == ("4", "4"), canceled
    accepted(client, after)


def test_halt_with_cancel_resting_cancels_the_scopes_orders_of_every_owner(gateway, connect):
    client1, client2 = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    btc1 = client1.new_order("BTC-USD", BUY, "0.1", "59000")
    accepted(client1, btc1)
    btc2 = client2.new_order("BTC-USD", SELL, "0.2", "61000")
    accepted(client2, btc2)
    eth1 = client1.new_order("ETH-USD", BUY, "1", "2900")
    accepted(client1, eth1)

    gateway.halt(TradingScope.instrument("BTC-USD"), reason="test", cancel_resting=True)

    for client, cl in ((client1, btc1), (client2, btc2)):
        er = client.expect(ClOrdID=cl, ExecType="4", OrdStatus="4", LeavesQty="0")
        assert er[tags.Text] == "cancelled by trading halt", er
    client1.status(eth1, "ETH-USD", BUY)
    client1.expect(ExecType="I", OrdStatus="0", ClOrdID=eth1)  # other instrument untouched
    assert client2.sync() == []


def test_halt_lets_a_pure_quantity_reduction_through_but_refuses_a_larger_replace(
        gateway, connect):
    client = connect(gateway)
    resting = client.new_order("BTC-USD", BUY, "1", "59000")
    accepted(client, resting)
    gateway.halt(TradingScope.account("CLIENT1"))

    smaller = client.replace(resting, "BTC-USD", BUY, "0.5", "59000")
    reduced = client.expect(ClOrdID=smaller)
    larger = client.replace(smaller, "BTC-USD", BUY, "2", "59000")
    refused = client.expect(ClOrdID=larger)

    assert (reduced[tags.ExecType], reduced[tags.OrderQty]) == ("5", "0.5"), reduced
    assert refused[tags.MsgType] == "9" and refused[tags.CxlRejReason] == "2", refused
    assert "trading halted (account CLIENT1)" in refused[tags.Text], refused


def test_reduce_only_state_lets_only_reducing_orders_in(gateway, connect):
    client1, client2 = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    hold_long(client1, client2, "1", "60000")

    gateway.set_trading_state(TradingScope.account("CLIENT1"), TradingState.REDUCE_ONLY,
                              "test")
    increase = client1.new_order("BTC-USD", BUY, "0.1", "59000")
    increase_er = client1.expect(ClOrdID=increase)
    reduce = client1.new_order("BTC-USD", SELL, "1", "61000")  # to flat: no ExecInst needed
    reduce_er = client1.expect(ClOrdID=reduce)
    flip = client1.new_order("BTC-USD", SELL, "0.0001", "61000")
    flip_er = client1.expect(ClOrdID=flip)
    other = client2.new_order("BTC-USD", SELL, "1", "61000")  # CLIENT2 is not restricted

    assert_denied(increase_er, increase, EXCEEDS_LIMIT, "reduce-only (account CLIENT1)",
                  "buy 0.1 BTC", "position 1 BTC")
    assert (reduce_er[tags.ExecType], reduce_er[tags.OrdStatus]) == ("0", "0"), reduce_er
    assert_denied(flip_er, flip, EXCEEDS_LIMIT, "sell 0.0001 BTC", "open sells 1 BTC")
    accepted(client2, other)


def test_trading_state_of_an_unknown_scope_is_refused(gateway):
    with pytest.raises(ValueError, match="DOGE-USD"):
        gateway.halt(TradingScope.instrument("DOGE-USD"))
    with pytest.raises(ValueError, match="NOBODY"):
        gateway.halt(TradingScope.account("NOBODY"))


# -- limits ------------------------------------------------------------------------------------


def test_changed_limit_applies_from_the_next_order_and_unsetting_it_restores_the_default(
        gateway, connect):
    client = connect(gateway)

    gateway.set_limit("max_order_qty", Decimal("1"), symbol="BTC-USD")
    denied = client.new_order("BTC-USD", BUY, "1.0001", "60000")
    denied_er = client.expect(ClOrdID=denied)
    at_limit = client.new_order("BTC-USD", BUY, "1", "60000")
    at_limit_er = client.expect(ClOrdID=at_limit)
    gateway.set_limit("max_order_qty", None, symbol="BTC-USD")  # back to no instrument limit
    after = client.new_order("BTC-USD", BUY, "1.0001", "60000")

    assert_denied(denied_er, denied, EXCEEDS_LIMIT, "quantity 1.0001 BTC",
                  "max order quantity 1 BTC for BTC-USD")
    assert at_limit_er[tags.ExecType] == "0", at_limit_er
    accepted(client, after)


def test_changed_account_limit_binds_that_account_only(gateway, connect):
    client1, client2 = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    accepted(client1, client1.new_order("BTC-USD", BUY, "0.1", "59000"))

    gateway.set_limit("max_open_orders", 1, account="CLIENT1")
    denied = client1.new_order("BTC-USD", BUY, "0.1", "59000")
    denied_er = client1.expect(ClOrdID=denied)
    other = client2.new_order("BTC-USD", BUY, "0.1", "59000")

    assert_denied(denied_er, denied, EXCEEDS_LIMIT, "open orders 2",
                  "max open orders 1 for account CLIENT1")
    accepted(client2, other)


@pytest.mark.parametrize(
    ("name", "value", "where"),
    [
        pytest.param("max_order_qty", "1", {"symbol": "BTC-USD"}, id="not-a-decimal"),
        pytest.param("max_order_qty", Decimal("-1"), {"symbol": "BTC-USD"}, id="negative"),
        pytest.param("max_bananas", Decimal("1"), {"symbol": "BTC-USD"}, id="unknown-limit"),
        pytest.param("max_order_qty", Decimal("1"), {"symbol": "DOGE-USD"},
                     id="unknown-instrument"),
        pytest.param("max_open_orders", 1, {"account": "NOBODY"}, id="unknown-account"),
        pytest.param("max_order_qty", Decimal("1"), {"account": "CLIENT1", "symbol": "DOGE-USD"},
                     id="unknown-instrument-of-account"),
        pytest.param("warn_at", Decimal("1.5"), {}, id="warn-at-above-one"),
        pytest.param("max_order_qty", Decimal("0.00005"), {"symbol": "BTC-USD"}, id="off-lot"),
        pytest.param("max_position", Decimal("0.0001"), {}, id="off-lot-of-one-instrument"),
    ],
)
def test_invalid_limit_change_is_refused_and_changes_nothing(gateway, connect, name, value,
                                                             where):
    client = connect(gateway)
    before = gateway.call(lambda: gateway.state.risk.limits)

    with pytest.raises(ValueError):
        gateway.set_limit(name, value, **where)

    assert gateway.call(lambda: gateway.state.risk.limits) == before
    accepted(client, client.new_order("BTC-USD", BUY, "2", "60000"))


# -- restart -----------------------------------------------------------------------------------


@pytest.mark.parametrize("from_snapshot", [True, False], ids=["snapshot", "journal"])
def test_restart_keeps_trading_states_and_changed_limits(start_gateway, connect,
                                                         from_snapshot):
    gw = start_gateway()
    gw.halt(TradingScope.instrument("ETH-USD"), reason="test")
    gw.set_limit("max_order_qty", Decimal("1"), symbol="BTC-USD")
    gw.set_trading_state(TradingScope.account("CLIENT2"), TradingState.REDUCE_ONLY, "test")
    gw.stop()
    if not from_snapshot:  # only the journal is left to replay
        store = Store(gw.settings.database.url)
        with store.engine.begin() as conn:
            conn.execute(delete(snapshots))
        store.close()

    again = start_gateway()
    client1, client2 = connect(again, "CLIENT1"), connect(again, "CLIENT2")
    halted = client1.new_order("ETH-USD", BUY, "1", "3000")
    halted_er = client1.expect(ClOrdID=halted)
    too_big = client1.new_order("BTC-USD", BUY, "1.0001", "60000")
    too_big_er = client1.expect(ClOrdID=too_big)
    reduce_only = client2.new_order("BTC-USD", BUY, "0.1", "60000")
    reduce_only_er = client2.expect(ClOrdID=reduce_only)

    assert_denied(halted_er, halted, EXCHANGE_CLOSED, "instrument ETH-USD")
    assert_denied(too_big_er, too_big, EXCEEDS_LIMIT, "max order quantity 1 BTC for BTC-USD")
    assert_denied(reduce_only_er, reduce_only, EXCEEDS_LIMIT, "reduce-only (account CLIENT2)")
    accepted(client1, client1.new_order("BTC-USD", BUY, "1", "60000"))
