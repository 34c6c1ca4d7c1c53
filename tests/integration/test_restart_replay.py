"""Restart is replay: the same data directory gives back the same books, orders and ids."""

import shutil
import time
from decimal import Decimal

import pytest
import yaml
from loguru import logger

from config.settings import ConfigError
from fixspec import tags
from tests.integration.conftest import DEMO_YAML

pytestmark = pytest.mark.timeout(90)

NO_CANCEL_ON_DISCONNECT = {
    "counterparties.CLIENT1.cancel_on_disconnect": False,
    "counterparties.CLIENT2.cancel_on_disconnect": False,
}


def _trade_a_little(client1, client2):
    resting = client1.new_order("BTC-USD", "2", "1", "60000")
    client1.expect(ExecType="0", ClOrdID=resting)
    client1.new_order("BTC-USD", "1", "0.5", "59000")
    client1.expect(ExecType="0")
    client2.new_order("BTC-USD", "1", "0.25", "60000")
    client2.expect(ExecType="0")
    client2.expect(ExecType="F")
    client1.expect(ExecType="F")
    return resting


def test_restart_rebuilds_the_same_state_and_continues_the_id_sequences(start_gateway, connect):
    gw = start_gateway(**NO_CANCEL_ON_DISCONNECT)
    c1, c2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    resting = _trade_a_little(c1, c2)
    before = gw.call(lambda: (gw.engine.state_hash(), gw.engine.sequences()))
    c1.stop(), c2.stop()
    gw.stop()

    again = start_gateway(**NO_CANCEL_ON_DISCONNECT)

    after = again.call(lambda: (again.engine.state_hash(), again.engine.sequences()))
    assert after == before
    c1 = connect(again, "CLIENT1")
    c1.send(tags.MSG_OrderStatusRequest, {tags.ClOrdID: resting, tags.Symbol: "BTC-USD",
                                          tags.Side: "2"})
    status = c1.expect(ExecType="I", ClOrdID=resting, OrdStatus="1")
    assert status[tags.CumQty] == "0.25" and status[tags.AvgPx] == "60000"
    c1.new_order("ETH-USD", "1", "1", "3000")
    ack = c1.expect(ExecType="0")
    assert int(ack[tags.ExecID]) >= before[1].exec_id  # never an id issued before the stop
    assert int(ack[tags.OrderID]) == before[1].order_id


def test_a_clean_stop_leaves_no_message_to_ask_for_again(start_gateway, connect):
    """Every message QuickFIX counted before a clean stop is recorded as handled: orders,
    a status request (journaled as nothing), one QuickFIX refused, and the Logouts, the
    counterparty's own and its answer to the gateway's. So the next start asks nobody to
    resend anything."""
    gw = start_gateway(**NO_CANCEL_ON_DISCONNECT)
    c1, c2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    resting = _trade_a_little(c1, c2)
    c1.send(tags.MSG_OrderStatusRequest, {tags.ClOrdID: resting, tags.Symbol: "BTC-USD",
                                          tags.Side: "2"})
    c1.expect(ExecType="I")
    c1.new_order("BTC-USD", "1", "abc", "60000")  # refused by QuickFIX itself (3, 373=6)
    c1.expect_admin(tags.MSG_Reject)
    c2.stop()  # logs out; CLIENT1 is logged out by the gateway as it stops
    gw.stop()
    c1.stop()
    warnings: list[str] = []
    sink = logger.add(warnings.append, level="WARNING", format="{message}")
    try:
        again = start_gateway(**NO_CANCEL_ON_DISCONNECT)
    finally:
        logger.remove(sink)

    assert not [w for w in warnings if "asking for them again" in w], warnings
    assert set(again.store.received) == {"CLIENT1", "CLIENT2"}


def test_restart_from_a_snapshot_gives_the_same_state(start_gateway, connect):
    gw = start_gateway(**NO_CANCEL_ON_DISCONNECT, **{"database.snapshot_every": 3})
    c1, c2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    _trade_a_little(c1, c2)
    c1.new_order("ETH-USD", "2", "2", "3100")
    c1.expect(ExecType="0")
    before = gw.call(gw.engine.state_hash)
    c1.stop(), c2.stop()
    gw.stop()

    again = start_gateway(**NO_CANCEL_ON_DISCONNECT)

    assert again.call(again.engine.state_hash) == before


