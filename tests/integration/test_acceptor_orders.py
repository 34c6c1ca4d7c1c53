"""Orders over real FIX sessions: acks, crosses between counterparties, partial fills across
levels, IOC/FOK/market remainders, post-only, iceberg, GTD expiry and stop triggers."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from fixspec import tags

pytestmark = pytest.mark.timeout(60)

BUY, SELL = "1", "2"
LIMIT, MARKET, STOP = "2", "1", "3"
GTC, IOC, FOK, GTD = "1", "3", "4", "6"


def rest(client, side, qty, price, **extra):
    """A resting limit order, acknowledged; returns its ClOrdID."""
    cl = client.new_order("BTC-USD", side, qty, price, **extra)
    client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl)
    return cl


def assert_consistent(reports):
    """Cumulative order: CumQty grows by LastQty, LeavesQty = OrderQty - CumQty when live."""
    cum = Decimal(0)
    for er in reports:
        if er[tags.ExecType] == "F":
            cum += Decimal(er[tags.LastQty])
        assert Decimal(er[tags.CumQty]) == cum, er
        if er[tags.OrdStatus] in ("0", "1"):
            assert Decimal(er[tags.LeavesQty]) == Decimal(er[tags.OrderQty]) - cum, er
        else:
            assert Decimal(er[tags.LeavesQty]) == 0, er
        assert tags.AvgPx in er, er


def test_limit_order_is_acknowledged_with_new_report(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", BUY, "0.5", "60000")

    er = client.expect(MsgType="8", ExecType="0", OrdStatus="0", ClOrdID=cl)
    assert er[tags.LeavesQty] == "0.5" and er[tags.CumQty] == "0" and er[tags.AvgPx] == "0"
    assert er[tags.OrderID] != "NONE"


def test_cross_between_two_counterparties_reports_both_sides(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell = rest(seller, SELL, "1", "60000")

    buy = buyer.new_order("BTC-USD", BUY, "0.4", "60001")

    buyer.expect(ExecType="0", ClOrdID=buy)
    taker = buyer.expect(ExecType="F", ClOrdID=buy, OrdStatus="2")
    maker = seller.expect(ExecType="F", ClOrdID=sell, OrdStatus="1")
    assert taker[tags.LastPx] == maker[tags.LastPx] == "60000"
    assert taker[tags.LastQty] == maker[tags.LastQty] == "0.4"
    assert maker[tags.LeavesQty] == "0.6" and maker[tags.CumQty] == "0.4"
    assert taker[tags.ExecID] != maker[tags.ExecID]
    assert (taker[tags.LastLiquidityInd], maker[tags.LastLiquidityInd]) == ("2", "1")


def test_taker_sweeping_two_levels_gets_one_report_per_match_with_exact_avg_px(
        gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    first = rest(seller, SELL, "0.2", "60000")
    second = rest(seller, SELL, "0.1", "60001")

    buy = buyer.new_order("BTC-USD", BUY, "0.3", "60001")

    reports = buyer.until_done(buy)
    fill1, fill2 = reports
    assert (fill1[tags.LastQty], fill1[tags.LastPx], fill1[tags.OrdStatus]) == (
        "0.2", "60000", "1")
    assert (fill1[tags.CumQty], fill1[tags.LeavesQty], fill1[tags.AvgPx]) == (
        "0.2", "0.1", "60000")
    assert (fill2[tags.LastQty], fill2[tags.LastPx], fill2[tags.OrdStatus]) == (
        "0.1", "60001", "2")
    assert (fill2[tags.CumQty], fill2[tags.LeavesQty], fill2[tags.AvgPx]) == (
        "0.3", "0", "60000.3333333333")
    assert_consistent(reports)
    maker1 = seller.expect(ExecType="F", ClOrdID=first, OrdStatus="2")
    maker2 = seller.expect(ExecType="F", ClOrdID=second, OrdStatus="2")
    assert maker1[tags.AvgPx] == "60000" and maker2[tags.AvgPx] == "60001"


def test_order_id_stays_and_exec_ids_are_unique_across_counterparties(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell = seller.new_order("BTC-USD", SELL, "1", "60000")
    seller_msgs = [seller.expect(ExecType="0")]
    buy1 = buyer.new_order("BTC-USD", BUY, "0.3", "60000")
    buy2 = buyer.new_order("BTC-USD", BUY, "0.2", "60000")
    buyer_msgs = buyer.until_done(buy1) + buyer.until_done(buy2)
    seller_msgs += [seller.expect(ExecType="F") for _ in range(2)]

    seller.cancel(sell, "BTC-USD", SELL)

    seller_msgs.append(seller.expect(ExecType="4", OrdStatus="4"))
    assert len({m[tags.OrderID] for m in seller_msgs}) == 1
    for cl in (buy1, buy2):
        assert len({m[tags.OrderID] for m in buyer_msgs if m[tags.ClOrdID] == cl}) == 1
    exec_ids = [m[tags.ExecID] for m in seller_msgs + buyer_msgs]
    assert len(set(exec_ids)) == len(exec_ids)
    assert_consistent(seller_msgs)


def test_ioc_remainder_is_canceled_with_leaves_zero(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(seller, SELL, "0.1", "60000")

    buy = buyer.new_order("BTC-USD", BUY, "0.3", "60000", tif=IOC)

    reports = buyer.until_done(buy)
    assert [r[tags.ExecType] for r in reports] == ["F", "4"]
    end = reports[-1]
    assert (end[tags.OrdStatus], end[tags.CumQty], end[tags.LeavesQty], end[tags.AvgPx]) == (
        "4", "0.1", "0", "60000")
    assert_consistent(reports)


def test_fok_one_lot_short_is_canceled_not_rejected_and_book_unchanged(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    sell = rest(seller, SELL, "0.1", "60000")

    buy = buyer.new_order("BTC-USD", BUY, "0.1001", "60000", tif=FOK)

    reports = buyer.until_done(buy)
    assert [r[tags.ExecType] for r in reports] == ["4"]
    assert (reports[-1][tags.OrdStatus], reports[-1][tags.CumQty],
            reports[-1][tags.LeavesQty]) == ("4", "0", "0")
    assert seller.sync() == []
    seller.status(sell, "BTC-USD", SELL)
    seller.expect(ExecType="I", OrdStatus="0", ClOrdID=sell, LeavesQty="0.1")


def test_fok_that_can_fill_fills_in_full(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(seller, SELL, "0.1", "60000")
    rest(seller, SELL, "0.1", "60001")

    buy = buyer.new_order("BTC-USD", BUY, "0.2", "60001", tif=FOK)

    reports = buyer.until_done(buy)
    assert [r[tags.ExecType] for r in reports] == ["F", "F"]
    assert reports[-1][tags.OrdStatus] == "2" and reports[-1][tags.AvgPx] == "60000.5"


def test_market_order_without_price_fills_and_remainder_is_canceled(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(seller, SELL, "0.1", "60000")
    rest(seller, SELL, "0.1", "60005")

    buy = buyer.new_order("BTC-USD", BUY, "0.3", None, ord_type=MARKET, tif=IOC)

    reports = buyer.until_done(buy)
    assert [r[tags.ExecType] for r in reports] == ["F", "F", "4"]
    assert [r.get(tags.LastPx) for r in reports[:2]] == ["60000", "60005"]
    end = reports[-1]
    assert (end[tags.OrdStatus], end[tags.CumQty], end[tags.LeavesQty], end[tags.AvgPx]) == (
        "4", "0.2", "0", "60002.5")
    assert tags.Price not in end
    assert_consistent(reports)


def test_market_order_into_empty_book_is_canceled(gateway, connect):
    client = connect(gateway)

    cl = client.new_order("BTC-USD", SELL, "0.3", None, ord_type=MARKET, tif=IOC)

    (end,) = client.until_done(cl)
    assert (end[tags.ExecType], end[tags.OrdStatus], end[tags.CumQty], end[tags.LeavesQty]) \
        == ("4", "4", "0", "0")


def test_post_only_order_that_does_not_cross_rests(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(seller, SELL, "0.1", "60000")

    buy = buyer.new_order("BTC-USD", BUY, "0.1", "59999", ExecInst="6")

    buyer.expect(ExecType="0", OrdStatus="0", ClOrdID=buy, LeavesQty="0.1", ExecInst="6")


def test_reports_restate_the_orders_display_quantity_and_instructions(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    iceberg = seller.new_order("BTC-USD", SELL, "1", "60000", MaxFloor="0.2", ExecInst="6")
    seller.expect(ExecType="0", ClOrdID=iceberg, MaxFloor="0.2", ExecInst="6")

    buyer.until_done(buyer.new_order("BTC-USD", BUY, "0.1", "60000", tif="3"))
    fill = seller.expect(ExecType="F", ClOrdID=iceberg)
    replaced = seller.replace(iceberg, "BTC-USD", SELL, "0.8", "60000", MaxFloor="0.2",
                              ExecInst="6")
    restated = seller.expect(ExecType="5", ClOrdID=replaced)
    seller.status(replaced, "BTC-USD", SELL)
    status = seller.expect(ExecType="I", ClOrdID=replaced)
    plain = buyer.new_order("BTC-USD", BUY, "0.1", "59000")
    ack = buyer.expect(ExecType="0", ClOrdID=plain)

    for report in (fill, restated, status):
        assert (report[tags.MaxFloor], report[tags.ExecInst]) == ("0.2", "6"), report
    assert tags.MaxFloor not in ack and tags.ExecInst not in ack


def test_iceberg_trades_its_shown_slice_and_the_refreshed_slice_goes_behind(gateway, connect):
    seller, buyer = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    iceberg = rest(seller, SELL, "1", "60000", MaxFloor="0.2")
    plain = rest(seller, SELL, "0.5", "60000")

    buy = buyer.new_order("BTC-USD", BUY, "0.3", "60000")

    first = seller.expect(ExecType="F", ClOrdID=iceberg, OrdStatus="1")
    second = seller.expect(ExecType="F", ClOrdID=plain, OrdStatus="1")
    assert (first[tags.LastQty], first[tags.LeavesQty]) == ("0.2", "0.8")
    assert (second[tags.LastQty], second[tags.LeavesQty]) == ("0.1", "0.4")
    reports = buyer.until_done(buy)
    assert [r[tags.LastQty] for r in reports] == ["0.2", "0.1"]


def test_gtd_order_expires_at_its_expire_time(start_gateway, connect):
    gateway = start_gateway(**{"matching.time_advance_ms": 100})
    client = connect(gateway)
    expire = datetime.now(timezone.utc) + timedelta(milliseconds=700)

    stamp = expire.strftime("%Y%m%d-%H:%M:%S.%f")[:-3]

    cl = client.new_order("BTC-USD", BUY, "0.1", "60000", tif=GTD, ExpireTime=stamp)

    # Every report of a GTD order restates its ExpireTime (conditionally required in 4.4)
    client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl, ExpireTime=stamp)
    expired = client.expect(ExecType="C", OrdStatus="C", ClOrdID=cl, timeout=5,
                            ExpireTime=stamp)
    assert expired[tags.LeavesQty] == "0" and expired[tags.CumQty] == "0"
    assert datetime.now(timezone.utc) >= expire


def test_stop_order_triggers_on_a_trade_at_its_stop_price_and_then_fills(gateway, connect):
    trader, seller = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(seller, SELL, "1", "60010")
    stop = trader.new_order("BTC-USD", BUY, "0.5", None, ord_type=STOP, StopPx="60010")
    trader.expect(ExecType="0", OrdStatus="0", ClOrdID=stop)

    limit = trader.new_order("BTC-USD", BUY, "0.1", "60010")

    trader.expect(ExecType="0", ClOrdID=limit)
    trader.expect(ExecType="F", ClOrdID=limit, OrdStatus="2")
    triggered = trader.expect(ExecType="D", ClOrdID=stop)
    assert triggered[tags.ExecRestatementReason] == "4"
    fill = trader.expect(ExecType="F", ClOrdID=stop, OrdStatus="2")
    assert (fill[tags.LastQty], fill[tags.LastPx], fill[tags.LeavesQty]) == (
        "0.5", "60010", "0")
    maker = [seller.expect(ExecType="F") for _ in range(2)]
    assert maker[-1][tags.CumQty] == "0.6" and maker[-1][tags.LeavesQty] == "0.4"


def test_stop_order_does_not_trigger_below_its_stop_price(gateway, connect):
    trader, seller = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    rest(seller, SELL, "1", "60000")
    stop = trader.new_order("BTC-USD", BUY, "0.5", None, ord_type=STOP, StopPx="60010")
    trader.expect(ExecType="0", ClOrdID=stop)

    limit = trader.new_order("BTC-USD", BUY, "0.1", "60000")

    trader.expect(ExecType="0", ClOrdID=limit)
    trader.expect(ExecType="F", ClOrdID=limit)
    assert trader.sync() == []
    trader.status(stop, "BTC-USD", BUY)
    trader.expect(ExecType="I", OrdStatus="0", ClOrdID=stop, CumQty="0")


def test_self_trade_prevention_acts_only_when_own_orders_would_match(gateway, connect):
    trader, other = connect(gateway, "CLIENT1"), connect(gateway, "CLIENT2")
    own_ask = rest(trader, SELL, "0.1", "60010")
    their_ask = rest(other, SELL, "0.1", "60000")

    # Crosses the other counterparty's ask only: it trades, and nothing is prevented.
    buy = trader.new_order("BTC-USD", BUY, "0.1", "60005")

    assert [(r[tags.ExecType], r[tags.LastPx]) for r in trader.until_done(buy)] == [
        ("F", "60000")]
    other.expect(ExecType="F", OrdStatus="2", ClOrdID=their_ask)
    trader.status(own_ask, "BTC-USD", SELL)
    trader.expect(ExecType="I", OrdStatus="0", ClOrdID=own_ask)


def test_self_trade_prevention_cancels_the_aggressor_that_would_trade_with_itself(
        gateway, connect):
    trader = connect(gateway, "CLIENT1")
    own_ask = rest(trader, SELL, "0.1", "60000")

    buy = trader.new_order("BTC-USD", BUY, "0.1", "60000")

    end = trader.until_done(buy)
    assert [(r[tags.ExecType], r[tags.OrdStatus], r[tags.CumQty]) for r in end] == [
        ("4", "4", "0")]
    trader.status(own_ask, "BTC-USD", SELL)
    trader.expect(ExecType="I", OrdStatus="0", ClOrdID=own_ask, LeavesQty="0.1")
