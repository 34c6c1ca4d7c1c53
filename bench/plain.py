"""The "plain design" baseline: a straightforward price-time book the core is measured against.

Per symbol and side a `SortedDict` of price -> `deque` of resting orders, plus one dict
oid -> order. It implements the workload's reference semantics (L, I, M, F, P, C, R) on
workload rows directly and emits only what the checksum needs: (maker, taker, px, qty)
per trade. It is neither tuned nor handicapped, and has none of the core's features
(no events, no STP, no validation, no ClOrdIDs).
"""

from __future__ import annotations

from collections import deque

from sortedcontainers import SortedDict

from bench.workload_io import Fill, Row


class PlainOrder:
    __slots__ = ("oid", "sym", "is_buy", "price", "leaves")

    def __init__(self, oid: int, sym: int, is_buy: bool, price: int, leaves: int) -> None:
        self.oid = oid
        self.sym = sym
        self.is_buy = is_buy
        self.price = price
        self.leaves = leaves


class PlainBook:
    """One symbol: bids and asks as price -> FIFO of orders. Best bid is the last key."""

    __slots__ = ("bids", "asks")

    def __init__(self) -> None:
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()


class PlainEngine:
    def __init__(self, n_symbols: int) -> None:
        self.books = [PlainBook() for _ in range(n_symbols)]
        self.orders: dict[int, PlainOrder] = {}

    def handle(self, row: Row) -> list[Fill]:
        op, sym, oid, is_buy, price, qty, _ = row
        fills: list[Fill] = []
        if op == "L":
            rem = self._match(sym, oid, is_buy, price, qty, fills)
            if rem:
                self._rest(PlainOrder(oid, sym, is_buy, price, rem))
        elif op == "I" or op == "M":
            self._match(sym, oid, is_buy, price, qty, fills)
        elif op == "C":
            self._unrest(self.orders.pop(oid))
        elif op == "R":
            order = self.orders[oid]
            if price == order.price and qty < order.leaves:
                order.leaves = qty  # keeps its place in the queue
            else:
                self._unrest(self.orders.pop(oid))
                rem = self._match(sym, oid, is_buy, price, qty, fills)
                if rem:
                    self._rest(PlainOrder(oid, sym, is_buy, price, rem))
        elif op == "F":
            if self._available(sym, is_buy, price, qty):
                self._match(sym, oid, is_buy, price, qty, fills)
        elif op == "P":
            if not self._crosses(sym, is_buy, price):
                self._rest(PlainOrder(oid, sym, is_buy, price, qty))
        else:
            raise ValueError(f"unknown op {op!r}")
        return fills

    def _rest(self, order: PlainOrder) -> None:
        book = self.books[order.sym]
        levels = book.bids if order.is_buy else book.asks
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = deque()
        level.append(order)
        self.orders[order.oid] = order

    def _unrest(self, order: PlainOrder) -> None:
        book = self.books[order.sym]
        levels = book.bids if order.is_buy else book.asks
        level = levels[order.price]
        level.remove(order)
        if not level:
            del levels[order.price]

    def _crosses(self, sym: int, is_buy: bool, price: int) -> bool:
        book = self.books[sym]
        if is_buy:
            return bool(book.asks) and book.asks.peekitem(0)[0] <= price
        return bool(book.bids) and book.bids.peekitem(-1)[0] >= price

    def _available(self, sym: int, is_buy: bool, price: int, need: int) -> bool:
        book = self.books[sym]
        if is_buy:
            prices = book.asks.irange(maximum=price)
            levels = book.asks
        else:
            prices = book.bids.irange(minimum=price, reverse=True)
            levels = book.bids
        got = 0
        for px in prices:
            for order in levels[px]:
                got += order.leaves
                if got >= need:
                    return True
        return False

    def _match(self, sym: int, oid: int, is_buy: bool, price: int, qty: int,
               fills: list[Fill]) -> int:
        """Trade the aggressor against the opposite side; returns its unfilled quantity."""
        book = self.books[sym]
        levels = book.asks if is_buy else book.bids
        best = 0 if is_buy else -1
        orders = self.orders
        while qty and levels:
            px, level = levels.peekitem(best)
            if (px > price) if is_buy else (px < price):
                break
            while qty and level:
                maker = level[0]
                q = maker.leaves if maker.leaves < qty else qty
                fills.append(Fill(maker.oid, oid, px, q))
                qty -= q
                maker.leaves -= q
                if maker.leaves == 0:
                    level.popleft()
                    del orders[maker.oid]
            if not level:
                del levels[px]
        return qty

    def snapshot(self) -> list[tuple[int, bool, int, int, int]]:
        """Every resting order as (sym, is_buy, price, oid, leaves), in book and queue order."""
        out = []
        for sym, book in enumerate(self.books):
            for is_buy, levels in ((True, book.bids), (False, book.asks)):
                for price, level in levels.items():
                    out.extend((sym, is_buy, price, o.oid, o.leaves) for o in level)
        return out
