"""The sessions' received marks (gateway/core_loop.py Received): recorded in the store with
the commit of the batch they come in, the last number per session, also in a batch that
journals nothing; what a restart reads to ask for messages again."""

from __future__ import annotations

import pytest

from gateway.core_loop import CoreLoop, Received
from gateway.recovery import CoreState
from gateway.store import Store
from matching.commands import AdvanceTime
from tests.unit.risk.support import matching_and_risk, order

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    yield s
    s.close()


def _loop(store: Store) -> CoreLoop:
    engine, risk = matching_and_risk()
    return CoreLoop(CoreState(engine, risk), lambda answers: None, store,
                    time_advance_ns=10**18, clock=lambda: 0)


def test_a_mark_is_recorded_with_the_order_it_follows_and_read_back_at_the_next_start(
        tmp_path, store) -> None:
    loop = _loop(store)
    loop.start()
    try:
        loop.submit(order("0.5", cl_ord_id="a"))
        loop.submit(Received("C1", 7))
        loop.submit_and_wait(AdvanceTime(0))  # the same batch or a later one: written
    finally:
        loop.stop()

    again = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    try:
        assert again.received == {"C1": 7}
        assert again.last_seq >= 1
    finally:
        again.close()


def test_the_last_number_of_a_session_wins_even_if_lower_after_a_sequence_reset(
        store) -> None:
    store.mark_received({"C1": 40, "C2": 3})
    store.write([])
    store.mark_received({"C1": 2})
    store.write([])

    assert store.received == {"C1": 2, "C2": 3}


def test_marks_alone_are_committed_without_a_journal_entry(tmp_path, store) -> None:
    """Session messages (heartbeats) change nothing and are journaled as nothing; their
    numbers are recorded all the same, so that a restart does not ask for them again."""
    loop = _loop(store)
    loop.start()
    try:
        loop.submit(Received("C1", 12))
        loop.call(lambda: None).result(5)  # the mark's batch is done
        # Read by another connection while the store is open: only what was committed
        again = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
        try:
            assert again.received == {"C1": 12} and again.last_seq == 0
        finally:
            again.close()
    finally:
        loop.stop()
