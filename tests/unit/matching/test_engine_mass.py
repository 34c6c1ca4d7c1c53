"""Mass cancel by account, instrument or all, scoped to the requesting owner."""

from __future__ import annotations

import pytest

from matching.commands import EndOfDay, MassCancel, NewDay
from matching.engine import MatchingEngine
from matching.events import MassCancelDone, OrderCanceled
from matching.model import Instrument
from matching.reasons import EndReason
from tests.unit.matching.conftest import BUY, PX, SELL, btc, limit, of, one, run, stop


@pytest.fixture
def busy() -> MatchingEngine:
    """Two instruments; owner A trades for accounts a1 and a2, owner B for b1."""
    engine = MatchingEngine([btc(), Instrument.create("ETH-USD", "0.01", "0.001")])
    run(engine,
        limit("A", "1", BUY, 5, PX, account="a1"),
        limit("A", "2", SELL, 5, PX + 10, account="a2"),
        limit("A", "3", BUY, 5, PX, account="a1", symbol="ETH-USD"),
        stop("A", "4", SELL, 5, PX - 50, account="a2"),
        limit("B", "5", BUY, 5, PX - 1, account="b1"),
        limit("B", "6", SELL, 5, PX + 1, account="b1", symbol="ETH-USD"))
    return engine


def _canceled(events: list) -> list[str]:
    return [e.cl_ord_id for e in of(events, OrderCanceled)]


@pytest.mark.parametrize(("account", "symbol", "expected"), [
    (None, None, ["1", "2", "3", "4"]),
    ("a1", None, ["1", "3"]),
    (None, "BTC-USD", ["1", "2", "4"]),
    ("a2", "BTC-USD", ["2", "4"]),
    ("b1", None, []),  # another owner's account: nothing of A's matches
], ids=["all", "account", "instrument", "account-and-instrument", "foreign-account"])
def test_mass_cancel_ends_the_owners_matching_orders_and_reports_the_count(
        busy: MatchingEngine, account: str | None, symbol: str | None,
        expected: list[str]) -> None:
    # Act
    events = busy.handle(MassCancel("A", "m1", 7, account=account, symbol=symbol))

    # Assert
    assert _canceled(events) == expected
    assert all(e.reason is EndReason.MASS_CANCEL for e in of(events, OrderCanceled))
    done = one(events, MassCancelDone)
    assert (done.request_id, done.canceled, done.account, done.symbol) == (
        "m1", len(expected), account, symbol)
    assert events[-1] is done
    assert {o.owner for o in busy.live_orders()} >= {"B"}
    busy.check_invariants()


def test_mass_cancel_and_live_orders_go_in_order_id_order_not_book_order(
        engine: MatchingEngine) -> None:
    # Arrange: each better bid entered after a worse one, a stop and an ask between
    run(engine,
        limit("A", "1", BUY, 5, PX - 2),
        limit("A", "2", BUY, 5, PX - 1),
        stop("A", "3", SELL, 5, PX - 50),
        limit("A", "4", SELL, 5, PX + 5),
        limit("A", "5", BUY, 5, PX))

    # Act
    live = [o.cl_ord_id for o in engine.live_orders()]
    events = engine.handle(MassCancel("A", "m1", 7))

    # Assert
    assert live == _canceled(events) == ["1", "2", "3", "4", "5"]
    assert list(engine.live_orders()) == []
    engine.check_invariants()


def test_mass_cancel_of_an_unknown_instrument_cancels_nothing(busy: MatchingEngine) -> None:
    # Act
    events = busy.handle(MassCancel("A", "m1", 7, symbol="XRP-USD"))

    # Assert
    assert one(events, MassCancelDone).canceled == 0
    assert len(list(busy.live_orders())) == 6


def test_mass_cancel_never_touches_another_owners_orders(busy: MatchingEngine) -> None:
    # Act
    busy.handle(MassCancel("A", "m1", 7))

    # Assert
    assert [o.cl_ord_id for o in busy.live_orders()] == ["5", "6"]


