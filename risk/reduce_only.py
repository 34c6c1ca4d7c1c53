"""Reduce-only orders kept from flipping the position while they rest.

Risk passes a reduce-only order only if it would reduce the position even if every one of
the account's orders on its side in the instrument filled: position + open buys <= 0 for a
buy, position - open sells >= 0 for a sell (risk/checks.py). Fills keep that true: a fill
on the order's side moves the position by as much as it takes from the open quantity, and
a fill on the other side moves the position away from zero. What can break it is a later
order on the same side that is not reduce-only, or a replace that adds to one.

Such an order, once risk has passed it, carries `Trim`s: before it enters the book, the
matching engine cuts the account's reduce-only orders on that side back, newest first, by
as much as it would add beyond the position. A cut order keeps its queue priority; one cut
to nothing is cancelled. So no fill, not even one of a sweep that triggers stops, takes a
reduce-only order past a flat position. The cut happens when the order that causes it
enters, not when it fills: the same worst case the reduce-only check itself assumes. (The
engine leaves the cuts out for an order that ends on entry without a fill, such as a FOK
that could not fill: it never adds to the side.)

Risk keeps which orders are reduce-only here, per (account, symbol), in the order they were
entered; orders that have ended since are dropped when next looked at.
"""

from __future__ import annotations

from typing import Protocol

from matching.commands import Trim
from matching.model import Instrument, Order, Side
from risk.exposure import Leg

_BUY = Side.BUY


class Orders(Protocol):
    """Where the orders are looked up; the MatchingEngine satisfies it."""

    def order(self, order_id: int) -> Order | None: ...


class ReduceOnlyOrders:
    """The live reduce-only orders of each (account, symbol), and the trims they need."""

    def __init__(self) -> None:
        # (account, symbol) -> order ids, oldest first. Read directly by the risk engine
        # (compiled: a C test of one field) to skip all of this while there is none.
        self.ids: dict[tuple[str, str], list[int]] = {}

    def track(self, account: str, symbol: str, order_id: int) -> None:
        """Order `order_id`, just entered and live, is reduce-only."""
        self.ids.setdefault((account, symbol), []).append(order_id)

    def trims(self, account: str, symbol: str, is_buy: bool, adds: int, leg: Leg,
              inst: Instrument, orders: Orders) -> tuple[Trim, ...]:
        """The cuts that keep the account's reduce-only orders on this side reducing once a
        non-reduce-only order adds `adds` lots (may be negative) to the side's open
        quantity: () when none is needed."""
        key = (account, symbol)
        ids = self.ids.get(key)
        if ids is None:
            return ()
        live = [o for o in map(orders.order, ids) if o is not None and o.is_live]
        if not live:
            del self.ids[key]
            return ()
        if len(live) < len(ids):
            self.ids[key] = [o.order_id for o in live]
        position = leg.position
        if is_buy:
            beyond = position + leg.open_buy + adds
        else:
            beyond = leg.open_sell + adds - position
        side, base = ("buy" if is_buy else "sell"), leg.units.base
        trims: list[Trim] = []
        for order in reversed(live):  # newest first
            if beyond <= 0:
                break
            if (order.side is _BUY) is not is_buy:
                continue
            leaves = order.leaves_qty
            cut = min(leaves, beyond)
            beyond -= cut
            trims.append(Trim(order.order_id, leaves - cut, (
                f"reduce-only: leaves cut from {inst.qty_text(leaves)} to "
                f"{inst.qty_text(leaves - cut)} {base}, so that the account's {side}s "
                f"cannot flip position {_signed(inst, position)} {base}")))
        return tuple(trims)


def _signed(inst: Instrument, lots: int) -> str:
    return ("-" if lots < 0 else "") + inst.qty_text(abs(lots))
