"""A map from names (strings) to values whose `get` finds a key by identity first.

The order path looks things up by name on every command: the book of a symbol, the risk
records of an account, the throttle of a session. The names it looks up are mostly the one
string object per name that the FIX decoder and the engine share (matching/engine.py files
every order under its book's own symbol string), so the key in the table is that very
object. A dict finds it too, but compiled its lookup costs about 110 instructions through
the interpreter's generic path, against about 50 here: the string's cached hash is read
directly, and the slot's key compared by address before its text. An equal string that is
another object is still found, by the text compare; the answer never depends on identity,
only its cost does.

A dict stays the record of what is filed (iteration, length, removal); the slots are an
index over it, rebuilt when a key is removed or the index would be more than half full.
Writes are rare (a name is filed once), reads are on every command.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import cython

_FIRST_CAPACITY = 8
_MISSING = object()  # `get`'s answer for a name not filed, where None may be a value


class Names:
    """name -> value, for a set of names that changes seldom and is read on every command."""

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        self._dict: dict[str, Any] = {}
        # Slot i is a key and its value side by side, at 2i and 2i + 1 (None: empty), so
        # that a probe reads one list, most often one cache line of it.
        self._slots: list[Any] = [None] * (2 * _FIRST_CAPACITY)
        self._mask = _FIRST_CAPACITY - 1
        if items:
            for key, value in items.items():
                self[key] = value

    @cython.boundscheck(False)  # every index is below the slots' length: 2 x a masked i + 1
    @cython.wraparound(False)
    def get(self, key: str | None, default: Any = None) -> Any:
        """The value filed under `key`, else `default` (also for None: no name)."""
        if key is None:
            return default
        if cython.compiled:
            h = str_hash(key)  # noqa: F821 (strhash.pxd: hash(), without the call)
        else:
            h = hash(key)
        mask = self._mask
        i = h & mask
        while True:
            k = self._slots[2 * i]
            if k is key:
                return self._slots[2 * i + 1]
            if k is None:
                return default
            if k == key:
                return self._slots[2 * i + 1]
            i = (i + 1) & mask

    def __getitem__(self, key: str) -> Any:
        """The value filed under `key`, found as `get` finds it; KeyError if none is."""
        value = self.get(key, _MISSING) if type(key) is str else _MISSING
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"a name is a str, not {type(key).__name__}")
        known = key in self._dict
        self._dict[key] = value
        if known:
            self._rebuild(self._mask + 1)  # the slot holds the old value
        elif 2 * len(self._dict) > self._mask + 1:
            self._rebuild(2 * (self._mask + 1))
        else:
            self._place(key, value)

    def pop(self, key: str, default: Any = None) -> Any:
        """Remove `key` and return its value, else `default`."""
        if key not in self._dict:
            return default
        value = self._dict.pop(key)
        self._rebuild(self._mask + 1)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __len__(self) -> int:
        return len(self._dict)

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def keys(self):  # type: ignore[no-untyped-def]
        return self._dict.keys()

    def values(self):  # type: ignore[no-untyped-def]
        return self._dict.values()

    def items(self):  # type: ignore[no-untyped-def]
        return self._dict.items()

    def clear(self) -> None:
        self._dict.clear()
        self._rebuild(_FIRST_CAPACITY)

    def __repr__(self) -> str:
        return f"Names({self._dict!r})"

    def __reduce__(self) -> tuple[type[Names], tuple[dict[str, Any]]]:
        # The names and values, not the slots: slot positions follow this process's hash
        # seed, so a snapshot restored in another process files them again.
        return Names, (self._dict,)

    def _place(self, key: str, value: Any) -> None:
        mask = self._mask
        i = hash(key) & mask
        while self._slots[2 * i] is not None:
            i = (i + 1) & mask
        self._slots[2 * i] = key
        self._slots[2 * i + 1] = value

    def _rebuild(self, capacity: int) -> None:
        self._slots = [None] * (2 * capacity)
        self._mask = capacity - 1
        for key, value in self._dict.items():
            self._place(key, value)
