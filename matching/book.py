"""The order book of one instrument: price levels in price-time order, and its pending stops.

A data structure with invariants, not rules: it knows where orders rest and how much is at
each price, but who may trade with whom is decided in `engine.py`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import pairwise

import cython
from sortedcontainers import SortedList

from matching.model import Instrument, Order, Side

_FIRST_LEVELS = 64  # keys a side has room for before its array first grows
_NEAR_TOP = 4  # levels a search compares one by one from the best before halving the rest
_BUY = Side.BUY  # a module global: `Side.BUY` is a slow lookup in CPython 3.11 (see engine.py)


class PriceLevel:
    """Orders at one price, in time priority: a queue linked through the orders themselves
    (`Order.ahead`, `Order.behind`), so that joining it, leaving it and reaching its front
    touch only the orders concerned. (A dict per level keeps the entries of the orders that
    left its front until it is rebuilt, and finding its first order steps over each.)"""

    __slots__ = ("price", "head", "tail", "count", "total", "hidden")

    def __init__(self, price: int) -> None:
        self.price = price
        self.head: Order | None = None  # first in time priority
        self.tail: Order | None = None
        self.count = 0  # orders in the queue
        self.total = 0  # sum of leaves, displayed or not: what an aggressor can take
        self.hidden = 0  # iceberg reserve not on display

    @property
    def displayed(self) -> int:
        return self.total - self.hidden

    def append(self, order: Order) -> None:
        """Put `order` at the back of the queue."""
        tail = self.tail
        order.ahead = tail
        order.behind = None
        if tail is None:
            self.head = order
        else:
            tail.behind = order
        self.tail = order
        self.count += 1

    def unlink(self, order: Order) -> None:
        """Take `order`, which is in the queue, out of it."""
        ahead, behind = order.ahead, order.behind
        if ahead is None:
            self.head = behind
        else:
            ahead.behind = behind
        if behind is None:
            self.tail = ahead
        else:
            behind.ahead = ahead
        order.ahead = order.behind = None
        self.count -= 1

    def queue(self) -> list[Order]:
        """The orders in time priority."""
        out: list[Order] = []
        order = self.head
        while order is not None:
            out.append(order)
            order = order.behind
        return out

    def __reduce__(self) -> tuple[object, tuple[int, int, int, list[Order]]]:
        # The queue as a list: a chain of links would pickle as a recursion as deep as the
        # queue is long (Order.__reduce__ leaves its links out).
        return _restored_level, (self.price, self.total, self.hidden, self.queue())

    def __dealloc__(self) -> None:
        # Compiled only (Python's collector frees the cycles itself): an order and the one
        # behind it refer to each other, and orders are not tracked by the cycle collector
        # (model.py), so a level that goes with orders in it unlinks them.
        order = self.head
        while order is not None:
            behind = order.behind
            order.ahead = order.behind = None
            order = behind


def _restored_level(price: int, total: int, hidden: int, orders: list[Order]) -> PriceLevel:
    level = PriceLevel(price)
    for order in orders:
        level.append(order)
    level.total = total
    level.hidden = hidden
    return level


class BookSide:
    """One side of a book: its levels in price order, best last, with their keys in an array
    of 64-bit integers beside them, and the best level cached.

    A level's key is its price for bids and the negated price for asks, so that the last key
    is the best price on both sides and one code path serves both. Finding a price's level
    searches the keys, the few best first: activity is at the top of the book, which is the
    array's end, where a search ends at once and opening or closing a level moves few or no
    keys. (A dict of levels by price, as well as a sorted list, cost a hash and a comparison
    of integer objects for every order that joins a level: compiled, the key search is a
    few machine instructions.)
    """

    __slots__ = ("side", "sign", "keys", "ladder", "best", "_spare")

    def __init__(self, side: Side) -> None:
        self.side = side
        self.sign = 1 if side is _BUY else -1
        # sign * price of each level, ascending: the first len(self.ladder) items are set
        self.keys: array = array("q", bytes(8 * _FIRST_LEVELS))
        self.ladder: list[PriceLevel] = []  # the level of each key, in the same order
        self.best: PriceLevel | None = None
        self._spare: list[PriceLevel] = []  # emptied levels kept for reuse: no churn on the hot path

    def add(self, order: Order) -> None:
        """Append `order` at the back of its price level (it loses any earlier priority)."""
        px = order.price
        at = self._find(self.sign * px)
        if at >= 0:
            level = self.ladder[at]
        else:
            level = self._open_level(order.price, -1 - at)
        # The same value as the level's own integer object: resting orders at one price
        # share it, so the events of a sweep copy a reference already in cache rather than
        # each maker's own (a cache miss per maker, and a sweep is one maker after another).
        order.price = level.price
        level.append(order)
        leaves = order.qty - order.cum_qty
        level.total += leaves
        if order.display_qty is not None:
            level.hidden += leaves - order.visible

    def remove(self, order: Order) -> None:
        level = self._level_of(order)
        # detach(level, order), inlined: a cancel's hot path (the call costs about 1% of the
        # core's instructions per command)
        level.unlink(order)
        leaves = order.qty - order.cum_qty
        level.total -= leaves
        if order.display_qty is not None:
            level.hidden -= leaves - order.visible
        if level.head is None:
            self.close_level(level)

    def detach(self, level: PriceLevel, order: Order) -> None:
        """Take `order` out of `level`, leaving the level open even if emptied (the
        matching loop closes it once it moves on)."""
        level.unlink(order)
        leaves = order.qty - order.cum_qty
        level.total -= leaves
        if order.display_qty is not None:
            level.hidden -= leaves - order.visible

    def reduce(self, order: Order, new_qty: int) -> None:
        """Lower a resting order's quantity in place; it keeps its queue priority."""
        level = self._level_of(order)
        cut = order.qty - new_qty
        order.qty = new_qty
        level.total -= cut
        if order.display_qty is not None:
            leaves = new_qty - order.cum_qty
            hidden_before = leaves + cut - order.visible
            order.visible = min(order.visible, leaves)
            level.hidden += (leaves - order.visible) - hidden_before

    def _level_of(self, order: Order) -> PriceLevel:
        """The level `order` rests at, on this side."""
        px = order.price
        at = self._find(self.sign * px)
        if at < 0:
            raise LookupError(f"order {order.order_id} does not rest at {px} on this side")
        return self.ladder[at]

    @cython.boundscheck(False)  # every index below is within the keys in use
    @cython.wraparound(False)
    def _find(self, key: int) -> int:
        """The index of `key` among the keys, or -1 - the index it would be inserted at."""
        n = len(self.ladder)
        lo = n - _NEAR_TOP if n > _NEAR_TOP else 0
        i = n - 1
        while i >= lo:  # the few best levels, one by one
            k = self.keys[i]
            if k <= key:
                return i if k == key else -2 - i
            i -= 1
        hi = lo  # every key from lo on is above `key`: halve the rest
        lo = 0
        while lo < hi:
            mid = (lo + hi) >> 1
            if self.keys[mid] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < n and self.keys[lo] == key else -1 - lo

    def _open_level(self, price: int, at: int) -> PriceLevel:
        """A new level at `price`, whose key goes at index `at`."""
        if self._spare:
            level = self._spare.pop()
            level.price = price
        else:
            level = PriceLevel(price)
        self._file_level(level, at)
        return level

    def _file_level(self, level: PriceLevel, at: int) -> None:
        """Put `level` at index `at`, moving the keys and levels above it up one."""
        n = len(self.ladder)
        if n == len(self.keys):
            keys = array("q", bytes(16 * n))
            keys[:n] = self.keys[:n]
            self.keys = keys
        for j in range(n, at, -1):
            self.keys[j] = self.keys[j - 1]
        self.keys[at] = self.sign * level.price
        self.ladder.insert(at, level)
        if at == n:
            self.best = level

    def close_level(self, level: PriceLevel) -> None:
        """Drop an emptied level; the caller guarantees it holds no order."""
        ladder = self.ladder
        n = len(ladder)
        if ladder[n - 1] is level:
            at = n - 1  # the best level: the common case
        else:
            px = level.price
            at = self._find(self.sign * px)
        for j in range(at, n - 1):
            self.keys[j] = self.keys[j + 1]
        del ladder[at]
        level.total = level.hidden = 0
        self._spare.append(level)
        if self.best is level:
            self.best = ladder[n - 2] if n > 1 else None

    def key_list(self) -> list[int]:
        """The keys in use, ascending (for invariant checks)."""
        return [self.keys[i] for i in range(len(self.ladder))]

    def __reduce__(self) -> tuple[object, tuple[Side, list[PriceLevel]]]:
        # The levels, worst first: the keys are set again from their prices.
        return _restored_side, (self.side, self.ladder)

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
        yield from reversed(self.ladder)

    def orders(self) -> Iterator[Order]:
        for level in self.iter_levels():
            yield from level.queue()


def _restored_side(side: Side, ladder: list[PriceLevel]) -> BookSide:
    restored = BookSide(side)
    for at, level in enumerate(ladder):
        restored._file_level(level, at)
    return restored


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
            keys = side.key_list()
            assert keys == sorted(set(keys)), "keys out of order"
            assert keys == [side.sign * level.price for level in side.ladder], "keys out of sync"
            assert side.best is (side.ladder[-1] if side.ladder else None), "cached best is stale"
            for level in side.ladder:
                price = level.price
                queue = level.queue()
                assert queue, f"empty level at {price}"
                assert level.count == len(queue), f"order count wrong at {price}"
                assert level.tail is queue[-1], f"tail is not the last order at {price}"
                assert all(b.ahead is a for a, b in pairwise(queue)), (
                    f"queue links disagree at {price}")
                total = hidden = 0
                for order in queue:
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
