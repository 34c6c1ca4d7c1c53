"""The order path through pre-trade risk: one call per message takes it through the session
throttle and the checks into the matching engine, and the engine's events into exposure.

This is the sequence the gateway's core loop runs for every order, replace and cancel, put
in one place so that, compiled, no step of it pays for a Python-level call. It decides
nothing itself: the throttle (risk/throttle.py), the checks (risk/engine.py) and exposure
(risk/exposure.py) do, and the matching engine applies. A message risk refuses still
reaches the engine as a RejectOrder, so it is numbered, journaled and answered like any
other outcome; a refused replace is answered with a CancelRejected and applies nothing.
"""

from __future__ import annotations

import cython

from matching.commands import (
    CancelOrder,
    MassCancel,
    RejectOrder,
    ReplaceOrder,
    SubmitOrder,
)
from matching.engine import MatchingEngine
from matching.events import CancelRejected
from matching.model import Order, is_live_status
from matching.reasons import CancelRejectReason, EndReason, RejectReason
from risk.checks import Denial
from risk.engine import RiskDecision, RiskEngine
from risk.exposure import Exposures, Leg
from risk.throttle import ADMITTED, Admission, Throttle

_DISCONNECT = EndReason.DISCONNECT  # bound once: an enum member lookup is a slow getattr


