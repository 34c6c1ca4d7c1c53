"""The QuickFIX Application of the acceptor: authenticate, decode, hand over, and answer.

Thin by design. Each callback parses and hands a command to the core loop; it never decides
and never blocks. No exception may escape a callback (in the Python binding that ends the
process), so each has one catch-all that logs and answers with a reject.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping

import quickfix as fix
from loguru import logger

from config.settings import CounterpartySettings
from fixspec import tags, values
from fixspec.errors import DecodeError, MissingField, NotOffered, UnknownSecurity
from gateway import decode
from gateway.core_loop import CoreLoop, Received
from gateway.decode import Party
from gateway.messagelog import MessageLog, masked
from matching.commands import MassCancel
from matching.model import Instrument
from matching.reasons import EndReason

# QuickFIX's own exceptions: raising them from a callback is how we ask QuickFIX to answer
# with a session Reject (3) or a BusinessMessageReject (j).
_FIX_ANSWERS = (fix.FieldNotFound, fix.IncorrectTagValue, fix.IncorrectDataFormat,
                fix.UnsupportedMessageType, fix.RejectLogon, fix.DoNotSend)

# The decode errors we answer ourselves, with a BusinessMessageReject and the decoder's Text;
# any other is a session Reject QuickFIX words (see fixspec/errors.py).
_BUSINESS_REJECT_REASON = {
    MissingField: values.BUSINESS_REJECT_CONDITIONALLY_REQUIRED_MISSING,
    UnknownSecurity: values.BUSINESS_REJECT_UNKNOWN_SECURITY,
    NotOffered: values.BUSINESS_REJECT_OTHER,
}


def owner_of(session_id: fix.SessionID) -> str:
    """The counterparty behind a session: its CompID (our TargetCompID)."""
    return session_id.getTargetCompID().getValue()


def _counted(session_id: fix.SessionID) -> int | None:
    """The last MsgSeqNum QuickFIX has counted received from the session (its next
    expected one less one); None if the session is gone."""
    session = fix.Session.lookupSession(session_id)
    return None if session is None else session.getExpectedTargetNum() - 1


def _wire(text: str) -> bytes:
    """A field's bytes as they came: QuickFIX decodes a value that is not UTF-8 into lone
    surrogates, which a plain encode() refuses."""
    return text.encode("utf-8", "surrogateescape")


def _fix_exception(error: DecodeError) -> Exception:
    """The session Reject (3, 373=5) QuickFIX sends for a value we cannot take."""
    return fix.IncorrectTagValue(error.tag)


class Acceptor(fix.Application):
    def __init__(self, counterparties: Mapping[str, CounterpartySettings],
                 instruments: Mapping[str, Instrument], core: CoreLoop,
                 message_log: MessageLog, clock: Callable[[], int] = time.time_ns) -> None:
        super().__init__()
        self._counterparties = counterparties
        self._instruments = instruments
        self._core = core
        self._log = message_log
        self._clock = clock
        self.sessions: dict[str, fix.SessionID] = {}  # owner -> session, for answers
        # owner -> (first, last) MsgSeqNum asked for again after a crash (gateway/app.py
        # `_ask_again_for_unprocessed`), until the session's count has passed them
        self.asked_again: dict[str, tuple[int, int]] = {}
        self._logged_on: set[str] = set()
        # Sessions we logged out that may log on again once the logout is through (not so
        # at shutdown): QuickFIX's Session.logout also disables the session for logons.
        self._may_return: set[str] = set()
        self._changed = threading.Condition()
        self._parties = {
            cp.comp_id: Party(cp.comp_id, cp.accounts, cp.begin_string)
            for cp in counterparties.values()
        }
        self._handlers: dict[str, Callable[[fix.Message, Party, int], object]] = {
            tags.MSG_NewOrderSingle: lambda m, p, t: decode.decode_new_order(
                m, p, self._instruments, t),
            tags.MSG_OrderCancelRequest: decode.decode_cancel,
            tags.MSG_OrderCancelReplaceRequest: lambda m, p, t: decode.decode_replace(
                m, p, self._instruments, t),
            tags.MSG_OrderStatusRequest: decode.decode_status,
            tags.MSG_OrderMassCancelRequest: lambda m, p, t: decode.decode_mass_cancel(
                m, p, self._instruments, t),
            tags.MSG_OrderMassStatusRequest: lambda m, p, t: decode.decode_mass_status(
                m, p, self._instruments, t),
        }

    # -- session events --------------------------------------------------------------------

    def onCreate(self, session_id: fix.SessionID) -> None:
        self.sessions[owner_of(session_id)] = session_id

    def onLogon(self, session_id: fix.SessionID) -> None:
        try:
            owner = owner_of(session_id)
            with self._changed:
                self._logged_on.add(owner)
            logger.bind(session=owner).info("logon {}", session_id.toString())
        except Exception:
            logger.exception("onLogon failed")

    def onLogout(self, session_id: fix.SessionID) -> None:
        try:
            owner = owner_of(session_id)
            with self._changed:
                self._logged_on.discard(owner)
                self._changed.notify_all()
            logger.bind(session=owner).info("logout {}", session_id.toString())
            with self._changed:
                may_return = owner in self._may_return
                self._may_return.discard(owner)
            if may_return:
                session = fix.Session.lookupSession(session_id)
                if session is not None:
                    session.logon()  # for an acceptor: enabled for the next Logon
            settings = self._counterparties.get(owner)
            if settings is not None and settings.cancel_on_disconnect:
                self._core.submit(MassCancel(owner, "", self._clock(),
                                             reason=EndReason.DISCONNECT))
        except Exception:
            logger.exception("onLogout failed")

    def log_out(self, owner: str, text: str) -> None:
        """End `owner`'s session with a Logout stating `text`; it may log on again (the
        throttle's logout of an abusive session, which is not a ban)."""
        session_id = self.sessions.get(owner)
        session = fix.Session.lookupSession(session_id) if session_id is not None else None
        if session is None:
            return
        with self._changed:
            self._may_return.add(owner)
        session.logout(text)

    def logout_all(self, text: str, timeout: float) -> None:
        """Send Logout on every session and wait (up to `timeout`) until all have ended."""
        with self._changed:
            owners = list(self._logged_on)
        for owner in owners:
            session = fix.Session.lookupSession(self.sessions[owner])
            if session is not None:
                session.logout(text)
        with self._changed:
            self._changed.wait_for(lambda: not self._logged_on, timeout)

    # -- admin messages ----------------------------------------------------------------------

    def toAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        try:
            self._log.outbound(session_id, message)
            if message.getHeader().getField(tags.MsgType) == tags.MSG_Reject:
                # A message QuickFIX refused itself never reaches fromApp. Refused in
                # sequence, QuickFIX has counted it by now, and it is handled all the same;
                # refused out of sequence (a repeated old one, say) it moves nothing.
                counted = _counted(session_id)
                if counted is not None:
                    self._received(session_id, counted)
        except Exception:
            logger.exception("toAdmin failed")

    def fromAdmin(self, message: fix.Message, session_id: fix.SessionID) -> None:
        is_logon = False
        try:
            self._log.inbound(session_id, message)
            header = message.getHeader()
            msg_type = header.getField(tags.MsgType)
            self._received_admin(message, session_id, msg_type)
            is_logon = msg_type == tags.MSG_Logon
            if is_logon:
                self._authenticate(message, session_id)
        except _FIX_ANSWERS:
            raise
        except Exception:
            logger.exception("fromAdmin failed")
            if is_logon:  # a logon we could not check is refused; any other admin message
                raise fix.RejectLogon("logon could not be processed") from None
            # (heartbeat, test request, resend request) QuickFIX goes on to process

    def _received_admin(self, message: fix.Message, session_id: fix.SessionID,
                        msg_type: str) -> None:
        """Mark what a session message leaves counted (see `_received`). Only a message
        in sequence moves the count: QuickFIX also hands over a Logon or ResendRequest
        beyond it (the counterparty is ahead of us: QuickFIX asks for the gap first), and
        those numbers are not received until the gap is filled. A SequenceReset moves the
        count on to its NewSeqNo, never back (QuickFIX refuses that)."""
        counted = _counted(session_id)
        if counted is None:
            return
        seq_num = int(message.getHeader().getField(tags.MsgSeqNum))
        if msg_type == tags.MSG_SequenceReset and message.isSetField(tags.NewSeqNo):
            new_seq_num = int(message.getField(tags.NewSeqNo))
            if self.asked_again:
                self._gap_filled(owner_of(session_id), seq_num, new_seq_num)
            self._received(session_id, max(new_seq_num - 1, counted))
        elif seq_num == counted + 1:
            self._received(session_id, seq_num)
        else:
            self._received(session_id, counted)

    def _gap_filled(self, owner: str, seq_num: int, new_seq_num: int) -> None:
        """Say so when the counterparty answers our asking again for messages it sent
        before a crash with a gap fill: they were never executed, and it may not know."""
        asked = self.asked_again.get(owner)
        if asked is None:
            return
        first, last = max(asked[0], seq_num), min(asked[1], new_seq_num - 1)
        if first <= last:
            logger.bind(session=owner).warning(
                "messages {}..{} from {}, asked for again after the gateway stopped, were "
                "gap-filled by the counterparty: not executed", first, last, owner)

    def _authenticate(self, message: fix.Message, session_id: fix.SessionID) -> None:
        owner = owner_of(session_id)
        settings = self._counterparties.get(owner)
        if settings is None:
            raise fix.RejectLogon("unknown counterparty")
        if not settings.authenticate:
            return
        username = message.getField(tags.Username) if message.isSetField(tags.Username) else ""
        password = message.getField(tags.Password) if message.isSetField(tags.Password) else ""
        expected = (settings.password or "").encode()
        # Constant-time compare; the same answer for a wrong user and a wrong password.
        # A field that was not UTF-8 on the wire holds surrogates: compared as its bytes.
        good = hmac.compare_digest(_wire(username), owner.encode()) & hmac.compare_digest(
            _wire(password), expected)
        if not good:
            logger.bind(session=owner).warning("logon refused: bad credentials")
            raise fix.RejectLogon("invalid username or password")

    # -- application messages ----------------------------------------------------------------

    def toApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        try:
            self._log.outbound(session_id, message)
        except Exception:
            logger.exception("toApp failed")

    def _received(self, session_id: fix.SessionID, seq_num: int, item: object = None) -> None:
        """Message `seq_num` of the session has been handled, and became `item` for the core
        (None: nothing, or what it became is submitted already). The core records the
        number in the commit that makes the item durable. A crash leaves the numbers QuickFIX
        counted beyond the record to be asked for again (gateway/app.py
        `_ask_again_for_unprocessed`); so every message QuickFIX counts is recorded here:
        application messages, session messages, and those it refused."""
        owner = owner_of(session_id)
        if self.asked_again:
            asked = self.asked_again.get(owner)
            if asked is not None and seq_num >= asked[1]:
                del self.asked_again[owner]  # all come again or gap-filled
        self._core.submit(Received(owner, seq_num, item))

    def fromApp(self, message: fix.Message, session_id: fix.SessionID) -> None:
        seq_num: int | None = None  # set back to None once the mark is submitted
        try:
            self._log.inbound(session_id, message)
            header = message.getHeader()
            msg_type = header.getField(tags.MsgType)
            seq_num = int(header.getField(tags.MsgSeqNum))
            handler = self._handlers.get(msg_type)
            if handler is None:
                self._business_reject(message, session_id,
                                      values.BUSINESS_REJECT_UNSUPPORTED_MSG_TYPE,
                                      f"unsupported message type {msg_type}")
                return
            party = self._parties[owner_of(session_id)]
            try:
                item = handler(message, party, self._clock())
            except DecodeError as error:
                logger.bind(session=party.owner).info("refused {}: {}", msg_type, error)
                reason = _BUSINESS_REJECT_REASON.get(type(error))
                if reason is not None:  # ours to say
                    self._business_reject(message, session_id, reason,
                                          f"{error.message} (tag {error.tag})")
                    return
                raise _fix_exception(error) from None
            self._received(session_id, seq_num, item)  # one piece: see `_received`
            seq_num = None
        except _FIX_ANSWERS:
            raise
        except Exception:
            logger.exception("fromApp failed on {}", masked(message.toString()))
            self._business_reject(message, session_id)
        finally:
            if seq_num is not None:  # refused or answered here: nothing for the core
                self._received(session_id, seq_num)

    def _business_reject(self, message: fix.Message, session_id: fix.SessionID,
                         reason: int = values.BUSINESS_REJECT_OTHER,
                         text: str = "message could not be processed") -> None:
        """Answer a message with BusinessMessageReject (j), naming its business ID (379)."""
        try:
            reject = fix.Message()
            reject.getHeader().setField(tags.MsgType, tags.MSG_BusinessMessageReject)
            header = message.getHeader()
            msg_type = header.getField(tags.MsgType)
            reject.setField(tags.RefSeqNum, header.getField(tags.MsgSeqNum))
            reject.setField(tags.RefMsgType, msg_type)
            id_tag = values.BUSINESS_ID_TAG.get(msg_type)
            if id_tag is not None and message.isSetField(id_tag):
                reject.setField(tags.BusinessRejectRefID, message.getField(id_tag))
            reject.setField(tags.BusinessRejectReason, str(reason))
            reject.setField(tags.Text, text)
            fix.Session.sendToTarget(reject, session_id)
        except Exception:
            logger.exception("could not send BusinessMessageReject")
