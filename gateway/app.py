"""Composition root: builds the engine, risk, core loop and QuickFIX acceptor from settings,
starts them in the right order and stops them cleanly. Nothing connects at import time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import quickfix as fix
from loguru import logger

from config.settings import GatewaySettings
from fixspec import tags, values
from gateway import session_config
from gateway.acceptor import Acceptor
from gateway.core_loop import CoreLoop, Logout, MassStatusReply, StatusReply
from gateway import decisions
from gateway.decode import MassCancelRefused
from gateway.encode import Encoder
from gateway.messagelog import MessageLog
from matching.engine import MatchingEngine
from matching.events import CancelRejected, MassCancelDone, OrderEvent


class Gateway:
    """The running service. `start()`, then `stop()`; admin controls run on the core thread."""

    def __init__(self, settings: GatewaySettings, clock: Callable[[], int] = time.time_ns,
                 on_fatal: Callable[[BaseException], None] | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self.instruments = {s: i.to_instrument() for s, i in settings.instruments.items()}
        m = settings.matching
        self.engine = MatchingEngine(self.instruments.values(), m.self_trade_prevention,
                                     m.stp_by_account)
        self.encoder = Encoder(self.instruments, clock())
        self.core = CoreLoop(self.engine, self._deliver, time_advance_ns=m.time_advance_ms
                             * 1_000_000, clock=clock, on_fatal=on_fatal)
        self.message_log = MessageLog(settings.data_dir / "log" / "messages")
        self.application = Acceptor(settings.counterparties, self.instruments, self.core,
                                    self.message_log, clock)
        self._begin_strings = {cp.comp_id: cp.begin_string
                               for cp in settings.counterparties.values()}
        self._acceptor: fix.ThreadedSocketAcceptor | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        for line in s.describe():
            logger.info(line)
        cfg_path = s.data_dir / "quickfix.cfg"
        cfg_path.write_text(session_config.render(s))
        session_config.store_dir(s).mkdir(parents=True, exist_ok=True)
        qf_settings = fix.SessionSettings(str(cfg_path))
        self._store = fix.FileStoreFactory(qf_settings)
        self.core.start()
        self._acceptor = fix.ThreadedSocketAcceptor(self.application, self._store, qf_settings)
        self._acceptor.start()
        logger.info("listening on port {} for {} as {} (QuickFIX settings in {})",
                    s.acceptor.port, ", ".join(s.counterparties), s.acceptor.comp_id, cfg_path)

    def stop(self) -> None:
        """Log sessions out, let the core finish what is queued, close the logs."""
        if self._acceptor is not None:
            self._acceptor.stop()  # logs every session out; cancel-on-disconnect follows
            self._acceptor = None
        self.core.stop()
        self.message_log.close()
        logger.info("gateway stopped")

    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run `fn` on the core thread and return its result (admin controls, tests)."""
        return self.core.call(fn).result(timeout)

    # -- answers (on the core thread, after the batch is durable) ------------------------------

    def _deliver(self, answers: list[object]) -> None:
        for answer in answers:
            owner = _owner(answer)
            if owner is None:
                continue
            decisions.log(answer, owner, self.instruments)
            session_id = self.application.sessions.get(owner)
            if session_id is None:
                continue
            if isinstance(answer, Logout):
                session = fix.Session.lookupSession(session_id)
                if session is not None:
                    session.logout(answer.text)
                continue
            for message in self._encode(answer, self._begin_strings[owner]):
                fix.Session.sendToTarget(message, session_id)

    def _encode(self, answer: object, begin_string: str) -> list[fix.Message]:
        enc = self.encoder
        if isinstance(answer, StatusReply):
            q = answer.query
            if answer.report is None:
                return [enc.unknown_order_status(q.cl_ord_id, None, q.symbol, q.side,
                                                 begin_string, q.ts_ns)]
            return [enc.execution_report(answer.report, begin_string)]
        if isinstance(answer, MassStatusReply):
            return self._mass_status(answer, begin_string)
        if isinstance(answer, MassCancelRefused):
            return [enc.mass_cancel_refused(answer.cl_ord_id, answer.request_type,
                                            answer.reject_reason, answer.text, answer.ts_ns)]
        message = enc.encode(answer, begin_string)
        return [] if message is None else [message]

    def _mass_status(self, reply: MassStatusReply, begin_string: str) -> list[fix.Message]:
        q, n = reply.query, len(reply.reports)
        common = {tags.MassStatusReqID: q.request_id, tags.TotNumReports: str(n)}
        if n == 0:
            extra = {**common, tags.LastRptRequested: values.FIX_YES}
            return [self.encoder.unknown_order_status(values.ID_NONE, None, q.symbol or
                                                      values.ID_NONE, values.SIDE_TO_FIX[
                                                          next(iter(values.SIDE_TO_FIX))],
                                                      begin_string, q.ts_ns, extra)]
        out = []
        for i, report in enumerate(reply.reports, 1):
            extra = dict(common)
            if i == n:
                extra[tags.LastRptRequested] = values.FIX_YES
            out.append(self.encoder.execution_report(report, begin_string, extra))
        return out


def _owner(answer: object) -> str | None:
    if isinstance(answer, (OrderEvent, CancelRejected, MassCancelDone, MassCancelRefused,
                           Logout)):
        return answer.owner
    if isinstance(answer, (StatusReply, MassStatusReply)):
        return answer.query.owner
    return None
