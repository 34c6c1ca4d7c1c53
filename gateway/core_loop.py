"""The single writer: one thread takes decoded requests in arrival order, passes orders through
risk and the matching engine, makes the batch durable, and only then hands out the answers.

QuickFIX threads only `submit()`; nothing else touches the engine or the risk state. Time is
read here, at the edge, and given to the core inside each command.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from loguru import logger

from gateway.decode import MassCancelRefused, MassStatusQuery, StatusQuery
from gateway.recovery import CoreState
from matching.commands import (
    AdvanceTime,
    CancelOrder,
    EndOfDay,
    MassCancel,
    NewDay,
    RejectOrder,
    ReplaceOrder,
    SetSelfTradePrevention,
    SubmitOrder,
)
from matching.events import CancelRejected, OrderRestated
from matching.reasons import CancelRejectReason
from risk.commands import SetLimit, SetTradingState
from risk.gate import Gate

_JOURNALED = frozenset({SubmitOrder, ReplaceOrder, CancelOrder, MassCancel, RejectOrder,
                        AdvanceTime, EndOfDay, NewDay, SetSelfTradePrevention,
                        SetTradingState, SetLimit})
_GATED = frozenset({SubmitOrder, ReplaceOrder, CancelOrder, MassCancel})  # through risk/gate.py
# A session's requests: each sees the book as it is at its own time (GTD expiry first)
_REQUESTS = _GATED | {StatusQuery, MassStatusQuery}
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


@dataclass(frozen=True, slots=True)
class Received:
    """The counterparty's message `seq_num`, handed over with what it became (`item`, None
    if nothing for the core): in one piece, so that the mark is made durable in the same
    commit as the item, and then the message need not be asked for again after a crash
    (gateway/app.py `_ask_again_for_unprocessed`)."""

    owner: str
    seq_num: int
    item: object = None


class Journal(Protocol):
    """Where a batch of (applied command or None, events) becomes durable before any answer
    of the batch leaves (gateway/store.py)."""

    def write(self, batch: list[tuple[object | None, list]]) -> None: ...

    def mark_delivered(self) -> None: ...

    def mark_received(self, received: dict[str, int]) -> None: ...


class NoJournal:
    """No persistence configured: batches are not kept."""

    def write(self, batch: list[tuple[object | None, list]]) -> None:
        pass

    def mark_delivered(self) -> None:
        pass

    def mark_received(self, received: dict[str, int]) -> None:
        pass


@dataclass(slots=True)
class _Tracked:
    """A command whose caller waits for its events (admin controls)."""

    cmd: object
    future: Future


@dataclass(slots=True)
class _Call:
    """Run a function on the core thread (admin controls, consistent reads)."""

    fn: Callable[[], Any]
    future: Future


_STOP = object()


def _log_warnings(cmd: SubmitOrder | ReplaceOrder, warnings: tuple[str, ...]) -> None:
    """Soft limits: the order passes, the warning is logged."""
    for warning in warnings:
        logger.bind(session=cmd.owner, cl_ord_id=cmd.cl_ord_id).warning(warning)


def apply(state: CoreState, cmd: object) -> list:
    """Apply one journaled command to the core: what the loop does once it has decided, and
    exactly what replay repeats."""
    kind = type(cmd)
    if kind is SetTradingState:
        return [state.risk.set_trading_state(cmd.scope, cmd.state, cmd.ts_ns, cmd.reason)]
    if kind is SetLimit:
        return [state.risk.set_limit(cmd.name, cmd.value, cmd.ts_ns, account=cmd.account,
                                     symbol=cmd.symbol, account_defaults=cmd.account_defaults)]
    events = state.engine.handle(cmd)
    if state.risk is not None:
        state.risk.apply(events)
        if kind is SubmitOrder and cmd.reduce_only:
            state.risk.entered_reduce_only(events)
    return events


class CoreLoop:
    def __init__(
        self,
        state: CoreState,
        deliver: Callable[[list[object]], None],
        journal: Journal | None = None,
        time_advance_ns: int = 1_000_000_000,
        clock: Callable[[], int] = time.time_ns,
        on_fatal: Callable[[BaseException], None] | None = None,
        after_batch: Callable[[], None] | None = None,
    ) -> None:
        self.state = state
        self.engine = state.engine
        # Orders, replaces and cancels go through risk's gate when risk is configured.
        self._gate = Gate(state.risk, state.engine) if state.risk is not None else None
        self._deliver = deliver
        self._after_batch = after_batch
        self._journal = journal or NoJournal()
        self._clock = clock
        self._tick_ns = time_advance_ns
        self._on_fatal = on_fatal
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="core", daemon=True)
        self._end_of_day_ns: int | None = None
        self._logouts: list[Logout] = []  # asked for in this batch: answers, never journaled
        self.failed: BaseException | None = None

    # -- called from other threads -------------------------------------------------------

    def submit(self, item: object) -> None:
        """Hand over one decoded request. Never blocks, never raises."""
        self._queue.put(item)

    def submit_and_wait(self, cmd: object, timeout: float = 10.0) -> list:
        """Process `cmd` like any request (journaled, answered) and return its events.
        An error of the command itself (e.g. an unknown limit) is raised here and changes
        nothing."""
        future: Future = Future()
        self._queue.put(_Tracked(cmd, future))
        return future.result(timeout)

    def call(self, fn: Callable[[], Any]) -> Future:
        """Run `fn` on the core thread, between two batches; its result comes in the future."""
        future: Future = Future()
        self._queue.put(_Call(fn, future))
        return future

    def schedule_end_of_day(self, at_ns: int | None) -> None:
        self.submit(_Call(lambda: setattr(self, "_end_of_day_ns", at_ns), Future()))

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        """The core thread is alive (started and not yet stopped, nor failed)."""
        return self._thread.is_alive()

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
                        items += [EndOfDay(now), NewDay(now)]
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
        done: list[tuple[object | None, list]] = []
        calls: list[tuple[_Call | _Tracked, Any]] = []
        received: dict[str, int] = {}
        for item in items:
            kind = type(item)
            if kind is Received:  # the last one per session: its numbers may be reset
                received[item.owner] = item.seq_num
                item = item.item
                if item is None:
                    continue
                kind = type(item)
            if kind is _Call:
                try:
                    calls.append((item, item.fn()))
                except Exception as exc:  # an admin call's error belongs to its caller
                    item.future.set_exception(exc)
                continue
            if kind is _Tracked:
                try:
                    outcome = self._process(item.cmd)
                except Exception as exc:  # refused before it changed anything
                    item.future.set_exception(exc)
                    continue
                done.append(outcome)
                calls.append((item, outcome[1]))
                continue
            if kind in _REQUESTS:
                expiry = self.engine.next_expiry_ns()
                if expiry is not None and expiry <= item.ts_ns:
                    # A GTD order expires at its ExpireTime, not at the next tick: nothing
                    # that comes at or after it may trade with it or find it live.
                    done.append(self._process(AdvanceTime(item.ts_ns)))
            done.append(self._process(item))
        if received:
            self._journal.mark_received(received)
            if not done:  # e.g. heartbeats: committed on their own
                self._journal.write(done)
        if done:
            # Durable first, then answer: nothing acknowledged may be lost.
            self._journal.write(done)
            answers = [a for _, out in done for a in out]
            if self._logouts:  # after the batch's other answers, e.g. the throttle rejects
                answers += self._logouts
                self._logouts = []
            if answers:
                self._deliver(answers)
            self._journal.mark_delivered()
            if self._after_batch is not None:
                self._after_batch()
        for call, result in calls:
            call.future.set_result(result)

    def _process(self, item: object) -> tuple[object | None, list]:
        """(the command the core applied, or None, and the answers) for one item."""
        kind = type(item)
        gate = self._gate
        if gate is not None and kind in _GATED:
            events = gate.handle(item)
            if gate.warnings:  # soft limits: the order passes, the warning is logged
                _log_warnings(item, gate.warnings)
            if gate.logout:  # answered after the batch's other answers, never journaled
                self._logouts.append(Logout(item.owner, "message rate limit exceeded"))
            return gate.applied, events
        if kind in _JOURNALED:
            cmd = item
        elif kind is StatusQuery:
            return None, [self._status(item)]
        elif kind is MassStatusQuery:
            return None, [self._mass_status(item)]
        elif kind is CancelRejected:  # decided at decode; answered in order with the rest
            return None, [self._naming_the_order(item)]
        elif kind is MassCancelRefused:
            return None, [item]
        else:
            raise TypeError(f"core loop cannot handle {kind.__name__}")
        events = apply(self.state, cmd)
        return cmd, events

    def _naming_the_order(self, refused: CancelRejected) -> CancelRejected:
        """A cancel or replace refused at decode (off tick, unknown symbol, a value we do not
        offer) names the order it was about as the engine's refusals do: on a 35=9, OrderID
        and OrdStatus are the order's, and a client told 39=8 would drop a working order.
        It comes with the requested OrderID; the order is found as the engine finds it (by
        OrigClOrdID, else OrderID, both agreeing), and only among the sender's own."""
        order = self.engine.find(refused.owner, refused.orig_cl_ord_id, refused.order_id)
        if order is None:
            refused.order_id = None  # no order of the sender's: unknown, nothing named
            return refused
        refused.order_id, refused.status = order.order_id, order.status
        if not order.is_live:  # as the engine answers any request for a finished order
            refused.reason = CancelRejectReason.TOO_LATE
            refused.text = f"order {order.order_id} is {order.status.value}"
        elif refused.reason is CancelRejectReason.UNKNOWN_ORDER:
            refused.reason = CancelRejectReason.MISMATCH  # its symbol is unknown, not the order
        return refused

    def _status(self, query: StatusQuery) -> StatusReply:
        order = self.engine.find(query.owner, query.cl_ord_id, query.order_id)
        if order is None:
            return StatusReply(query, None)
        return StatusReply(query, self.engine.status_report(order, query.ts_ns))

    def _mass_status(self, query: MassStatusQuery) -> MassStatusReply:
        engine = self.engine
        reports = tuple(engine.status_report(o, query.ts_ns)
                        for o in engine.live_orders(query.owner, query.symbol))
        return MassStatusReply(query, reports)