def test_admin_mass_cancel_without_owner_ends_everything_with_its_reason(
        busy: MatchingEngine) -> None:
    # Act
    events = busy.handle(MassCancel(None, "halt", 7, reason=EndReason.HALT))

    # Assert
    assert one(events, MassCancelDone).canceled == 6
    assert {e.reason for e in of(events, OrderCanceled)} == {EndReason.HALT}
    assert list(busy.live_orders()) == []
    assert busy.top_of_book("BTC-USD").bid_px is None
    assert len(busy.book("BTC-USD").stops) == 0
    busy.check_invariants()


def test_mass_cancel_with_nothing_to_cancel_still_reports_zero(engine: MatchingEngine) -> None:
    # Act
    events = engine.handle(MassCancel("A", "m1", 7))

    # Assert
    assert events == [MassCancelDone("A", "m1", None, None, 0, EndReason.MASS_CANCEL, 7)]


def test_mass_cancel_skips_orders_that_already_ended(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "1", BUY, 5, PX), limit("B", "2", SELL, 5, PX),
        limit("A", "3", BUY, 5, PX - 1))

    # Act
    events = engine.handle(MassCancel("A", "m1", 7))

    # Assert
    assert _canceled(events) == ["3"]
    assert one(events, MassCancelDone).canceled == 1


def test_possible_resend_of_a_mass_cancel_carried_out_is_answered_with_its_report(
        engine: MatchingEngine) -> None:
    # Arrange: a mass cancel, then an order entered after it
    run(engine, limit("A", "1", BUY, 5, PX))
    first = one(engine.handle(MassCancel("A", "m1", 7)), MassCancelDone)
    run(engine, limit("A", "2", BUY, 5, PX - 1))

    # Act
    events = engine.handle(MassCancel("A", "m1", 9, poss_resend=True))

    # Assert: the first report again, saying so; the order entered since stays live
    assert events == [MassCancelDone("A", "m1", None, None, 1, EndReason.MASS_CANCEL, 7,
                                     "possible resend of a request already carried out")]
    assert first.canceled == 1 and first.text is None
    assert [o.cl_ord_id for o in engine.live_orders()] == ["2"]


@pytest.mark.parametrize(("owner", "cl_ord_id", "flagged"), [
    ("A", "m2", True),  # a resend of a request never seen: carried out
    ("B", "m1", True),  # another owner's ClOrdID: carried out
    ("A", "m1", False),  # a repeat not flagged: carried out, as a new request
], ids=["unseen", "other-owner", "not-flagged"])
def test_a_mass_cancel_not_recognised_as_a_resend_is_carried_out(
        engine: MatchingEngine, owner: str, cl_ord_id: str, flagged: bool) -> None:
    # Arrange
    run(engine, MassCancel("A", "m1", 7), limit(owner, "1", BUY, 5, PX))

    # Act
    events = engine.handle(MassCancel(owner, cl_ord_id, 9, poss_resend=flagged))

    # Assert
    assert _canceled(events) == ["1"]
    assert one(events, MassCancelDone).text is None
    assert list(engine.live_orders()) == []


def test_a_mass_cancel_of_the_day_before_is_recognised_when_resent_and_not_two_days_on(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, MassCancel("A", "m1", 7), EndOfDay(10), NewDay(10),
        limit("A", "1", BUY, 5, PX))

    # Act
    resent = engine.handle(MassCancel("A", "m1", 11, poss_resend=True))
    run(engine, EndOfDay(20), NewDay(20))
    two_days_on = engine.handle(MassCancel("A", "m1", 21, poss_resend=True))

    # Assert
    assert resent == [MassCancelDone("A", "m1", None, None, 0, EndReason.MASS_CANCEL, 7,
                                     "possible resend of a request already carried out")]
    assert _canceled(two_days_on) == ["1"]


def test_disconnect_and_operator_mass_cancels_are_never_taken_for_resends(
        engine: MatchingEngine) -> None:
    # Arrange: both carry no ClOrdID
    run(engine, MassCancel("A", "", 7, reason=EndReason.DISCONNECT),
        MassCancel(None, "halt", 8, reason=EndReason.HALT), limit("A", "1", BUY, 5, PX))

    # Act
    events = run(engine, MassCancel("A", "", 9, reason=EndReason.DISCONNECT, poss_resend=True),
                 limit("A", "2", BUY, 5, PX),
                 MassCancel(None, "halt", 10, reason=EndReason.HALT, poss_resend=True))

    # Assert
    assert _canceled(events) == ["1", "2"]
