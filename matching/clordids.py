"""Every ClOrdID of the day, per owner, and the order it names: the core's duplicate check
and its lookup of an order by any ClOrdID it has had.

Every command brings a new ClOrdID, so over a day this index holds millions of keys and is
probed on every command. A dict of that size costs several cache misses per probe (its
index, its entry, the stored key) and was a third of the core's time per command. Here a
probe touches one 8-byte slot in a table sized for a cache: each slot holds the low 32 bits
of the key's hash as a fingerprint and the number of the entry it stands for, and only a
fingerprint match reads the entry's owner and key, which are then compared exactly. So an
answer is never a guess: a fingerprint collision costs one comparison, not a wrong order.

Open addressing with linear probing, never more than two thirds full; entries are never
removed (a ClOrdID stays used for the day). The table grows without stopping the command
that fills it: from half full, each `add` does a bounded share of building the table of
twice the size (clearing it, then copying a few slots into it), and the new table takes
over once complete, before the old one is two thirds full. (Rebuilt at once, as it was, the
table stopped the command that filled it to 699,050 entries for 15 ms, and every doubling
of the day twice as long as the one before.) The fingerprint holds the hash's low bits, so
a slot carries everything the larger table needs to place it (in tables of up to 2^32
slots, far beyond a day): the copy reads slots in order, never a key. The entries are kept in chunks of fixed size, so that they are never
copied either as the day grows, as one list would be.

A new day files the live orders' entries (`items()`) in a new index and keeps the old one a
day longer, its values made order ids (`map_values`), to recognise resends. The hash is
Python's own string hash, cached in each string, so the slots depend on the process's hash
seed: the table is rebuilt, not saved, when a snapshot is restored.
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
_CHUNK_BITS = 12
_CHUNK = 1 << _CHUNK_BITS  # entries per chunk
# A growth's share of one `add`: first slots of the new table cleared, then slots of the
# table in use copied. From half full to two thirds full a table of C slots takes C/6 adds;
# clearing 2C slots takes C/1024 of them and copying C slots C/32, so the new table is
# complete in time with room to spare (`add` finishes it at once should it not be). The
# copy is kept short because while it lasts the two tables share the cache; a share of 32
# slots is a few hundred nanoseconds.
_CLEAR_PER_ADD = 2048
_COPY_PER_ADD = 32
_SLOTS = array("Q")  # the type of every table, for `blank_like` (compiled)


class ClOrdIds:
    """owner -> ClOrdID -> value (the core's Order), growing only.

    `add` requires the pair to be absent (the engine has just asked `get`); ask again after
    an `add` and the value comes back."""

    def __init__(self) -> None:
        # Entry e is owner, ClOrdID and value at 3k, 3k+1 and 3k+2 of chunk e // _CHUNK,
        # k = e % _CHUNK: read from one cache line rather than from three lists.
        self._chunks: list[list[Any]] = []
        self._count = 0
        self._slots: array = array("Q", bytes(8 * _FIRST_CAPACITY))
        self._mask = _FIRST_CAPACITY - 1
        # The table of twice the size while it is built (else None): `_cleared` of its
        # slots cleared so far; once all are, `_copied` slots of the table in use copied
        # into it. Entries from `_first_new` on are filed in both tables as they come, in
        # the next one an add late: `_pending` is the slot still to file there (else _EMPTY,
        # as it is whenever no copy is under way: the swap empties it).
        self._next: array | None = None
        self._cleared = 0
        self._copied = 0
        self._first_new = 0
        self._pending = _EMPTY

    def get(self, owner: str, cl_ord_id: str) -> Any | None:
        """The value filed under (owner, ClOrdID), or None."""
        h = _hash(owner, cl_ord_id)
        fp = h & _LOW32
        mask = self._mask
        i = fp & mask  # a slot's home is its fingerprint's position, as `_place` has it
        while True:
            s = self._slots[i]  # not through a local: a typed view's copy costs an atomic
            if s == _EMPTY:
                return None
            if s >> 32 == fp:
                e = (s & _LOW32) - 1
                entries = self._chunks[e >> _CHUNK_BITS]
                k = 3 * (e & (_CHUNK - 1))
                if cython.compiled:
                    # The caller will use the value: its load overlaps the key's compare.
                    prefetch_object(entries[k + 2])  # noqa: F821 (matching/prefetch.pxd)
                if entries[k + 1] == cl_ord_id and entries[k] == owner:
                    return entries[k + 2]
            i = (i + 1) & mask

    def prefetch(self, owner: str, cl_ord_id: str) -> None:
        """Start loading the slot where (owner, ClOrdID) would be found, so that a `get` of
        it after other work finds it in cache (compiled only; in Python, nothing)."""
        if cython.compiled:
            i = _hash(owner, cl_ord_id) & _LOW32 & self._mask
            prefetch_address(cython.address(self._slots[i]))  # noqa: F821 (prefetch.pxd)

    def add(self, owner: str, cl_ord_id: str, value: Any) -> None:
        """File `value` under (owner, ClOrdID), which must not be filed yet."""
        e = self._count
        if e >= _MAX_ENTRIES:
            raise OverflowError("more ClOrdIDs in one day than the index can number")
        k = 3 * (e & (_CHUNK - 1))
        if k == 0:
            chunk = [None] * (3 * _CHUNK)
            if cython.compiled:
                # Out of the cyclic collector's sight: a full collection would otherwise
                # read every entry's key and order, a cache miss each (13 ms at 150,000
                # entries). No cycle runs through an entry: orders are not tracked either,
                # and nothing filed refers back to the index.
                PyObject_GC_UnTrack(chunk)  # noqa: F821 (clordids.pxd)
            self._chunks.append(chunk)
        entries = self._chunks[e >> _CHUNK_BITS]
        entries[k] = owner
        entries[k + 1] = cl_ord_id
        entries[k + 2] = value
        self._count = e + 1
        slot = ((_hash(owner, cl_ord_id) & _LOW32) << 32) | (e + 1)
        _place(self._slots, self._mask, slot)
        if self._next is not None:
            self._grow(slot, e)
        elif 2 * (e + 1) >= len(self._slots):
            self._next = _blank(2 * len(self._slots))
            self._cleared = 0

    def items(self) -> Iterator[tuple[str, str, Any]]:
        """(owner, ClOrdID, value) of every entry, in the order they were added."""
        for e in range(self._count):
            entries = self._chunks[e >> _CHUNK_BITS]
            k = 3 * (e & (_CHUNK - 1))
            yield entries[k], entries[k + 1], entries[k + 2]

    def map_values(self, fn: Callable[[Any], Any]) -> None:
        """Replace every value by `fn(value)`, in place (the keys, and so the slots, stay)."""
        for e in range(self._count):
            entries = self._chunks[e >> _CHUNK_BITS]
            k = 3 * (e & (_CHUNK - 1)) + 2
            entries[k] = fn(entries[k])

    def __len__(self) -> int:
        return self._count

    def __reduce__(self) -> tuple[object, tuple[list[Any]]]:
        # The entries as one list (owner, ClOrdID, value, owner, ...), not the slots: slot
        # positions follow this process's hash seed.
        return _restore, ([field for entry in self.items() for field in entry],)

    @cython.boundscheck(False)  # slots below old_size, and masked to the next table's size
    @cython.wraparound(False)
    def _grow(self, slot: int, e: int) -> None:
        """One add's share of building the next table, entry `e` (`slot`) just filed in the
        table in use; the next table takes over once built. Finishes at once should the
        table in use be about to pass two thirds full."""
        last = 3 * (e + 2) > 2 * len(self._slots)  # the next add would pass it
        size = len(self._next)
        if self._cleared < size:
            end = size if last else min(self._cleared + _CLEAR_PER_ADD, size)
            _clear(self._next, self._cleared, end)
            self._cleared = end
            if end < size:
                return
            # Entries up to this one are copied from the table in use; later ones are
            # filed in both as they come.
            self._first_new = e + 1
            self._copied = 0
            if not last:
                return
        else:
            # Filed in the next table one add late, its slot asked for now: that slot is at
            # a random place, out of cache, and it has loaded by then.
            if self._pending != _EMPTY:
                _place(self._next, size - 1, self._pending)
            self._pending = slot
            if cython.compiled:
                prefetch_address(cython.address(  # noqa: F821 (prefetch.pxd)
                    self._next[(slot >> 32) & (size - 1)]))
        old_size = len(self._slots)
        end = old_size if last else min(self._copied + _COPY_PER_ADD, old_size)
        first_new = self._first_new
        mask = size - 1
        for i in range(self._copied, end):
            s = self._slots[i]
            if s != _EMPTY and (s & _LOW32) <= first_new:  # entry number s - 1 < first_new
                _place(self._next, mask, s)
        self._copied = end
        if end == old_size:
            if self._pending != _EMPTY:
                _place(self._next, mask, self._pending)
            self._slots = self._next
            self._mask = mask
            self._next = None
            self._pending = _EMPTY


@cython.boundscheck(False)  # every index is masked to the table's size
@cython.wraparound(False)
def _place(table: array, mask: int, slot: int) -> None:
    """Put `slot` in the first empty slot of `table` from its fingerprint's position on."""
    i = (slot >> 32) & mask
    while table[i] != _EMPTY:
        i = (i + 1) & mask
    table[i] = slot


def _clear(table: array, start: int, end: int) -> None:
    """Empty the slots start..end-1 of `table`."""
    if cython.compiled:
        memset(cython.address(table[start]), 0, 8 * (end - start))  # noqa: F821 (libc)
    else:
        table[start:end] = array("Q", bytes(8 * (end - start)))


def _blank(size: int) -> array:
    """A table of `size` slots, their contents not yet cleared (compiled: not even
    written, so that asking for one costs nothing in proportion to its size)."""
    if cython.compiled:
        return blank_like(_SLOTS, size)  # noqa: F821 (clordids.pxd)
    return array("Q", bytes(8 * size))


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