@cython.cclass
class Gate:
    """`handle(cmd)` runs one SubmitOrder, ReplaceOrder, CancelOrder or MassCancel through
    risk and the engine and returns the events, as `MatchingEngine.handle` does.

    What else the caller needs of that message is left on the gate until the next call:
    `applied`, the command the engine applied (what to journal; None for a refused
    replace), `warnings`, the soft limits it passed with (to log), and `logout`, whether
    the throttle asks for the session's logout.
    """

    risk: RiskEngine
    engine: MatchingEngine
    throttle: Throttle
    exposures: Exposures
    admitted: Admission  # the throttle's one "admitted" answer, compared by identity
    applied: object
    warnings: tuple
    logout: cython.bint

    def __init__(self, risk: RiskEngine, engine: MatchingEngine) -> None:
        self.risk = risk
        self.engine = engine
        self.throttle = risk.throttle
        self.exposures = risk.exposures
        self.admitted = ADMITTED
        self.applied = None
        self.warnings = ()
        self.logout = False

    def handle(self, cmd: object) -> list:
        self.warnings = ()
        self.logout = False
        kind = type(cmd)
        # (compiled: cast, not tested again)
        if kind is SubmitOrder:
            return self._order(cython.cast(SubmitOrder, cmd))
        if kind is ReplaceOrder:
            return self._replace(cython.cast(ReplaceOrder, cmd))
        if kind is CancelOrder:
            return self._cancel(cython.cast(CancelOrder, cmd))
        if kind is MassCancel:
            return self._mass_cancel(cmd)
        raise TypeError(f"risk does not gate {kind.__name__}")

    def _order(self, cmd: SubmitOrder) -> list:
        denial = self._admit(cmd.owner, False, cmd.ts_ns)
        if denial is None:
            # The order's exposure record will be wanted after the engine's work: its load
            # starts now, under the checks and the matching.
            order_id = self.engine.next_order_id()
            self.exposures.prefetch(order_id)
            leg = self.risk.passes_quietly(cmd, self.engine)
            if leg is not None:  # the common case: passed as sent, nothing to warn of
                return self._apply(cmd, leg, order_id)
            # (check_order may take the quiet path again: a few instructions more for the
            # few orders near a limit, none for the many far inside every one)
            decision: RiskDecision = self.risk.check_order(cmd, self.engine, cmd.ts_ns)
            # A duplicate ClOrdID, or a resend: the engine answers it from the order that
            # exists, and gets the order as sent. Risk's checks are for an order that would
            # execute; a resent live order refused by them would look dead to its client.
            # Only an order that risk would not pass as sent needs asking first: one it
            # passes as sent reaches the engine as sent either way.
            if (not _as_sent(decision, cmd)
                    and self.engine.answers_without_executing(cmd.owner, cmd.cl_ord_id,
                                                              cmd.poss_resend)):
                return self._apply(cmd, None, 0)
            self.warnings = decision.warnings
            denial = decision.denial
            if denial is None:
                events = self._apply(decision.cmd, decision.leg, order_id)
                if cmd.reduce_only:
                    self.risk.entered_reduce_only(events)
                return events
        return self._apply(RejectOrder.of(cmd, denial.reason, denial.text), None, 0)

    def _replace(self, cmd: ReplaceOrder) -> list:
        denial = self._admit(cmd.owner, False, cmd.ts_ns)
        order: Order | None = self.engine.find(cmd.owner, cmd.orig_cl_ord_id, cmd.order_id)
        if (order is None or not is_live_status(order.status)
                or (cmd.symbol is not None and cmd.symbol != order.symbol)):
            # The engine answers unknown, too late or another symbol itself (prices in
            # another instrument's ticks are not for risk to judge).
            return self._apply(cmd, None, 0)
        self.exposures.prefetch(order.order_id)
        if denial is None and self.risk.replace_passes_quietly(cmd, order, self.engine):
            return self._apply(cmd, None, 0)  # the common case, as in `_order`
        decision: RiskDecision | None = None
        if denial is None:
            decision = self.risk.check_replace(cmd, order, self.engine, cmd.ts_ns)
            denial = decision.denial
        # A duplicate ClOrdID the engine answers itself, as in `_order`: asked only when
        # the replace would not reach the engine as sent.
        if ((denial is not None or not _as_sent(decision, cmd))
                and self.engine.answers_without_executing(cmd.owner, cmd.cl_ord_id, False)):
            return self._apply(cmd, None, 0)
        if decision is not None:
            self.warnings = decision.warnings  # a replace passes a soft limit with one too
        if denial is None:  # then the checks ran: the throttle let it through
            return self._apply(decision.cmd, None, 0)  # it may carry reduce-only trims
        self.applied = None
        reason = (CancelRejectReason.HALTED if denial.reason is RejectReason.RISK_HALTED
                  else CancelRejectReason.INVALID_REPLACE)
        return [CancelRejected(cmd.owner, cmd.cl_ord_id, cmd.orig_cl_ord_id, order.order_id,
                               order.status, True, reason, denial.text, cmd.ts_ns)]

    def _cancel(self, cmd: CancelOrder) -> list:
        """Cancels are never denied, but they count against the throttle."""
        if cmd.owner is not None:
            self._admit(cmd.owner, True, cmd.ts_ns)
        return self._apply(cmd, None, 0)

    def _mass_cancel(self, cmd: MassCancel) -> list:
        """As a cancel; but a disconnect's mass cancel ends the session's bucket instead,
        and an operator's (no owner) counts against no session."""
        if cmd.owner is not None:
            if cmd.reason is _DISCONNECT:
                self.risk.session_ended(cmd.owner)
            else:
                self._admit(cmd.owner, True, cmd.ts_ns)
        return self._apply(cmd, None, 0)

    def _admit(self, session: str, is_cancel: cython.bint, now_ns: int) -> Denial | None:
        admission: Admission = self.throttle.admit(session, is_cancel, now_ns)
        if admission is self.admitted:
            return None
        if admission.logout:
            self.logout = True
        return admission.denial

    def _apply(self, cmd: object, leg: Leg | None, order_id: int) -> list:
        """What replay repeats for a journaled command (gateway/core_loop.py `apply`);
        `leg`, the exposure leg of the order the engine will number `order_id`, if the
        checks met it, saves exposure a lookup."""
        self.applied = cmd
        events = self.engine.handle(cmd)
        self.exposures.apply(events, leg, order_id)
        return events


def _as_sent(decision: RiskDecision, cmd: object) -> bool:
    """Whether risk passes `cmd` as sent: no denial, no warning, no change."""
    return decision.denial is None and not decision.warnings and decision.cmd is cmd
