"""The core loop advances time itself: GTD expiry on each tick, and before a request that
comes at or after an ExpireTime; DAY expiry once the configured end of day has passed, then
again a day later. Real engine, a clock we set."""

import threading
import time

from gateway.app import next_time_of_day
from gateway.core_loop import CoreLoop
from gateway.recovery import CoreState
from gateway.decode import StatusQuery
from matching.commands import AdvanceTime, SubmitOrder
from matching.engine import MatchingEngine
from matching.events import OrderAccepted, OrderCanceled, OrderExpired
from matching.model import Instrument, OrdStatus, OrdType, Side, TimeInForce
from matching.reasons import EndReason

DAY_NS = 86_400_000_000_000


class _Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _day_order(cl: str, ts: int) -> SubmitOrder:
    return SubmitOrder("C", "C", cl, "X", Side.BUY, OrdType.LIMIT, TimeInForce.DAY, 1, 100, ts)


def test_day_orders_expire_once_the_scheduled_end_of_day_passes_and_again_next_day():
    clock = _Clock(1_000 * DAY_NS)
    answers: list = []
    got = threading.Event()

    def deliver(batch: list) -> None:
        answers.extend(batch)
        if any(isinstance(a, OrderExpired) for a in batch):
            got.set()

    core = CoreLoop(CoreState(MatchingEngine([Instrument.create("X", "1", "1")])), deliver,
                    time_advance_ns=1_000_000, clock=clock)  # a tick every millisecond
    core.start()
    try:
        end_of_day = clock.now + 10 * 1_000_000_000
        core.schedule_end_of_day(end_of_day)
        core.submit(_day_order("d1", clock.now))
        time.sleep(0.05)
        assert not got.is_set()  # before the end of day nothing expires

        clock.now = end_of_day + 1
        assert got.wait(5)
        first = [a for a in answers if isinstance(a, OrderExpired)]
        assert [(e.cl_ord_id, e.reason) for e in first] == [("d1", EndReason.DAY_END)]

        got.clear()
        core.submit(_day_order("d2", clock.now))
        clock.now = end_of_day + DAY_NS + 1  # the next day's end
        assert got.wait(5)
        assert [a.cl_ord_id for a in answers if isinstance(a, OrderExpired)] == ["d1", "d2"]
    finally:
        core.stop()


def test_a_gtd_order_expires_before_a_request_that_comes_at_or_after_its_expire_time():
    clock = _Clock(1_000 * DAY_NS)
    t0 = clock.now
    batches: list[list] = []
    journaled: list = []
    delivered = threading.Semaphore(0)

    class _Journal:
        def write(self, batch: list) -> None:
            journaled.extend(cmd for cmd, _ in batch)

        def mark_delivered(self) -> None:
            pass

    def deliver(batch: list) -> None:
        batches.append(batch)
        delivered.release()

    engine = MatchingEngine([Instrument.create("X", "1", "1")])
    hour = 3_600_000_000_000
    core = CoreLoop(CoreState(engine), deliver, _Journal(), time_advance_ns=hour, clock=clock)
    core.start()
    try:
        core.submit(SubmitOrder("M", "M", "gtd", "X", Side.SELL, OrdType.LIMIT,
                                TimeInForce.GTD, 1, 100, t0, expire_ns=t0 + 1_000))
        assert delivered.acquire(timeout=5)
        # Before the next tick, an order that would trade with it comes after its ExpireTime
        core.submit(SubmitOrder("T", "T", "ioc", "X", Side.BUY, OrdType.LIMIT,
                                TimeInForce.IOC, 1, 100, t0 + 1_000))
        assert delivered.acquire(timeout=5)
        core.submit(StatusQuery("M", "gtd", None, "X", "2", t0 + 2_000))
        assert delivered.acquire(timeout=5)
    finally:
        core.stop()

    answers = batches[1]
    assert [type(a) for a in answers] == [OrderExpired, OrderAccepted, OrderCanceled]
    assert answers[0].cl_ord_id == "gtd" and answers[0].ts_ns == t0 + 1_000
    assert answers[2].cum_qty == 0  # the IOC found nothing to trade with
    commands = [c for c in journaled if c is not None]  # a query applies nothing
    assert [type(c) for c in commands] == [SubmitOrder, AdvanceTime, SubmitOrder]
    assert engine.next_expiry_ns() is None
    (status,) = batches[2]
    assert status.report.status is OrdStatus.EXPIRED
    assert len(commands) == 3  # the query came after the expiry: nothing more was due


def test_next_time_of_day_is_today_if_still_ahead_else_tomorrow():
    from datetime import datetime, time as tod, timezone

    noon = int(datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc).timestamp()) * 10**9
    assert next_time_of_day(tod(21, 30), noon) == noon + (9 * 3600 + 1800) * 10**9
    assert next_time_of_day(tod(12, 0), noon) == noon + DAY_NS
    assert next_time_of_day(tod(6, 0), noon) == noon + 18 * 3600 * 10**9