def test_restart_on_postgresql_rebuilds_the_same_state(start_gateway, connect, postgres_url):
    settings = {**NO_CANCEL_ON_DISCONNECT, "database.url": postgres_url}
    gw = start_gateway(**settings)
    c1, c2 = connect(gw, "CLIENT1"), connect(gw, "CLIENT2")
    _trade_a_little(c1, c2)
    before = gw.call(lambda: (gw.engine.state_hash(), gw.engine.sequences()))
    c1.stop(), c2.stop()
    gw.stop()

    again = start_gateway(**settings)

    assert again.call(lambda: (again.engine.state_hash(), again.engine.sequences())) == before


def test_gtd_order_that_expired_while_down_is_expired_at_start_and_reported(start_gateway,
                                                                            connect):
    settings = {**NO_CANCEL_ON_DISCONNECT, "matching.time_advance_ms": 100}
    gw = start_gateway(**settings)
    client = connect(gw, "CLIENT1")
    expire = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime(time.time() + 2))
    cl = client.new_order("BTC-USD", "1", "0.1", "59000", tif="6", ExpireTime=expire)
    client.expect(ClOrdID=cl, ExecType="0")
    client.stop()
    gw.stop()
    time.sleep(2.5)  # the expiry passes while the gateway is down

    again = start_gateway(**settings)
    client = connect(again, "CLIENT1")

    # Expired at the first time tick after start; the owner hears of it live or, if it logs
    # on later, as a resend.
    expired = client.expect(ClOrdID=cl, ExecType="C", OrdStatus="C", timeout=10)
    assert expired[tags.LeavesQty] == "0"



def test_limits_edited_in_the_yaml_apply_after_a_restart_from_a_snapshot(start_gateway,
                                                                         connect):
    gw = start_gateway(**{"database.snapshot_every": 1})
    client = connect(gw, "CLIENT1")
    client.new_order("BTC-USD", "1", "2", "59000")
    client.expect(ExecType="0")
    gw.set_limit("max_order_notional", Decimal("500000"), account="CLIENT1")  # live change
    client.stop()
    gw.stop()  # a snapshot holds the day's limits

    again = start_gateway(**{"database.snapshot_every": 1,
                             "risk.instruments.BTC-USD.max_order_qty": "1"})  # edited YAML
    client = connect(again, "CLIENT1")
    client.drain(0.5)  # what it missed while away: the disconnect cancel, as a resend
    client.new_order("BTC-USD", "1", "2", "59000")
    edited = client.expect(ExecType="8")
    client.new_order("ETH-USD", "1", "200", "3000")  # 600,000 USD
    live = client.expect(ExecType="8")

    assert edited[tags.OrdRejReason] == "3"
    assert "exceeds max order quantity 1 BTC" in edited[tags.Text]  # the YAML's new limit
    assert live[tags.OrdRejReason] == "3"
    assert "exceeds max order notional 500000.00 USD" in live[tags.Text]  # the live change


def test_self_trade_prevention_edited_between_runs_leaves_the_replay_as_it_ran(
        start_gateway, connect):
    # Arrange: self-trades allowed; CLIENT1's buy trades with its own resting sell
    gw = start_gateway(**NO_CANCEL_ON_DISCONNECT, **{"matching.self_trade_prevention": "off"})
    c1 = connect(gw, "CLIENT1")
    sell = c1.new_order("BTC-USD", "2", "1", "60000")
    c1.expect(ExecType="0", ClOrdID=sell)
    buy = c1.new_order("BTC-USD", "1", "1", "60000")
    c1.expect(ExecType="0", ClOrdID=buy)
    c1.expect(ExecType="F", OrdStatus="2", ClOrdID=sell)
    c1.expect(ExecType="F", OrdStatus="2", ClOrdID=buy)
    before = gw.call(lambda: (gw.engine.state_hash(), gw.engine.sequences()))
    c1.stop()
    gw.stop()
    # A full replay, as after an upgrade (a snapshot is only read by the code that wrote it)
    shutil.rmtree(gw.settings.data_dir / "snapshots")

    # Act: the setting now forbids it
    again = start_gateway(**NO_CANCEL_ON_DISCONNECT,
                          **{"matching.self_trade_prevention": "cancel_aggressor"})

    # Assert: the trade that was reported is still the state; the new setting rules after it
    assert again.call(lambda: (again.engine.state_hash(), again.engine.sequences())) == before
    c1 = connect(again, "CLIENT1")
    c1.expect(ExecType="0", ClOrdID=c1.new_order("BTC-USD", "2", "1", "60000"))
    buy = c1.new_order("BTC-USD", "1", "1", "60000")
    c1.expect(ExecType="0", ClOrdID=buy)
    c1.expect(ExecType="4", OrdStatus="4", ClOrdID=buy)


