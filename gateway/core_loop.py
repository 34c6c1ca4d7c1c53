"""The single writer: one thread takes decoded requests in arrival order, passes orders through
risk and the matching engine, makes the batch durable, and only then hands out the answers.

QuickFIX threads only `submit()`; nothing else touches the engine or the risk state. Time is
read here, at the edge, and given to the core inside each command.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from loguru import logger

from gateway.decode import MassCancelRefused, MassStatusQuery, StatusQuery
from matching.commands import (
    AdvanceTime,
    CancelOrder,
    EndOfDay,
    MassCancel,
    RejectOrder,
    ReplaceOrder,
    SubmitOrder,
)
from matching.engine import MatchingEngine
from matching.events import CancelRejected, OrderRestated
from matching.reasons import CancelRejectReason, RejectReason

BATCH_MAX = 512  # items per group commit: bounds the latency one batch adds to the next


@dataclass(frozen=True, slots=True)
class StatusReply:
    """The answer to an OrderStatusRequest: the order's state, or None for unknown."""

    query: StatusQuery
    report: OrderRestated | None


@dataclass(frozen=True, slots=True)
class MassStatusReply:
    query: MassStatusQuery
    reports: tuple[OrderRestated, ...]


@dataclass(frozen=True, slots=True)
class Logout:
    """Ask the gateway to log a session out (sustained throttle abuse)."""

    owner: str
    text: str


class Journal(Protocol):
    """Where a batch becomes durable before any answer leaves (persistence issue)."""

    def write(self, batch: list[tuple[object, list]]) -> None: ...


class NoJournal:
    """No persistence configured: batches are not kept."""

    def write(self, batch: list[tuple[object, list]]) -> None:
        pass


class RiskGate(Protocol):
    """What the core loop needs of pre-trade risk (risk/engine.py provides it)."""

    def check_order(self, cmd: SubmitOrder, market: Any, now_ns: int) -> Any: ...
    def check_replace(self, cmd: ReplaceOrder, order: Any, market: Any, now_ns: int) -> Any: ...
    def admit(self, session: str, is_cancel: bool, now_ns: int) -> Any: ...
    def apply(self, events: Iterable[object]) -> None: ...


@dataclass(slots=True)
class _Call:
    """Run a function on the core thread (admin controls, consistent reads)."""

    fn: Callable[[], Any]
    future: Future


_STOP = object()


