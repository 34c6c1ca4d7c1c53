"""CPython's small-object arenas, kept and reused instead of given back to the system.

CPython serves objects of up to 512 bytes from 1 MiB arenas that it maps from the system,
and unmaps each arena as soon as its last object is freed. Orders and events come and go
all day, so arenas are unmapped and mapped again, and every page of a new mapping faults
on its first touch (2-3 µs each on our machine): the matching benchmark took about 50 page
faults per 1,000 commands, most of them in arenas, and they land in its p99.

`install()` replaces the arena allocator of the whole process (PyObject_SetArenaAllocator):
- an arena freed goes on a free list and is handed out again, never unmapped;
- a new arena is cut from a 64 MiB reserve, mapped at once and marked for huge pages.
The cost: the process keeps its peak of small-object memory until it exits (free arenas
are not returned to the system). Arenas of another size, should CPython ask for any, go to
the system as before. Nothing else changes: objects are allocated exactly as before.

The allocator is C, in arenas.pxd: it runs in the compiled build. Run as Python, this
module installs nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import cython


@dataclass(frozen=True, slots=True)
class ArenaCounts:
    """What the allocator has done since its install, for reports and tests."""

    free: int  # arenas freed and kept for reuse
    reused: int  # arenas handed out again from those
    reserves: int  # 64 MiB reserves mapped


def install() -> bool:
    """Keep arenas for reuse from now on, in this whole process; a second call does nothing.
    False when running as Python (nothing installed)."""
    if cython.compiled:
        arenas_install()  # noqa: F821 (C, in arenas.pxd)
        return True
    return False


def counts() -> ArenaCounts:
    """The allocator's counts (all zero when it is not installed)."""
    if cython.compiled:
        return ArenaCounts(arenas_free_count, arenas_reused,  # noqa: F821 (arenas.pxd)
                           arenas_reserves)  # noqa: F821
    return ArenaCounts(0, 0, 0)