def test_an_end_of_day_missed_while_down_is_run_at_the_next_start(start_gateway, connect):
    end_of_day = time.strftime("%H:%M", time.gmtime(time.time() + 3600))  # not reached here
    config = {**NO_CANCEL_ON_DISCONNECT, "matching.end_of_day": end_of_day}
    gw = start_gateway(**config)
    c1 = connect(gw)
    day = c1.new_order("ETH-USD", "1", "1", "3000", tif="0")
    gtc = c1.new_order("ETH-USD", "1", "1", "2999", tif="1")
    c1.expect(ClOrdID=day, ExecType="0"), c1.expect(ClOrdID=gtc, ExecType="0")
    c1.stop()
    gw.stop()

    again = start_gateway(clock=lambda: time.time_ns() + 86_400 * 10**9, **config)  # a day on
    c1 = connect(again)

    expired = c1.expect(ClOrdID=day, ExecType="C", OrdStatus="C")  # resent at the logon
    assert expired[tags.LeavesQty] == "0"
    c1.new_order("ETH-USD", "1", "1", "2998", cl_ord_id=day)  # a new day: usable again
    assert c1.expect(ClOrdID=day)[tags.ExecType] == "0"
    c1.send(tags.MSG_OrderStatusRequest, {tags.ClOrdID: gtc, tags.Symbol: "ETH-USD",
                                          tags.Side: "1"})
    c1.expect(ExecType="I", ClOrdID=gtc, OrdStatus="0")  # GTC carried into the new day


SOL_USD = {"instruments.SOL-USD": {"tick": "0.01", "lot": "0.01", "min_qty": "0.01",
                                   "max_qty": "100000", "reference_price": "150"},
           "risk.instruments.SOL-USD": {"max_order_qty": "1000", "max_position": "100000"}}


def _without_eth() -> dict[str, object]:
    """Settings changes that leave ETH-USD out of the demo profile."""
    demo = yaml.safe_load(DEMO_YAML.read_text())
    instruments, limits = demo["instruments"], demo["risk"]["instruments"]
    return {"instruments": {s: d for s, d in instruments.items() if s != "ETH-USD"},
            "risk.instruments": {s: d for s, d in limits.items() if s != "ETH-USD"}}


def _started_with_warnings(start_gateway, **settings):
    warnings: list[str] = []
    sink = logger.add(lambda line: warnings.append(line.rstrip("\n")), level="WARNING",
                      format="{message}")
    try:
        return start_gateway(**settings), warnings
    finally:
        logger.remove(sink)


def _a_run_leaving_a_bid(start_gateway, connect) -> str:
    """A run in which CLIENT1 leaves a BTC-USD bid, then a clean stop (which snapshots)."""
    gw = start_gateway(**NO_CANCEL_ON_DISCONNECT)
    client = connect(gw, "CLIENT1")
    resting = client.new_order("BTC-USD", "1", "0.1", "59000")
    client.expect(ExecType="0", ClOrdID=resting)
    client.stop()
    gw.stop()
    return resting


def _still_live(client, resting: str) -> None:
    client.status(resting, "BTC-USD", "1")
    client.expect(ExecType="I", OrdStatus="0", ClOrdID=resting)


def test_an_instrument_added_between_runs_trades_after_a_restart_from_a_snapshot(
        start_gateway, connect):
    resting = _a_run_leaving_a_bid(start_gateway, connect)  # and a snapshot without SOL

    again, warnings = _started_with_warnings(start_gateway, **NO_CANCEL_ON_DISCONNECT,
                                             **SOL_USD)
    client = connect(again, "CLIENT1")
    sol = client.new_order("SOL-USD", "1", "2", "150")

    assert client.expect(ClOrdID=sol)[tags.ExecType] == "0"
    _still_live(client, resting)
    assert any("other instruments (SOL-USD added): replaying the whole journal" in w
               for w in warnings), warnings


