"""Every ClOrdID of the day, per owner, and the order it names: the core's duplicate check
and its lookup of an order by any ClOrdID it has had.

Every command brings a new ClOrdID, so over a day this index holds millions of keys and is
probed on every command. A dict of that size costs several cache misses per probe (its
index, its entry, the stored key) and was a third of the core's time per command. Here a
probe touches one 8-byte slot in a table sized for a cache: each slot holds 32 bits of the
key's hash as a fingerprint and the number of the entry it stands for, and only a
fingerprint match reads the entry's owner and key, which are then compared exactly. So an
answer is never a guess: a fingerprint collision costs one comparison, not a wrong order.

Open addressing with linear probing, never more than two thirds full, doubled when it would
be; entries are never removed (a ClOrdID stays used for the day). A new day files the live
orders' entries (`items()`) in a new index and keeps the old one a day longer, its values
made order ids (`map_values`), to recognise resends. The hash is Python's own string hash,
cached in each string, so the slots depend on the process's hash seed: the table is
rebuilt, not saved, when a snapshot is restored.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from typing import Any

import cython

_EMPTY = 0  # a slot no entry has taken
_LOW32 = 0xFFFFFFFF
_HASH_BITS = 0xFFFFFFFFFFFFFFFF
_MIX = 0x9E3779B97F4A7C15  # odd: 2^64 / golden ratio
_FIRST_CAPACITY = 1 << 10
_MAX_ENTRIES = _LOW32 - 1  # an entry number + 1 must fit in the low 32 bits of a slot
_AHEAD = 8  # entries a rebuild asks for ahead of the one it files


class ClOrdIds:
    """owner -> ClOrdID -> value (the core's Order), growing only.

    `add` requires the pair to be absent (the engine has just asked `get`); ask again after
    an `add` and the value comes back."""

    def __init__(self) -> None:
        # Entry e is owner, ClOrdID and value at 3e, 3e+1 and 3e+2: one list, so that the
        # three are read from one cache line rather than from three lists.
        self._entries: list[Any] = []
        # Entry e's hash: a rebuild reads these in order rather than every key string again
        # (cold, a cache miss each); the first len(self) items are set.
        self._hashes: array = array("Q", bytes(8 * _FIRST_CAPACITY))
        self._slots: array = array("Q", bytes(8 * _FIRST_CAPACITY))
        self._mask = _FIRST_CAPACITY - 1

    def get(self, owner: str, cl_ord_id: str) -> Any | None:
        """The value filed under (owner, ClOrdID), or None."""
        h = _hash(owner, cl_ord_id)
        fp = h >> 32
        mask = self._mask
        i = h & mask
        while True:
            s = self._slots[i]  # not through a local: a typed view's copy costs an atomic
            if s == _EMPTY:
                return None
            if s >> 32 == fp:
                e = 3 * ((s & _LOW32) - 1)
                entries = self._entries
                if cython.compiled:
                    # The caller will use the value: its load overlaps the key's compare.
                    prefetch_object(entries[e + 2])  # noqa: F821 (matching/prefetch.pxd)
                if entries[e + 1] == cl_ord_id and entries[e] == owner:
                    return entries[e + 2]
            i = (i + 1) & mask

    def prefetch(self, owner: str, cl_ord_id: str) -> None:
        """Start loading the slot where (owner, ClOrdID) would be found, so that a `get` of
        it after other work finds it in cache (compiled only; in Python, nothing)."""
        if cython.compiled:
            i = _hash(owner, cl_ord_id) & self._mask
            prefetch_address(cython.address(self._slots[i]))  # noqa: F821 (prefetch.pxd)

    def add(self, owner: str, cl_ord_id: str, value: Any) -> None:
        """File `value` under (owner, ClOrdID), which must not be filed yet."""
        entries = self._entries
        e = len(entries) // 3
        if e >= _MAX_ENTRIES:
            raise OverflowError("more ClOrdIDs in one day than the index can number")
        h = _hash(owner, cl_ord_id)
        if e == len(self._hashes):
            self._grow_hashes(e)
        self._hashes[e] = h
        entries.append(owner)
        entries.append(cl_ord_id)
        entries.append(value)
        capacity = len(self._slots)
        if 3 * (e + 1) > 2 * capacity:
            self._rebuild(2 * capacity)  # files the new entry too
        else:
            self._place(h, e)

    def items(self) -> Iterator[tuple[str, str, Any]]:
        """(owner, ClOrdID, value) of every entry, in the order they were added."""
        entries = self._entries
        for e in range(0, len(entries), 3):
            yield entries[e], entries[e + 1], entries[e + 2]

    def map_values(self, fn: Callable[[Any], Any]) -> None:
        """Replace every value by `fn(value)`, in place (the keys, and so the slots, stay)."""
        entries = self._entries
        for e in range(2, len(entries), 3):
            entries[e] = fn(entries[e])

    def __len__(self) -> int:
        return len(self._entries) // 3

    def __reduce__(self) -> tuple[object, tuple[list[Any]]]:
        # The entries, not the slots: slot positions follow this process's hash seed.
        return _restore, (self._entries,)

    def _grow_hashes(self, n: int) -> None:
        """Double the hash array, full with `n` hashes. Apart from `add`, so that its every
        call does not set up the typed views this copy needs (compiled, a few dozen stores)."""
        hashes = array("Q", bytes(16 * n))
        hashes[:n] = self._hashes[:n]
        self._hashes = hashes

    def _place(self, h: int, e: int) -> None:
        """Put entry `e` (hash `h`) in the first empty slot of its probe sequence."""
        mask = self._mask
        i = h & mask
        while self._slots[i] != _EMPTY:
            i = (i + 1) & mask
        self._slots[i] = ((h >> 32) << 32) | (e + 1)

    def _rebuild(self, capacity: int) -> None:
        """File every entry again in a table of `capacity` slots. It stops the caller's
        command for as long as it takes (tens of milliseconds at a million entries), once
        per doubling."""
        self._slots = array("Q", bytes(8 * capacity))
        mask = self._mask = capacity - 1
        n = len(self._entries) // 3
        for e in range(n):
            if cython.compiled and e + _AHEAD < n:
                # Slots are random; asked for a few entries ahead, their misses overlap.
                i = self._hashes[e + _AHEAD] & mask
                prefetch_address(cython.address(self._slots[i]))  # noqa: F821
            self._place(self._hashes[e], e)


def _restore(entries: list[Any]) -> ClOrdIds:
    index = ClOrdIds()
    for e in range(0, len(entries), 3):
        index.add(entries[e], entries[e + 1], entries[e + 2])
    return index


def _hash(owner: str, cl_ord_id: str) -> int:
    """64 bits of hash for the pair: the two strings' own (cached) hashes combined, the
    owner's multiplied by an odd constant first so that swapping the two does not collide."""
    if cython.compiled:
        a = str_hash(owner)  # noqa: F821 (strhash.pxd: hash(), without the call)
        b = str_hash(cl_ord_id)  # noqa: F821
    else:
        a = hash(owner)
        b = hash(cl_ord_id)
    # Compiled, a and b are unsigned 64-bit and the product wraps; in Python the mask keeps
    # the same low 64 bits.
    return ((a * _MIX) ^ b) & _HASH_BITS