class CoreLoop:
    def __init__(
        self,
        engine: MatchingEngine,
        deliver: Callable[[list[object]], None],
        journal: Journal | None = None,
        risk: RiskGate | None = None,
        time_advance_ns: int = 1_000_000_000,
        clock: Callable[[], int] = time.time_ns,
        on_fatal: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.engine = engine
        self.risk = risk
        self._deliver = deliver
        self._journal = journal or NoJournal()
        self._clock = clock
        self._tick_ns = time_advance_ns
        self._on_fatal = on_fatal
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="core", daemon=True)
        self._end_of_day_ns: int | None = None
        self.failed: BaseException | None = None

    # -- called from other threads -------------------------------------------------------

    def submit(self, item: object) -> None:
        """Hand over one decoded request. Never blocks, never raises."""
        self._queue.put(item)

    def call(self, fn: Callable[[], Any]) -> Future:
        """Run `fn` on the core thread, between two batches; its result comes in the future."""
        future: Future = Future()
        self._queue.put(_Call(fn, future))
        return future

    def schedule_end_of_day(self, at_ns: int | None) -> None:
        self.submit(_Call(lambda: setattr(self, "_end_of_day_ns", at_ns), Future()))

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    # -- the core thread -----------------------------------------------------------------

    def _run(self) -> None:
        next_tick = self._clock() + self._tick_ns
        try:
            while True:
                wait = max(0.0, (next_tick - self._clock()) / 1e9)
                try:
                    first = self._queue.get(timeout=wait)
                except queue.Empty:
                    first = None
                items = [] if first is None else [first]
                while len(items) < BATCH_MAX:
                    try:
                        items.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stop = _STOP in items
                now = self._clock()
                if now >= next_tick:
                    items.append(AdvanceTime(now))
                    next_tick = now + self._tick_ns
                    if self._end_of_day_ns is not None and now >= self._end_of_day_ns:
                        items.append(EndOfDay(now))
                        self._end_of_day_ns += 86_400_000_000_000
                self._process_batch([i for i in items if i is not _STOP])
                if stop:
                    return
        except BaseException as exc:  # a broken invariant: stop the core, never limp on
            self.failed = exc
            logger.opt(exception=exc).critical("core stopped: {}", exc)
            if self._on_fatal is not None:
                self._on_fatal(exc)

    def _process_batch(self, items: list[object]) -> None:
        done: list[tuple[object, list]] = []
        calls: list[tuple[_Call, Any]] = []
        for item in items:
            if type(item) is _Call:
                try:
                    calls.append((item, item.fn()))
                except Exception as exc:  # an admin call's error belongs to its caller
                    item.future.set_exception(exc)
                continue
            done.append((item, self._process(item)))
        if done:
            # Durable first, then answer: nothing acknowledged may be lost.
            self._journal.write(done)
            answers = [a for _, out in done for a in out]
            if answers:
                self._deliver(answers)
        for call, result in calls:
            call.future.set_result(result)

    def _process(self, item: object) -> list:
        engine, risk = self.engine, self.risk
        kind = type(item)
        if kind is SubmitOrder:
            if risk is not None:
                item = self._risk_order(item)
            events = engine.handle(item)
        elif kind is ReplaceOrder:
            refused = self._risk_replace(item) if risk is not None else None
            events = refused if refused is not None else engine.handle(item)
        elif kind in (CancelOrder, MassCancel, RejectOrder, AdvanceTime, EndOfDay):
            events = engine.handle(item)
        elif kind is StatusQuery:
            return [self._status(item)]
        elif kind is MassStatusQuery:
            return [self._mass_status(item)]
        elif kind in (CancelRejected, MassCancelRefused):
            return [item]  # decided at decode; answered in order with everything else
        else:
            raise TypeError(f"core loop cannot handle {kind.__name__}")
        if risk is not None:
            risk.apply(events)
        return events

    def _risk_order(self, cmd: SubmitOrder) -> SubmitOrder | RejectOrder:
        risk = self.risk
        admission = risk.admit(cmd.owner, False, cmd.ts_ns)
        if not admission.admitted:
            return RejectOrder.of(cmd, RejectReason.RISK_THROTTLED, admission.text)
        decision = risk.check_order(cmd, self.engine, cmd.ts_ns)
        for warning in decision.warnings:
            logger.bind(session=cmd.owner, cl_ord_id=cmd.cl_ord_id).warning(warning)
        if decision.denial is not None:
            return RejectOrder.of(cmd, decision.denial.reason, decision.denial.text)
        return decision.cmd

    def _risk_replace(self, cmd: ReplaceOrder) -> list | None:
        order = self.engine.order_by_clordid(cmd.owner, cmd.orig_cl_ord_id or "")
        if order is None and cmd.order_id is not None:
            order = self.engine.order(cmd.order_id)
        if order is None or order.owner != cmd.owner or not order.is_live:
            return None  # the engine answers unknown / too late itself
        decision = self.risk.check_replace(cmd, order, self.engine, cmd.ts_ns)
        if decision.denial is None:
            return None
        return [CancelRejected(cmd.owner, cmd.cl_ord_id, cmd.orig_cl_ord_id, order.order_id,
                               order.status, True, CancelRejectReason.INVALID_REPLACE,
                               decision.denial.text, cmd.ts_ns)]

    def _status(self, query: StatusQuery) -> StatusReply:
        engine = self.engine
        order = engine.order_by_clordid(query.owner, query.cl_ord_id)
        if order is None and query.order_id is not None:
            order = engine.order(query.order_id)
        if order is None or order.owner != query.owner:
            return StatusReply(query, None)
        return StatusReply(query, engine.status_report(order, query.ts_ns))

    def _mass_status(self, query: MassStatusQuery) -> MassStatusReply:
        engine = self.engine
        reports = tuple(engine.status_report(o, query.ts_ns)
                        for o in engine.live_orders(query.owner, query.symbol))
        return MassStatusReply(query, reports)