def test_an_instrument_the_journal_never_named_may_be_left_out_and_defined_anew(
        start_gateway, connect):
    resting = _a_run_leaving_a_bid(start_gateway, connect)

    without, warnings = _started_with_warnings(start_gateway, **NO_CANCEL_ON_DISCONNECT,
                                               **_without_eth())
    assert "ETH-USD" not in without.call(lambda: without.engine.instruments)
    assert "instruments.ETH-USD: missing; the journal has no order or operator action in " \
           "it: taken as configured" in warnings, warnings
    without.stop()
    # Forgotten: it may come back with other increments
    again = start_gateway(**NO_CANCEL_ON_DISCONNECT, **{"instruments.ETH-USD.tick": "0.1"})
    client = connect(again, "CLIENT1")
    eth = client.new_order("ETH-USD", "1", "1", "3000.1")

    assert client.expect(ClOrdID=eth)[tags.ExecType] == "0"
    _still_live(client, resting)


def test_an_instrument_the_journal_names_may_not_be_left_out(start_gateway, connect):
    gw = start_gateway()
    client = connect(gw, "CLIENT1")
    client.new_order("ETH-USD", "1", "1", "3000")
    client.expect(ExecType="0")
    client.stop()
    gw.stop()

    with pytest.raises(ConfigError) as refused:
        start_gateway(**_without_eth())

    assert refused.value.key == "instruments.ETH-USD"
    assert refused.value.problem.startswith(
        "missing, but the database's journal has 1 orders or operator actions in it")


def test_an_instrument_without_orders_may_be_redefined_in_one_start(start_gateway, connect):
    # Arrange: orders in BTC-USD only; ETH-USD merely refused an order for risk reasons
    gw = start_gateway(**NO_CANCEL_ON_DISCONNECT)
    client = connect(gw, "CLIENT1")
    client.new_order("BTC-USD", "1", "0.1", "59000")
    client.expect(ExecType="0")
    client.new_order("ETH-USD", "1", "1", "30000")  # far outside the collar: denied
    client.expect(ExecType="8")
    client.stop()
    gw.stop()

    # Act
    again, warnings = _started_with_warnings(start_gateway, **NO_CANCEL_ON_DISCONNECT,
                                             **{"instruments.ETH-USD.min_qty": "0.1"})
    client = connect(again, "CLIENT1")
    client.new_order("ETH-USD", "1", "0.05", "3000")

    # Assert
    assert "below minimum 0.1" in client.expect(ExecType="8")[tags.Text]
    assert "instruments.ETH-USD.min_qty: 0.1 differs from 0.001; the journal has no order " \
           "or operator action in it: taken as configured" in warnings, warnings
    assert any("(ETH-USD redefined)" in w for w in warnings), warnings


@pytest.mark.parametrize(("days", "resend_answer"), [(1, "8"), (3, "0")],
                         ids=["one-missed", "three-missed"])
def test_every_end_of_day_missed_while_down_is_run(start_gateway, connect, days,
                                                   resend_answer):
    """A ClOrdID is remembered for a possible resend the day after its own, so with every
    missed day run, one of three days ago is a new order's again."""
    end_of_day = time.strftime("%H:%M", time.gmtime(time.time() + 3600))  # not reached here
    config = {**NO_CANCEL_ON_DISCONNECT, "matching.end_of_day": end_of_day}
    gw = start_gateway(**config)
    c1 = connect(gw)
    cl = c1.new_order("ETH-USD", "1", "1", "3000")
    c1.expect(ClOrdID=cl, ExecType="0")
    c1.expect(ClOrdID=c1.cancel(cl, "ETH-USD", "1"), ExecType="4")
    c1.stop()
    gw.stop()

    again, warnings = _started_with_warnings(
        start_gateway, clock=lambda: time.time_ns() + days * 86_400 * 10**9, **config)
    c1 = connect(again)
    c1.drain(0.5)
    c1.new_order("ETH-USD", "1", "1", "3000", cl_ord_id=cl, header={tags.PossResend: "Y"})

    assert c1.expect(ClOrdID=cl)[tags.ExecType] == resend_answer
    assert sum("passed while the gateway was down" in w for w in warnings) == days
