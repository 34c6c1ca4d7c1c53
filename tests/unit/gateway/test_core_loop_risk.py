"""The core loop with risk configured: orders, replaces and cancels go through risk's gate,
and what the loop journals, answers and logs follows from it. Real engines, a journal that
records its batches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from loguru import logger

from gateway.core_loop import CoreLoop, Logout
from gateway.recovery import CoreState
from matching.commands import ReplaceOrder
from matching.events import CancelRejected, OrderAccepted, OrderRejected
from matching.reasons import RejectReason
from risk.limits import InstrumentLimits, ThrottleLimits
from tests.unit.risk.support import BTC, matching_and_risk, order, px, qty


class _Journal:
    def __init__(self) -> None:
        self.entries: list[tuple[object | None, list]] = []

    def write(self, batch: list[tuple[object | None, list]]) -> None:
        self.entries.extend(batch)

    def mark_delivered(self) -> None:
        pass


@pytest.fixture
def run():
    """A started core loop over the given limits: (loop, journal, answers); stopped after."""
    loops: list[CoreLoop] = []

    def start(**limits: object) -> tuple[CoreLoop, _Journal, list]:
        engine, risk = matching_and_risk(**limits)
        journal, answers = _Journal(), []
        loop = CoreLoop(CoreState(engine, risk), answers.extend, journal,
                        time_advance_ns=10**18, clock=lambda: 0)
        loop.start()
        loops.append(loop)
        return loop, journal, answers

    yield start
    for loop in loops:
        loop.stop()


def test_an_order_is_journaled_as_risk_passed_it_and_answered(run) -> None:
    loop, journal, _ = run()
    cmd = order("0.5", cl_ord_id="a")

    events = loop.submit_and_wait(cmd)

    assert [type(e) for e in events] == [OrderAccepted]
    assert journal.entries == [(cmd, events)]


def test_a_refused_replace_is_answered_and_journaled_as_nothing_applied(run) -> None:
    loop, journal, answers = run(defaults=InstrumentLimits(collar_pct=Decimal(5)))
    loop.submit_and_wait(order("0.5", "60000", cl_ord_id="a"))

    events = loop.submit_and_wait(ReplaceOrder("C1", "a2", "a", None, qty(BTC, "0.5"),
                                               px(BTC, "70000"), 0))

    assert [type(e) for e in events] == [CancelRejected]
    assert journal.entries[-1] == (None, events)
    assert answers[-1] is events[0]


def test_a_soft_limit_warning_is_logged_with_the_session_and_clordid(run) -> None:
    loop, _, _ = run(defaults=InstrumentLimits(max_order_qty=Decimal(1),
                                               warn_at=Decimal("0.5")))
    logged: list = []
    sink = logger.add(logged.append, level="WARNING", format="{message}")
    try:
        loop.submit_and_wait(order("0.9", cl_ord_id="soft"))
    finally:
        logger.remove(sink)

    [record] = [m.record for m in logged]
    assert record["extra"] == {"session": "C1", "cl_ord_id": "soft"}
    assert "0.9" in record["message"]


def test_throttle_abuse_answers_a_logout_after_the_rejects_and_never_journals_it(run) -> None:
    loop, journal, answers = run(throttle=ThrottleLimits(rate=1, burst=1, logout_after=2))
    for cl in ("a", "b", "c"):
        loop.submit_and_wait(order("0.1", cl_ord_id=cl))

    rejects = [a for a in answers if type(a) is OrderRejected]
    assert [r.reason for r in rejects] == [RejectReason.RISK_THROTTLED] * 2
    assert answers[-1] == Logout("C1", "message rate limit exceeded")
    assert all(type(a) is not Logout for _, events in journal.entries for a in events)
