"""What exposure recorded for each live order: order id -> leg, side, leaves and price.

Exposure looks up the order behind every event it follows: the aggressor's, and each maker a
sweep fills. A dict of the day's live orders cost three cache misses per lookup (its index,
its entry, the record the entry points to) and two more for the record's integer objects.
Here one lookup touches one 32-byte cell in an open-addressing table: the order id, its
leaves, its price and its leg are stored side by side as 64-bit integers.

Linear probing on a multiplicative hash of the order id (ids come in sequence, and an
identity hash would lay them out in one long run that a colliding id must probe through);
never more than half full, doubled when it would be; a removal shifts the cells behind it
back, so no tombstones build up. Values must fit in a signed 64-bit integer, which the
caller checks (risk/exposure.py keeps the rare order that does not fit elsewhere). Slots
follow the order ids only; a pickle keeps the orders, and restoring files them again.
"""

from __future__ import annotations

from array import array

import cython

_FIRST_BITS = 10
_FIRST_CAPACITY = 1 << _FIRST_BITS  # cells
_STRIDE = 4  # int64s per cell: order id (0: empty), leaves, price, leg number * 2 + is_buy
_MIX = 0x9E3779B97F4A7C15  # odd: 2^64 / golden ratio
_BITS64 = 0xFFFFFFFFFFFFFFFF
MAX64 = (1 << 63) - 1


@cython.boundscheck(False)  # every index is a cell below the capacity (a cell number
@cython.wraparound(False)  # from outside is masked to it), so within the array
class OpenOrders:
    """Order id (> 0) -> (leg number, is_buy, leaves, price), in 64-bit integers (leaves
    and price not negative).

    `find` gives a cell number, or -1 if the id has no cell; the cell's fields are read
    through it until the next `add` or `remove`, which may move cells. A cell number is
    taken modulo the capacity: one that `find` did not give reads or writes some cell,
    never memory beyond them."""

    def __init__(self) -> None:
        self._cells: array = array("q", bytes(8 * _STRIDE * _FIRST_CAPACITY))
        self._shift = 64 - _FIRST_BITS  # a home is the hash's top log2(capacity) bits
        self._mask = _FIRST_CAPACITY - 1
        self._count = 0

    def find(self, order_id: int) -> int:
        mask = self._mask
        i = _home(order_id, self._shift)
        while True:
            key = self._cells[_STRIDE * i]
            if key == order_id:
                return i
            if key == 0:
                return -1
            i = (i + 1) & mask

    def prefetch(self, order_id: int) -> None:
        """Start loading the id's home cell, so that a `find` or `add` of it after other
        work finds it in cache (compiled only; in Python, nothing)."""
        if cython.compiled:
            i = _home(order_id, self._shift)
            prefetch_address(cython.address(self._cells[_STRIDE * i]))  # noqa: F821

    def leaves(self, cell: int) -> int:
        return self._cells[_STRIDE * (cell & self._mask) + 1]

    def price(self, cell: int) -> int:
        return self._cells[_STRIDE * (cell & self._mask) + 2]

    def leg_number(self, cell: int) -> int:
        return self._cells[_STRIDE * (cell & self._mask) + 3] >> 1

    def is_buy(self, cell: int) -> bool:
        return self._cells[_STRIDE * (cell & self._mask) + 3] & 1 == 1

    def set(self, cell: int, leaves: int, price: int) -> None:
        base = _STRIDE * (cell & self._mask)
        self._cells[base + 1] = leaves
        self._cells[base + 2] = price

    def add(self, order_id: int, leg: int, is_buy: bool, leaves: int, price: int) -> None:
        """File a new order id (not filed yet)."""
        if 2 * (self._count + 1) > self._mask + 1:
            self._grow()
        mask = self._mask
        i = _home(order_id, self._shift)
        while self._cells[_STRIDE * i] != 0:
            i = (i + 1) & mask
        self._put(i, order_id, leaves, price, 2 * leg + (1 if is_buy else 0))
        self._count += 1

    def remove(self, cell: int) -> None:
        """Empty `cell` and shift back the cells of its run that it was in the way of, so
        that every id stays reachable from its home cell without a gap."""
        mask = self._mask
        hole = i = cell & mask
        while True:
            i = (i + 1) & mask
            key = self._cells[_STRIDE * i]
            if key == 0:
                break
            home = _home(key, self._shift)
            # The id at i may move back to the hole only if its home is not between the
            # hole and i (cyclically): else it would sit before its own home.
            if (i - home) & mask >= (i - hole) & mask:
                base = _STRIDE * i
                self._put(hole, key, self._cells[base + 1], self._cells[base + 2],
                          self._cells[base + 3])
                hole = i
        self._put(hole, 0, 0, 0, 0)
        self._count -= 1

    def __len__(self) -> int:
        return self._count

    def items(self) -> list[tuple[int, int, bool, int, int]]:
        """(order id, leg number, is_buy, leaves, price) of every filed order, by cell."""
        out = []
        for i in range(self._mask + 1):
            if self._cells[_STRIDE * i]:
                out.append((self._cells[_STRIDE * i], self.leg_number(i), self.is_buy(i),
                            self.leaves(i), self.price(i)))
        return out

    def __reduce__(self) -> tuple[object, tuple[list[tuple[int, int, bool, int, int]]]]:
        return _restore, (self.items(),)

    def _put(self, i: int, order_id: int, leaves: int, price: int, leg_side: int) -> None:
        base = _STRIDE * i
        self._cells[base] = order_id
        self._cells[base + 1] = leaves
        self._cells[base + 2] = price
        self._cells[base + 3] = leg_side

    def _grow(self) -> None:
        old = self._cells
        capacity = 2 * (self._mask + 1)
        self._cells = array("q", bytes(8 * _STRIDE * capacity))
        self._mask = capacity - 1
        self._shift -= 1
        mask = self._mask
        for base in range(0, len(old), _STRIDE):
            key = old[base]
            if key == 0:
                continue
            i = _home(key, self._shift)
            while self._cells[_STRIDE * i] != 0:
                i = (i + 1) & mask
            self._put(i, key, old[base + 1], old[base + 2], old[base + 3])


def _restore(items: list[tuple[int, int, bool, int, int]]) -> OpenOrders:
    table = OpenOrders()
    for order_id, leg, is_buy, leaves, price in items:
        table.add(order_id, leg, is_buy, leaves, price)
    return table


def _home(order_id: int, shift: int) -> int:
    """The id's first cell: the top bits of id x _MIX, modulo 2^64 (Fibonacci hashing)."""
    return ((order_id * _MIX) & _BITS64) >> shift
