"""Memory the process frees is kept for its own reuse, not given back to the system.

Orders and events come and go all day. Given back, the memory they used comes back as new
mappings whose every page faults on its first touch (2-3 µs each on our machine), and
those faults land in the order path's tail latency. `keep()` makes two allocators keep
what they free, for the whole process:
- CPython's small-object allocator (objects of up to 512 bytes) serves from 1 MiB arenas,
  and unmaps an arena as soon as its last object is freed. Its arena allocator is replaced
  (PyObject_SetArenaAllocator): an arena freed goes on a free list and is handed out again,
  never unmapped; a new one is cut from a 64 MiB reserve, mapped in one call and marked
  for huge pages. Arenas of another size, should CPython ask for any, go to the system.
- glibc's malloc (larger blocks: lists, dict tables, the ClOrdID index) maps a block of
  128 KiB or more on its own and unmaps it when freed, and gives back the free top of its
  heap. It is told (mallopt) to serve blocks up to 1 GiB from its heap, keep its free top
  up to 1 GiB, and take 64 MiB more than it needs whenever it grows the heap. A thread's
  own malloc arena (the gateway's core runs in a thread) keeps likewise, except blocks
  larger than its 64 MiB heaps, which it still maps on their own. Elsewhere than glibc
  this part is not done.
Objects are allocated exactly as before; only where their memory comes from changes. The
cost: the process keeps its peak memory until it exits.

On the matching benchmark's 1M workload, the minor page faults of the timed part fell from
about 54 to about 3 per 1,000 commands.

Kept memory is still touched for the first time as the day grows, and a first touch has the
system zero the page, and for a huge page first find (compact) 2 MiB of free memory: on the
matching benchmark's 1M workload, 10 to 12 commands stall 1-5 ms each for it, 43-53 ms in
all, in the last fifth of the day. `keep(pretouch_mib=N)` writes the first N MiB of arenas
at start instead, as a JVM's AlwaysPreTouch does its heap: start-up takes longer (1024 MiB:
about 2 s here) and the process's resident memory starts at N MiB. With 1024 (that day
maps about 640 MiB of arenas), one command stalls over 1 ms, not 10 to 12.

The allocator is C, in memory.pxd: it runs in the compiled build. Run as Python, this
module keeps nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import cython

_PRETOUCH_MAX_MIB = 1 << 40  # an exbibyte: no machine has it, and no size_t sum passes 2^64


@dataclass(frozen=True, slots=True)
class ArenaCounts:
    """What the arena allocator has done since `keep()`, for reports and tests."""

    free: int  # arenas freed and kept for reuse
    reused: int  # arenas handed out again from those
    reserves: int  # reserves mapped (64 MiB; the first one pretouch_mib, rounded up to
    # 2 MiB, if larger)
    touched_mib: int  # of the first reserve, written at keep()


def keep(pretouch_mib: int = 0) -> bool:
    """Keep freed memory for reuse from now on, in this whole process, the first
    `pretouch_mib` MiB of small-object arenas touched now. A second call does nothing, its
    `pretouch_mib` included (`arena_counts().touched_mib` says what the first touched).
    False when running as Python (nothing changed). MemoryError if the system refuses
    the reserve to touch (nothing changed either)."""
    if pretouch_mib < 0:
        raise ValueError(f"pretouch_mib {pretouch_mib} is negative")
    too_large = pretouch_mib > _PRETOUCH_MAX_MIB  # in bytes, rounded up, it would wrap in C
    if too_large or (cython.compiled
                     and not memory_keep(pretouch_mib << 20)):  # noqa: F821 (memory.pxd)
        raise MemoryError(f"cannot map {pretouch_mib} MiB of arenas to touch")
    return bool(cython.compiled)


def malloc_kept() -> bool:
    """Whether malloc took the settings (glibc only, once `keep()` ran)."""
    if cython.compiled:
        return memory_malloc_kept != 0  # noqa: F821 (memory.pxd)
    return False


def arena_counts() -> ArenaCounts:
    """The arena allocator's counts (all zero before `keep()`)."""
    if cython.compiled:
        return ArenaCounts(arenas_free_count, arenas_reused,  # noqa: F821 (memory.pxd)
                           arenas_reserves, arenas_touched >> 20)  # noqa: F821
    return ArenaCounts(0, 0, 0, 0)
