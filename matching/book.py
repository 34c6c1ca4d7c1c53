"""The order book of one instrument: price levels in price-time order, and its pending stops.

A data structure with invariants, not rules: it knows where orders rest and how much is at
each price, but who may trade with whom is decided in `engine.py`.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

from sortedcontainers import SortedList

from matching.model import Instrument, Order, Side

_BUY = Side.BUY  # a module global: `Side.BUY` is a slow lookup in CPython 3.11 (see engine.py)


class PriceLevel:
    """Orders at one price. The dict's insertion order is the time priority.

    Each order is filed under itself: an object hashes and compares by identity, so taking
    an order out (a fill, a cancel) reads no key object of its own, which for an order
    entered long ago would be one more cache miss."""

    __slots__ = ("price", "orders", "total", "hidden")

    def __init__(self, price: int) -> None:
        self.price = price
        self.orders: dict[Order, Order] = {}
        self.total = 0  # sum of leaves, displayed or not: what an aggressor can take
        self.hidden = 0  # iceberg reserve not on display

    @property
    def displayed(self) -> int:
        return self.total - self.hidden


class BookSide:
    """One side of a book: levels by price, a sorted key list with the best last, the best
    cached.

    Keys are the price for bids and the negated price for asks, so that `keys[-1]` is the
    best price on both sides and one code path serves both. A plain list kept sorted with
    `bisect` (in C) rather than a SortedList (in Python): activity is at the top of the book,
    which is the list's end, where inserting or removing moves few or no entries.
    """

    __slots__ = ("side", "sign", "levels", "keys", "best", "_spare")

    def __init__(self, side: Side) -> None:
        self.side = side
        self.sign = 1 if side is _BUY else -1
        self.levels: dict[int, PriceLevel] = {}
        self.keys: list[int] = []  # sign * price, ascending: worst first, best last
        self.best: PriceLevel | None = None
        self._spare: list[PriceLevel] = []  # emptied levels kept for reuse: no churn on the hot path

    def add(self, order: Order) -> None:
        """Append `order` at the back of its price level (it loses any earlier priority)."""
        price = order.price
        level = self.levels.get(price)
        if level is None:
            level = self._open_level(price)
        # The same value as the level's own integer object: resting orders at one price
        # share it, so the events of a sweep copy a reference already in cache rather than
        # each maker's own (a cache miss per maker, and a sweep is one maker after another).
        order.price = level.price
        level.orders[order] = order
        leaves = order.qty - order.cum_qty
        level.total += leaves
        if order.display_qty is not None:
            level.hidden += leaves - order.visible

    def remove(self, order: Order) -> None:
        level = self.levels[order.price]
        orders = level.orders
        del orders[order]  # detach(level, order), inlined: a cancel's hot path
        leaves = order.qty - order.cum_qty
        level.total -= leaves
        if order.display_qty is not None:
            level.hidden -= leaves - order.visible
        if not orders:
            self.close_level(level)

    def detach(self, level: PriceLevel, order: Order) -> None:
        """Take `order` out of `level`, leaving the level open even if emptied (the
        matching loop closes it once it moves on)."""
        del level.orders[order]
        leaves = order.qty - order.cum_qty
        level.total -= leaves
        if order.display_qty is not None:
            level.hidden -= leaves - order.visible

    def reduce(self, order: Order, new_qty: int) -> None:
        """Lower a resting order's quantity in place; it keeps its queue priority."""
        level = self.levels[order.price]
        cut = order.qty - new_qty
        order.qty = new_qty
        level.total -= cut
        if order.display_qty is not None:
            leaves = new_qty - order.cum_qty
            hidden_before = leaves + cut - order.visible
            order.visible = min(order.visible, leaves)
            level.hidden += (leaves - order.visible) - hidden_before

    def _open_level(self, price: int) -> PriceLevel:
        if self._spare:
            level = self._spare.pop()
            level.price = price
        else:
            level = PriceLevel(price)
        self.levels[price] = level
        key = self.sign * price
        insort(self.keys, key)
        best = self.best
        if best is None or key > self.sign * best.price:
            self.best = level
        return level

    def close_level(self, level: PriceLevel) -> None:
        """Drop an emptied level; the caller guarantees it holds no order."""
        price = level.price
        del self.levels[price]
        keys = self.keys
        key = self.sign * price
        if keys[-1] == key:
            keys.pop()  # the best level: the common case
        else:
            del keys[bisect_left(keys, key)]
        level.total = level.hidden = 0
        self._spare.append(level)
        if self.best is level:
            self.best = self.levels[self.sign * keys[-1]] if keys else None

    def crosses(self, price: int | None, taker_side: Side) -> bool:
        """Would an order of `taker_side` at `price` (None: any price) meet this side?"""
        best = self.best
        if best is None:
            return False
        if price is None:
            return True
        if taker_side is _BUY:
            return best.price <= price
        return best.price >= price

    def iter_levels(self) -> Iterator[PriceLevel]:
        """Levels best-first."""
        levels, sign = self.levels, self.sign
        for key in reversed(self.keys):
            yield levels[sign * key]

    def orders(self) -> Iterator[Order]:
        for level in self.iter_levels():
            yield from level.orders.values()


