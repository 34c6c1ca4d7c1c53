"""The core loop advances time itself: GTD expiry on each tick and DAY expiry once the
configured end of day has passed, then again a day later. Real engine, a clock we set."""

import threading
import time

from gateway.app import next_time_of_day
from gateway.core_loop import CoreLoop
from gateway.recovery import CoreState
from matching.commands import SubmitOrder
from matching.engine import MatchingEngine
from matching.events import OrderExpired
from matching.model import Instrument, OrdType, Side, TimeInForce
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


def test_next_time_of_day_is_today_if_still_ahead_else_tomorrow():
    from datetime import datetime, time as tod, timezone

    noon = int(datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc).timestamp()) * 10**9
    assert next_time_of_day(tod(21, 30), noon) == noon + (9 * 3600 + 1800) * 10**9
    assert next_time_of_day(tod(12, 0), noon) == noon + DAY_NS
    assert next_time_of_day(tod(6, 0), noon) == noon + 18 * 3600 * 10**9
