"""Small steps the risk integration tests share: accepted, denied, holding a position."""

from __future__ import annotations

from fixspec import tags

BUY, SELL = "1", "2"


def assert_denied(er, cl, code, *named):
    """A reject of `cl` with OrdRejReason `code`; the Text names each of `named`."""
    assert (er[tags.MsgType], er[tags.ExecType], er[tags.OrdStatus]) == ("8", "8", "8"), er
    assert er[tags.ClOrdID] == cl and er[tags.OrdRejReason] == code, er
    assert er[tags.LeavesQty] == "0" and er[tags.CumQty] == "0", er
    for value in named:
        assert value in er[tags.Text], er


def accepted(client, cl):
    return client.expect(ExecType="0", OrdStatus="0", ClOrdID=cl)


def hold_long(buyer, seller, qty="1", price="60000", symbol="BTC-USD"):
    """The buyer ends with a position of `qty` (the seller short `qty`); last trade `price`."""
    accepted(seller, seller.new_order(symbol, SELL, qty, price))
    cl = buyer.new_order(symbol, BUY, qty, price)
    assert buyer.until_done(cl)[-1][tags.OrdStatus] == "2"
    seller.expect(ExecType="F", OrdStatus="2")
