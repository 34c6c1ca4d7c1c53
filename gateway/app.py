"""Composition root: builds the engine, risk, core loop and QuickFIX acceptor from settings,
starts them in the right order and stops them cleanly. Nothing connects at import time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any

import quickfix as fix
from loguru import logger

from config.settings import ConfigError, GatewaySettings
from fixspec import tags, values
from gateway import decisions, native, session_config
from gateway.acceptor import Acceptor
from gateway.core_loop import CoreLoop, Logout, MassStatusReply, StatusReply, apply
from gateway.decode import MassCancelRefused
from gateway.encode import Encoder
from gateway.messagelog import MessageLog
from gateway.recovery import CoreState, code_version, recover
from gateway.snapshots import SnapshotWriter
from gateway.store import INSTRUMENT_FIELDS, Store
from matching.commands import EndOfDay, MassCancel, NewDay, SetSelfTradePrevention
from matching.engine import MatchingEngine
from matching.events import CancelRejected, MassCancelDone, OrderEvent
from matching.model import Side
from matching.reasons import EndReason
from risk.commands import SetLimit, SetTradingState
from risk.engine import RiskEngine
from risk.events import TradingScope, TradingState

_EVERYTHING = TradingScope.everything()  # the default scope of halt/resume (immutable)


class Gateway:
    """The running service. `start()`, then `stop()`; admin controls run on the core thread."""

    def __init__(self, settings: GatewaySettings, clock: Callable[[], int] = time.time_ns,
                 on_fatal: Callable[[BaseException], None] | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self.instruments = {s: i.to_instrument() for s, i in settings.instruments.items()}
        m = settings.matching
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.database.url, admin_types=(SetTradingState, SetLimit))
        self._check_instruments()
        references = {sym: self.instruments[sym].price_to_ticks(str(i.reference_price))
                      for sym, i in settings.instruments.items()}
        fresh = CoreState(MatchingEngine(self.instruments.values(), m.self_trade_prevention,
                                         m.stp_by_account),
                          RiskEngine(settings.risk, self.instruments, references))
        snapshot_dir = settings.data_dir / "snapshots"
        self.state, _ = recover(self.store, snapshot_dir, fresh, apply)
        self.engine = self.state.engine
        self._configure(references)
        self.snapshots = SnapshotWriter(self.store, snapshot_dir, code_version())
        self._snapshot_seq = self.store.last_seq
        self.encoder = Encoder(self.instruments, clock())
        self.core = CoreLoop(self.state, self._deliver, journal=self.store,
                             time_advance_ns=m.time_advance_ms * 1_000_000, clock=clock,
                             on_fatal=on_fatal, after_batch=self._snapshot_if_due)
        self.message_log = MessageLog(settings.data_dir / "log" / "messages")
        self.application = Acceptor(settings.counterparties, self.instruments, self.core,
                                    self.message_log, clock)
        self._begin_strings = {cp.comp_id: cp.begin_string
                               for cp in settings.counterparties.values()}
        self._acceptor: fix.ThreadedSocketAcceptor | None = None
        self._stopped = False

    def _check_instruments(self) -> None:
        """The journal holds prices and quantities in each instrument's ticks and lots, and
        orders validated against its min and max quantity: replayed under other values, it
        would not rebuild what was acknowledged (live orders rescaled, orders refused that
        were accepted). So each instrument is recorded as the database first ran with it,
        and a configuration that changes one, or leaves one out, while the journal has an
        order or an operator action in it, is refused with a ConfigError naming the key
        (one line, exit code 2). An instrument nothing in the journal depends on is taken
        as configured (changed, or forgotten if left out), with a WARNING."""
        recorded = self.store.instruments()
        configured = {symbol: {key: str(getattr(i, key)) for key in INSTRUMENT_FIELDS}
                      for symbol, i in self.settings.instruments.items()}
        unused: list[tuple[str, str, str]] = []
        for symbol, fields in recorded.items():
            change = self._change(symbol, fields)
            if change is None:
                continue
            key, problem, keep = change
            uses = self.store.instrument_uses(symbol)
            if uses is not None:
                self.store.close()
                n, first = uses
                raise ConfigError(self.settings.source, key,
                                  f"{problem}, but the database's journal has {n} orders or "
                                  f"operator actions in it (the first at entry {first}): "
                                  f"keep {keep}, or start on a new database")
            unused.append((symbol, key, problem))
        for symbol, key, problem in unused:
            self.store.forget_instrument(symbol)
            logger.warning("{}: {}; the journal has no order or operator action in it: "
                           "taken as configured", key, problem)
        forgotten = {symbol for symbol, _, _ in unused}
        self.store.record_instruments({symbol: fields for symbol, fields in configured.items()
                                       if symbol not in recorded or symbol in forgotten})

    def _change(self, symbol: str, fields: dict[str, str]) -> tuple[str, str, str] | None:
        """How the configuration departs from a recorded instrument, as (key, problem, what
        to keep), or None if it does not."""
        configured = self.settings.instruments.get(symbol)
        if configured is None:
            return f"instruments.{symbol}", "missing", "it"
        for key, text in fields.items():
            value = getattr(configured, key)
            if value != Decimal(text):
                return f"instruments.{symbol}.{key}", f"{value} differs from {text}", text
        return None

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
        self._fix_store = fix.FileStoreFactory(qf_settings)
        # Read before the core starts: its first batch (a time tick) moves the delivery mark
        undelivered = self.store.events_after(self.store.delivered_seq)
        last_ns = self.store.last_journal_ns()
        received = dict(self.store.received)
        self.core.start()
        self._acceptor = fix.ThreadedSocketAcceptor(self.application, self._fix_store,
                                                    qf_settings)
        self._ask_again_for_unprocessed(received)
        self._resend_undelivered(undelivered)
        self._catch_up_end_of_day(last_ns)
        # Journaled before any order of this run: a replay applies the commands of each run
        # under that run's setting, whatever the configuration says by then.
        self.core.submit(SetSelfTradePrevention(s.matching.self_trade_prevention,
                                                dict(s.matching.stp_by_account), self._clock()))
        self._cancel_orders_of_absent_counterparties()
        if s.matching.end_of_day is not None:
            self.core.schedule_end_of_day(next_time_of_day(s.matching.end_of_day, self._clock()))
        self._acceptor.start()
        logger.info("listening on port {} for {} as {} (QuickFIX settings in {})",
                    s.acceptor.port, ", ".join(s.counterparties), s.acceptor.comp_id, cfg_path)
        python = [name for name, yes in native.running_compiled().items() if not yes]
        if python:
            logger.warning("core not compiled ({} run as pure Python, several times slower): "
                           "build it with `python3 -m pip install .`", ", ".join(python))

    def _catch_up_end_of_day(self, last_ns: int | None) -> None:
        """Run each end of day that passed while the gateway was down, before anyone logs
        on: DAY orders expire (their owners get the reports at their next logon) and a new
        day begins, as if the gateway had been up. Each is stamped with its own time, and
        each counts as a day: a ClOrdID is remembered for a resend the day after its own."""
        at = self.settings.matching.end_of_day
        if at is None or last_ns is None:
            return
        missed = next_time_of_day(at, last_ns)  # the first end of day after the journal's last
        now = self._clock()
        while missed <= now:
            logger.warning("end of day {:%H:%M} UTC of {} passed while the gateway was down: "
                           "DAY orders expire and a new day begins now", at,
                           time.strftime("%Y-%m-%d", time.gmtime(missed // 10**9)))
            self.core.submit(EndOfDay(missed))
            self.core.submit(NewDay(missed))
            missed = next_time_of_day(at, missed)

    def stop(self) -> None:
        """Log sessions out, let the core finish what is queued, close the logs. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._acceptor is not None:
            # Log out first and answer the disconnect cancels while the sessions still
            # exist: QuickFIX stores those reports and resends them at the next logon.
            self.application.logout_all("gateway shutting down", timeout=5.0)
            if self.core.failed is None:
                self.call(lambda: None)
            self._acceptor.stop()
            # Released now, not by the garbage collector later: QuickFIX's session registry
            # is process-wide (see tests/fixclient.py).
            self._acceptor = None
            self._fix_store = None
        self.core.stop()
        self._snapshot_at_stop()
        self.store.close()
        self.message_log.close()
        logger.info("gateway stopped")

    def _snapshot_at_stop(self) -> None:
        """The last snapshot, so that the next start replays nothing; never in the way of
        the stop (the journal has everything a snapshot would)."""
        if self.core.running:  # still busy after its stop timeout: the state is moving
            logger.error("core still running at stop: no snapshot taken")
            return
        try:
            self.snapshots.finish()
            if self.core.failed is None and self.store.last_seq > self.snapshots.recorded_seq:
                self.snapshots.write_now(self.state, self.store.last_seq, self._clock())
        except Exception as exc:  # noqa: BLE001 (e.g. a full disk; the journal is whole)
            logger.error("snapshot at stop not taken: {}", exc)

    def _configure(self, references: dict[str, int]) -> None:
        """Configuration is the YAML's, also after a snapshot (which holds the settings of its
        day): limits and reference prices from the settings, then the live limit changes
        journaled since the beginning, again in order. Self-trade prevention, which changes
        what the journal replays to, is set by a journaled command at start()."""
        s, risk = self.settings, self.state.risk
        risk.replace_limits(s.risk)
        for symbol, ticks in references.items():
            risk.set_reference_price(symbol, ticks)
        for cmd in self.store.admin_commands():
            if isinstance(cmd, SetLimit):
                try:
                    apply(self.state, cmd)
                except ValueError as error:  # e.g. its account left the configuration
                    logger.warning("live limit change {} no longer applies: {}", cmd, error)

    def _ask_again_for_unprocessed(self, received: dict[str, int]) -> None:
        """QuickFIX counts a message as received before the core has it, so a crash can
        leave messages counted but never made durable: those after the last number the store
        recorded for the session. The session is set to expect that one again, so that at
        logon QuickFIX asks the counterparty to resend them (ResendRequest; they come back
        with PossDupFlag=Y, and an order among them the core has is answered, not executed
        again). Sequence numbers reset since (a new FIX day, a logon with 141=Y) are below
        the record: nothing is asked for then."""
        for owner, seq_num in received.items():
            session_id = self.application.sessions.get(owner)
            session = fix.Session.lookupSession(session_id) if session_id is not None else None
            if session is None:
                continue
            expected = session.getExpectedTargetNum()
            if seq_num + 1 < expected:
                logger.bind(session=owner).warning(
                    "messages {}..{} from {} were received but not processed before the "
                    "gateway stopped: asking for them again at logon", seq_num + 1,
                    expected - 1, owner)
                session.setNextTargetMsgSeqNum(seq_num + 1)
                self.application.asked_again[owner] = (seq_num + 1, expected - 1)

    def _resend_undelivered(self, undelivered: list[object]) -> None:
        """Answers journaled after the last delivery mark (a crash between commit and send)
        go out again, first, flagged PossResend=Y: the counterparty may have them already
        and recognises them by ExecID. Offline sessions get them as a FIX resend."""
        if not undelivered:
            return
        logger.warning("re-sending {} answers journaled after the last delivery mark",
                       len(undelivered))

        def resend() -> None:
            self._deliver(undelivered, poss_resend=True)
            self.store.mark_delivered()

        self.call(resend)

    def _cancel_orders_of_absent_counterparties(self) -> None:
        """After a restart no session is logged on: orders recovered for a counterparty with
        cancel-on-disconnect are cancelled, as if its session had just dropped."""
        for cp in self.settings.counterparties.values():
            if cp.cancel_on_disconnect and any(self.engine.live_orders(cp.comp_id)):
                self.core.submit(MassCancel(cp.comp_id, "", self._clock(),
                                            reason=EndReason.DISCONNECT))

    def _snapshot_if_due(self) -> None:
        """On the core thread, between batches: the state is consistent. The snapshot is
        written by a child process (gateway/snapshots.py); one still being written when the
        next is due delays that one."""
        self.snapshots.poll()
        seq = self.store.last_seq
        if (seq - self._snapshot_seq >= self.settings.database.snapshot_every
                and not self.snapshots.busy):
            self.snapshots.start(self.state, seq, self._clock())
            self._snapshot_seq = seq

    # -- live controls (until the admin command line exists, tests and ops call these) -------

    def set_trading_state(self, scope: TradingScope, state: TradingState, reason: str,
                          cancel_resting: bool = False) -> list:
        """Kill switch for everything, an instrument or an account; journaled and logged.
        With `cancel_resting`, a halt also cancels the scope's resting orders."""
        events = self.core.submit_and_wait(SetTradingState(scope, state, reason, self._clock()))
        if cancel_resting and state is TradingState.HALTED:
            for cancel in RiskEngine.halt_cancels(scope, self._clock()):
                events += self.core.submit_and_wait(cancel)
        return events

    def halt(self, scope: TradingScope = _EVERYTHING, reason: str = "operator",
             cancel_resting: bool = False) -> list:
        return self.set_trading_state(scope, TradingState.HALTED, reason, cancel_resting)

    def resume(self, scope: TradingScope = _EVERYTHING, reason: str = "operator") -> list:
        return self.set_trading_state(scope, TradingState.ACTIVE, reason)

    def set_limit(self, name: str, value: Decimal | int | frozenset[str] | None, *,
                  account: str | None = None, symbol: str | None = None,
                  account_defaults: bool = False) -> list:
        """Change one risk limit without a restart (ValueError for an unknown limit or a
        wrong value, and nothing changes)."""
        return self.core.submit_and_wait(SetLimit(name, value, self._clock(), account, symbol,
                                                  account_defaults))

    def end_of_day(self, symbol: str | None = None) -> None:
        """Expire DAY orders now (all instruments, or one), reporting each to its owner; for
        all instruments a new trading day begins (matching/commands.py NewDay)."""
        now = self._clock()
        self.core.submit(EndOfDay(now, symbol))
        if symbol is None:
            self.core.submit(NewDay(now))
        self.call(lambda: None)  # returns once it has been processed and answered

    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run `fn` on the core thread and return its result (admin controls, tests)."""
        return self.core.call(fn).result(timeout)

    # -- answers (on the core thread, after the batch is durable) ------------------------------

    def _deliver(self, answers: list[object], poss_resend: bool = False) -> None:
        for answer in answers:
            owner = _owner(answer)
            decisions.log(answer, owner or "-", self.instruments)
            if owner is None:
                continue
            session_id = self.application.sessions.get(owner)
            if session_id is None:
                continue
            if isinstance(answer, Logout):
                self.application.log_out(owner, answer.text)
                continue
            try:
                for message in self._encode(answer, self._begin_strings[owner]):
                    if poss_resend:
                        message.getHeader().setField(tags.PossResend, values.FIX_YES)
                    fix.Session.sendToTarget(message, session_id)
            except Exception:  # one undeliverable answer must not stop the core
                logger.bind(session=owner).exception("could not send {}",
                                                     type(answer).__name__)

    def _encode(self, answer: object, begin_string: str) -> list[fix.Message]:
        enc = self.encoder
        if isinstance(answer, StatusReply):
            q = answer.query
            # FIX 4.4: OrdStatusReqID is required on the answer when the request had one
            extra = {tags.OrdStatusReqID: q.request_id} if q.request_id is not None else None
            if answer.report is None:
                return [enc.unknown_order_status(q.cl_ord_id, None, q.symbol, q.side,
                                                 begin_string, q.ts_ns, extra)]
            return [enc.execution_report(answer.report, begin_string, extra)]
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
            # No order to report: one ER saying so (Side is required; the request has none).
            return [self.encoder.unknown_order_status(
                values.ID_NONE, None, q.symbol or values.ID_NONE,
                values.SIDE_TO_FIX[Side.BUY], begin_string, q.ts_ns, extra, "no live orders")]
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


def next_time_of_day(at: time_of_day, now_ns: int) -> int:
    """The next moment (ns, UTC) the clock shows `at`, strictly after `now_ns`."""
    now = datetime.fromtimestamp(now_ns // 1_000_000_000, tz=timezone.utc)
    candidate = datetime.combine(now.date(), at, tzinfo=timezone.utc)
    if candidate <= now:
        candidate += timedelta(days=1)
    return int(candidate.timestamp()) * 1_000_000_000
