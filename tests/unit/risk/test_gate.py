"""The order path through risk (risk/gate.py) with a real matching engine: what it applies,
what it answers, and what it leaves for the core loop (warnings, logout)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from matching.commands import (
    AdvanceTime,
    CancelOrder,
    MassCancel,
    NewDay,
    RejectOrder,
    ReplaceOrder,
)
from matching.engine import MatchingEngine
from matching.events import (
    CancelRejected,
    OrderAccepted,
    OrderCanceled,
    OrderRejected,
    OrderRestated,
)
from matching.model import OrdStatus, OrdType
from matching.reasons import CancelRejectReason, EndReason, RejectReason
from risk.engine import RiskEngine
from risk.gate import Gate
from risk.limits import AccountLimits, InstrumentLimits, ThrottleLimits
from tests.unit.risk.support import BTC, matching_and_risk, order, px, qty

SECOND = 1_000_000_000


def _gate(**limits: object) -> tuple[Gate, MatchingEngine, RiskEngine]:
    engine, risk = matching_and_risk(**limits)
    return Gate(risk, engine), engine, risk


def test_an_order_risk_passes_reaches_the_book_and_its_exposure_follows() -> None:
    gate, engine, risk = _gate()
    cmd = order("0.5", "60000", cl_ord_id="a")

    events = gate.handle(cmd)

    assert [type(e) for e in events] == [OrderAccepted]
    assert gate.applied is cmd and gate.warnings == () and not gate.logout
    assert engine.order_by_clordid("C1", "a").status is OrdStatus.NEW
    assert risk.leg("CLIENT1", BTC.symbol).open_buy == qty(BTC, "0.5")


@pytest.mark.parametrize("warn_at", [None, Decimal("0.1")], ids=["quiet", "full-checks"])
def test_a_passed_order_names_its_exposure_leg_on_both_paths_of_the_checks(warn_at) -> None:
    _, engine, risk = _gate(defaults=InstrumentLimits(max_order_qty=Decimal(1),
                                                      warn_at=warn_at))

    decision = risk.check_order(order("0.5", "60000"), engine, 0)

    assert decision.denial is None and decision.leg is risk.leg("CLIENT1", BTC.symbol)
    assert bool(decision.warnings) is (warn_at is not None)  # the second took the full path


def test_an_order_risk_denies_is_applied_as_a_reject_and_changes_no_exposure() -> None:
    gate, engine, risk = _gate(defaults=InstrumentLimits(max_order_qty=Decimal(1)))

    events = gate.handle(order("1.0001", cl_ord_id="big"))

    assert type(gate.applied) is RejectOrder
    assert [type(e) for e in events] == [OrderRejected]
    assert events[0].reason is RejectReason.RISK_MAX_QTY
    assert engine.order_by_clordid("C1", "big") is None
    assert risk.leg("CLIENT1", BTC.symbol).open_buy == 0


def test_a_soft_limit_passes_the_order_and_leaves_its_warning_for_the_caller() -> None:
    gate, _, _ = _gate(defaults=InstrumentLimits(max_order_qty=Decimal(1),
                                                 warn_at=Decimal("0.5")))

    events = gate.handle(order("0.9", cl_ord_id="soft"))

    assert [type(e) for e in events] == [OrderAccepted]
    assert len(gate.warnings) == 1 and "0.9" in gate.warnings[0]
    gate.handle(order("0.1", cl_ord_id="quiet"))
    assert gate.warnings == ()  # cleared by the next message


def test_beyond_the_throttle_orders_are_rejected_cancels_pass_and_abuse_asks_for_logout(
        ) -> None:
    gate, engine, _ = _gate(throttle=ThrottleLimits(rate=1, burst=1, logout_after=2))
    gate.handle(order("0.1", cl_ord_id="first"))

    denied = gate.handle(order("0.1", cl_ord_id="second"))
    first_denial_logs_out = gate.logout
    canceled = gate.handle(CancelOrder("C1", "c1", "first", None, 0))
    denied_again = gate.handle(order("0.1", cl_ord_id="third"))

    assert type(denied[0]) is OrderRejected and type(gate.applied) is RejectOrder
    assert denied[0].reason is RejectReason.RISK_THROTTLED
    assert not first_denial_logs_out
    assert [type(e) for e in canceled] == [OrderCanceled]
    assert engine.order_by_clordid("C1", "first").status is OrdStatus.CANCELED
    assert denied_again[0].reason is RejectReason.RISK_THROTTLED
    assert gate.logout  # the second denial within the window


def test_a_disconnect_ends_the_sessions_bucket_so_it_comes_back_full() -> None:
    gate, _, _ = _gate(throttle=ThrottleLimits(rate=1, burst=1))
    gate.handle(order("0.1", cl_ord_id="a"))
    assert type(gate.handle(order("0.1", cl_ord_id="b"))[0]) is OrderRejected

    gate.handle(MassCancel("C1", "bye", 0, reason=EndReason.DISCONNECT))
    events = gate.handle(order("0.1", cl_ord_id="c"))

    assert [type(e) for e in events] == [OrderAccepted]


def test_a_replace_risk_refuses_is_answered_and_applies_nothing() -> None:
    gate, engine, risk = _gate(defaults=InstrumentLimits(collar_pct=Decimal(5)))
    gate.handle(order("0.5", "60000", cl_ord_id="a"))

    events = gate.handle(ReplaceOrder("C1", "a2", "a", None, qty(BTC, "0.5"),
                                      px(BTC, "70000"), 0))

    assert gate.applied is None
    assert [type(e) for e in events] == [CancelRejected]
    assert events[0].reason is CancelRejectReason.INVALID_REPLACE and events[0].is_replace
    assert engine.order_by_clordid("C1", "a").price == px(BTC, "60000")
    assert engine.order_by_clordid("C1", "a2") is None
    assert risk.leg("CLIENT1", BTC.symbol).open_buy == qty(BTC, "0.5")


def test_a_replace_beyond_the_throttle_is_refused_with_the_throttles_reason() -> None:
    gate, engine, _ = _gate(throttle=ThrottleLimits(rate=1, burst=1))
    gate.handle(order("0.5", "60000", cl_ord_id="a"))

    events = gate.handle(ReplaceOrder("C1", "a2", "a", None, qty(BTC, "0.4"),
                                      px(BTC, "60000"), 0))

    assert gate.applied is None
    assert events[0].reason is CancelRejectReason.INVALID_REPLACE
    assert "messages per second" in events[0].text
    assert engine.order_by_clordid("C1", "a").qty == qty(BTC, "0.5")


@pytest.mark.parametrize(("orig", "expected"), [
    ("a", CancelRejectReason.TOO_LATE),  # entered, then canceled
    ("nope", CancelRejectReason.UNKNOWN_ORDER),
])
def test_a_replace_of_an_order_that_is_not_live_is_left_to_the_engine_to_answer(
        orig: str, expected: CancelRejectReason) -> None:
    gate, _, _ = _gate()
    gate.handle(order("0.5", "60000", cl_ord_id="a"))
    gate.handle(CancelOrder("C1", "c", "a", None, 0))
    cmd = ReplaceOrder("C1", "r", orig, None, qty(BTC, "0.4"), px(BTC, "60000"), 0)

    events = gate.handle(cmd)

    assert gate.applied is cmd
    assert [type(e) for e in events] == [CancelRejected]
    assert events[0].reason is expected


def test_a_resent_live_order_is_answered_with_its_status_not_refused_by_risk() -> None:
    # The resend would be one open order too many if risk took it for a new order.
    gate, engine, risk = _gate(account_defaults=AccountLimits(max_open_orders=1))
    gate.handle(order("0.5", cl_ord_id="a"))

    events = gate.handle(order("0.5", cl_ord_id="a", poss_resend=True))

    assert [type(e) for e in events] == [OrderRestated]
    assert events[0].status is OrdStatus.NEW and events[0].order_id == engine.order_by_clordid(
        "C1", "a").order_id
    assert risk.leg("CLIENT1", BTC.symbol).open_buy == qty(BTC, "0.5")


def test_a_reused_clordid_gets_the_duplicate_reason_even_where_risk_would_refuse() -> None:
    gate, _, _ = _gate(defaults=InstrumentLimits(max_order_qty=Decimal(1)))
    gate.handle(order("0.5", cl_ord_id="a"))

    events = gate.handle(order("5", cl_ord_id="a"))

    assert [type(e) for e in events] == [OrderRejected]
    assert events[0].reason is RejectReason.MATCH_DUPLICATE_CLORDID


def test_a_resend_of_the_day_befores_clordid_is_refused_as_a_duplicate_not_by_risk() -> None:
    gate, engine, _ = _gate(account_defaults=AccountLimits(max_open_orders=1))
    gate.handle(order("0.5", cl_ord_id="a"))
    gate.handle(CancelOrder("C1", "c", "a", None, 1))
    engine.handle(NewDay(2))
    gate.handle(order("0.5", cl_ord_id="b"))  # the account's one open order

    events = gate.handle(order("0.5", cl_ord_id="a", poss_resend=True))

    assert [type(e) for e in events] == [OrderRejected]
    assert events[0].reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert "the day before" in events[0].text


def test_a_replace_under_a_used_clordid_gets_the_duplicate_reason_even_where_risk_would_refuse(
        ) -> None:
    gate, engine, _ = _gate(defaults=InstrumentLimits(collar_pct=Decimal(5)))
    gate.handle(order("0.5", "60000", cl_ord_id="a"))
    gate.handle(order("0.5", "60000", cl_ord_id="b"))

    events = gate.handle(ReplaceOrder("C1", "b", "a", None, qty(BTC, "0.5"),
                                      px(BTC, "70000"), 0))  # outside the collar too

    assert [type(e) for e in events] == [CancelRejected]
    assert events[0].reason is CancelRejectReason.DUPLICATE_CLORDID
    assert engine.order_by_clordid("C1", "a").price == px(BTC, "60000")


def test_a_reused_clordid_risk_passes_as_sent_reaches_the_engine_as_sent() -> None:
    # The duplicate check is left to the engine for an order risk passes unchanged.
    gate, _, risk = _gate()
    gate.handle(order("0.5", cl_ord_id="a"))
    cmd = order("0.2", cl_ord_id="a")

    events = gate.handle(cmd)

    assert gate.applied is cmd and gate.warnings == ()
    assert [type(e) for e in events] == [OrderRejected]
    assert events[0].reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert risk.leg("CLIENT1", BTC.symbol).open_buy == qty(BTC, "0.5")


def test_a_reused_clordid_on_an_order_risk_would_change_or_warn_of_is_answered_as_sent() -> None:
    # A market order would get the collar's edge as its protection price, and this one
    # passes a soft limit too: as a duplicate it gets neither, nor a warning to log.
    gate, _, _ = _gate(defaults=InstrumentLimits(max_order_qty=Decimal(1),
                                                      collar_pct=Decimal(5),
                                                      warn_at=Decimal("0.1")))
    gate.handle(order("0.5", cl_ord_id="a"))
    cmd = order("0.5", None, ord_type=OrdType.MARKET, cl_ord_id="a")

    events = gate.handle(cmd)

    assert gate.applied is cmd and gate.warnings == ()
    assert [type(e) for e in events] == [OrderRejected]
    assert events[0].reason is RejectReason.MATCH_DUPLICATE_CLORDID
    assert events[0].price is None


def test_a_replace_under_a_used_clordid_risk_passes_as_sent_gets_the_duplicate_reason(
        ) -> None:
    gate, engine, _ = _gate()
    gate.handle(order("0.5", "60000", cl_ord_id="a"))
    gate.handle(order("0.5", "60000", cl_ord_id="b"))
    cmd = ReplaceOrder("C1", "b", "a", None, qty(BTC, "0.4"), px(BTC, "60000"), 0)

    events = gate.handle(cmd)

    assert gate.applied is cmd
    assert [type(e) for e in events] == [CancelRejected]
    assert events[0].reason is CancelRejectReason.DUPLICATE_CLORDID
    assert engine.order_by_clordid("C1", "a").qty == qty(BTC, "0.5")


def test_a_replace_naming_another_symbol_gets_the_engines_answer_not_risks() -> None:
    gate, engine, _ = _gate(defaults=InstrumentLimits(collar_pct=Decimal(5)))
    gate.handle(order("0.5", "60000", cl_ord_id="a"))

    # Its price is in the other instrument's ticks: far outside BTC's collar as BTC ticks
    events = gate.handle(ReplaceOrder("C1", "a2", "a", None, qty(BTC, "0.5"), 300_000, 0,
                                      symbol="ETH-USD"))

    assert [type(e) for e in events] == [CancelRejected]
    assert events[0].reason is CancelRejectReason.MISMATCH
    assert engine.order_by_clordid("C1", "a").price == px(BTC, "60000")


def test_commands_risk_does_not_gate_are_refused_before_anything_changes() -> None:
    gate, _, _ = _gate()

    with pytest.raises(TypeError, match="AdvanceTime"):
        gate.handle(AdvanceTime(SECOND))