class StopBook:
    """Stop orders waiting for the last trade price to reach them, in trigger order."""

    __slots__ = ("buys", "sells", "count")

    def __init__(self) -> None:
        # Buy stops trigger when last >= stop: lowest stop first. Sell stops when
        # last <= stop: highest first. Ties by time priority, then order id.
        self.buys: SortedList = SortedList()
        self.sells: SortedList = SortedList()
        # Pending stops, kept here: a trade asks whether there are any, and a SortedList's
        # length is a Python-level call even from compiled code.
        self.count = 0

    def add(self, order: Order) -> None:
        (self.buys if order.side is _BUY else self.sells).add(_stop_key(order))
        self.count += 1

    def remove(self, order: Order) -> None:
        (self.buys if order.side is _BUY else self.sells).remove(_stop_key(order))
        self.count -= 1

    def pop_triggered(self, low_px: int, high_px: int) -> int | None:
        """The order id of the next stop that trades printed from `low_px` to `high_px`
        trigger (buys at or below the high, sells at or above the low), removed; else None."""
        if self.buys and self.buys[0][0] <= high_px:
            self.count -= 1
            return self.buys.pop(0)[2]
        if self.sells and -self.sells[0][0] >= low_px:
            self.count -= 1
            return self.sells.pop(0)[2]
        return None

    def __len__(self) -> int:
        return self.count

    def order_ids(self) -> Iterator[int]:
        for key in self.buys:
            yield key[2]
        for key in self.sells:
            yield key[2]


def _stop_key(order: Order) -> tuple[int, int, int]:
    """Where a pending stop sorts in its StopBook list."""
    stop = order.stop_price
    assert stop is not None
    sign = 1 if order.side is _BUY else -1
    return (sign * stop, order.priority, order.order_id)


class OrderBook:
    """Both sides and the stops of one instrument, plus its last trade price."""

    __slots__ = ("instrument", "bids", "asks", "stops", "last_px")

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.bids = BookSide(_BUY)
        self.asks = BookSide(Side.SELL)
        self.stops = StopBook()
        self.last_px: int | None = None

    def side(self, side: Side) -> BookSide:
        return self.bids if side is _BUY else self.asks

    def opposite(self, side: Side) -> BookSide:
        return self.asks if side is _BUY else self.bids

    def check_invariants(self) -> None:
        """Raise AssertionError if the structure is inconsistent. For tests; O(book)."""
        for side in (self.bids, self.asks):
            assert list(side.keys) == sorted(side.sign * p for p in side.levels), "keys out of sync"
            expect_best = side.levels[side.sign * side.keys[-1]] if side.keys else None
            assert side.best is expect_best, "cached best is stale"
            for price, level in side.levels.items():
                assert level.price == price, "level filed under the wrong price"
                assert level.orders, f"empty level at {price}"
                total = hidden = 0
                for order in level.orders.values():
                    assert order.is_live and order.triggered, f"dead order {order.order_id} rests"
                    assert order.price == price and order.side is side.side
                    leaves = order.qty - order.cum_qty
                    assert leaves > 0, f"order {order.order_id} rests with no leaves"
                    total += leaves
                    if order.display_qty is not None:
                        assert 0 < order.visible <= min(order.display_qty, leaves)
                        hidden += leaves - order.visible
                assert level.total == total, f"cached total wrong at {price}"
                assert level.hidden == hidden, f"cached hidden wrong at {price}"
        if self.bids.best is not None and self.asks.best is not None:
            assert self.bids.best.price < self.asks.best.price, "book is crossed"
        stops = self.stops
        assert stops.count == len(stops.buys) + len(stops.sells), "stop count out of sync"
