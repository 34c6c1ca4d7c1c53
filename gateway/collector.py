"""The cyclic garbage collector's share of the gateway: start-up frozen out of its sight,
and its pauses counted for the benchmarks.

Started, the gateway holds about 90,000 tracked objects that live as long as it does
(QuickFIX, SQLAlchemy, loguru, the core, the day that recovery rebuilt). A full collection
walks every tracked object, with every thread stopped by the GIL: 35-50 ms each, a few
times per 20,000 orders. `freeze_start_up` moves them to the collector's permanent
generation, so a full collection walks only what came since.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Self


def freeze_start_up() -> int:
    """Collect once, then freeze every object alive for good; the number frozen.

    Frozen objects are still freed when their last reference goes. But a reference cycle
    that runs through a frozen object is never collected, with all it holds, should it
    become garbage later; the collection first frees what start-up itself left."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@dataclass(slots=True)
class Pauses:
    """The full collections (generation 2) seen while installed, and how long each took."""

    full_ms: list[float] = field(default_factory=list)
    _started_ns: int = 0

    def __enter__(self) -> Self:
        gc.callbacks.append(self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._seen)

    def _seen(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started_ns = time.perf_counter_ns()
        else:
            self.full_ms.append((time.perf_counter_ns() - self._started_ns) / 1e6)

    def report(self) -> dict[str, float]:
        """Count, longest and total of the full collections, in ms."""
        return {"gc_full": len(self.full_ms),
                "gc_full_max_ms": round(max(self.full_ms, default=0.0), 1),
                "gc_full_total_ms": round(sum(self.full_ms), 1)}
