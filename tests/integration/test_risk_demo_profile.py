"""The unmodified demo profile (config/gateway.yaml) leaves ordinary trading free and stops fat
fingers: 10 BTC / 200 ETH orders within 5% of the reference pass, 1,000 orders in a second
and 2,000 open orders per account pass; 1,000,000 BTC or ten times the reference is denied."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from fixspec import tags
from tests.integration.risk_orders import BUY, SELL

pytestmark = pytest.mark.timeout(90)

EXCEEDS_LIMIT = "3"
REFERENCE = {"BTC-USD": Decimal("60000"), "ETH-USD": Decimal("3000")}  # as in the demo


def at(symbol: str, percent: str) -> str:
    """The configured reference moved by `percent`, on the instruments' 0.01 tick."""
    return str((REFERENCE[symbol] * (1 + Decimal(percent) / 100)).quantize(Decimal("0.01")))


def ack_all(client, sent, timeout=20.0):
    """Every answer to `sent`; they must all be New (none throttled or denied)."""
    pending, answers = set(sent), []
    deadline = time.monotonic() + timeout
    while pending:
        msg = client.next(max(0.1, deadline - time.monotonic()))
        answers.append(msg)
        pending.discard(msg.get(tags.ClOrdID))
    rejected = [m for m in answers if m.get(tags.ExecType) != "0"]
    assert rejected == [], rejected[:3]
    return answers


@pytest.mark.parametrize(("symbol", "qty"), [("BTC-USD", "10"), ("ETH-USD", "200")])
def test_ordinary_size_within_4_9_percent_of_the_reference_passes_on_both_sides(
        gateway, connect, symbol, qty):
    client = connect(gateway)
    orders = [(side, at(symbol, pct)) for side in (BUY, SELL) for pct in ("-4.9", "4.9")]

    for side, price in orders:  # one at a time: the book stays empty, the reference configured
        cl = client.new_order(symbol, side, qty, price)
        ack = client.expect(ClOrdID=cl)
        client.cancel(cl, symbol, side)
        client.expect(ExecType="4", OrigClOrdID=cl)

        assert (ack[tags.ExecType], ack[tags.OrdStatus]) == ("0", "0"), ack
        assert Decimal(ack[tags.OrderQty]) == Decimal(qty), ack
        assert Decimal(ack[tags.Price]) == Decimal(price), ack


@pytest.mark.parametrize(
    ("symbol", "qty", "price", "named"),
    [
        pytest.param("BTC-USD", "1000000", "60000",
                     ("quantity 1000000 BTC", "max order quantity 25 BTC for BTC-USD"),
                     id="1000000-btc"),
        pytest.param("BTC-USD", "0.1", "600000",
                     ("price 600000 USD", "collar 54000..66000 USD"), id="btc-10x-price"),
        pytest.param("ETH-USD", "1", "30000",
                     ("price 30000 USD", "collar 2700..3300 USD"), id="eth-10x-price"),
    ],
)
def test_fat_finger_order_is_denied_as_exceeding_limit(gateway, connect, symbol, qty, price,
                                                       named):
    client = connect(gateway)

    cl = client.new_order(symbol, BUY, qty, price)

    er = client.expect(ClOrdID=cl, ExecType="8", OrdStatus="8")
    assert er[tags.OrdRejReason] == EXCEEDS_LIMIT, er
    for value in named:
        assert value in er[tags.Text], er


def _burst(client, n, first_price="55000"):
    """n small resting buys at distinct prices inside the collar, sent back to back."""
    base = Decimal(first_price)
    return [client.new_order("BTC-USD", BUY, "0.0001", str(base + Decimal(i) / 100))
            for i in range(n)]


def test_a_thousand_orders_sent_back_to_back_are_all_acknowledged(gateway, connect):
    client = connect(gateway)

    sent = _burst(client, 1000)  # well under a second here; no timed assert (house rule)

    assert len(ack_all(client, sent)) == 1000


def test_two_thousand_open_orders_of_one_account_all_rest(gateway, connect):
    client = connect(gateway)

    sent = _burst(client, 2000)

    answers = ack_all(client, sent)
    assert len(answers) == 2000
    assert {a[tags.OrdStatus] for a in answers} == {"0"}
    assert gateway.call(lambda: gateway.state.risk.leg("CLIENT1", "BTC-USD")
                        .account.open_orders) == 2000
