"""A counterparty for tests: a real QuickFIX initiator with the stock dictionary.

It logs on with Username/Password, sends what a test builds, and records every message it
receives as a dict of tag -> value, so tests read the wire as a counterparty would.
"""

from __future__ import annotations

import itertools
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import quickfix as fix

from fixspec import tags

STOCK_DICTIONARIES = Path(sys.prefix) / "share" / "quickfix"
_ids = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(raw: str) -> dict[int, str]:
    """Wire text -> {tag: value}; for a repeated tag the first value wins."""
    out: dict[int, str] = {}
    for field in raw.split("\x01"):
        tag, sep, value = field.partition("=")
        if sep and tag.isdigit():
            out.setdefault(int(tag), value)
    return out


class _App(fix.Application):
    def __init__(self, client: FixClient) -> None:
        super().__init__()
        self.client = client

    def onCreate(self, session_id):
        self.client.session_id = session_id

    def onLogon(self, session_id):
        self.client.logged_on.set()
        self.client.logged_out.clear()

    def onLogout(self, session_id):
        self.client.logged_on.clear()
        self.client.logged_out.set()

    def toAdmin(self, message, session_id):
        try:
            header = message.getHeader()
            if header.getField(tags.MsgType) == tags.MSG_Logon and self.client.password:
                message.setField(tags.Username, self.client.username)
                message.setField(tags.Password, self.client.password)
        except Exception as exc:  # never let an exception reach QuickFIX
            self.client.errors.append(exc)

    def fromAdmin(self, message, session_id):
        self.client.admin.put(parse(message.toString()))

    def toApp(self, message, session_id):
        pass

    def fromApp(self, message, session_id):
        self.client.inbox.put(parse(message.toString()))


class FixClient:
    """One counterparty session to the gateway on 127.0.0.1:`port`."""

    def __init__(self, port: int, workdir: Path, sender: str = "CLIENT1",
                 password: str | None = "client1-demo", target: str = "GATEWAY",
                 begin_string: str = "FIX.4.4", username: str | None = None,
                 extra_settings: dict[str, str] | None = None) -> None:
        self.sender, self.password, self.username = sender, password, username or sender
        self.begin_string = begin_string
        self.inbox: queue.Queue[dict[int, str]] = queue.Queue()
        self.admin: queue.Queue[dict[int, str]] = queue.Queue()
        self.logged_on, self.logged_out = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.session_id: fix.SessionID | None = None
        store = workdir / f"client-{sender}"
        store.mkdir(parents=True, exist_ok=True)
        dictionary = STOCK_DICTIONARIES / (begin_string.replace(".", "") + ".xml")
        lines = [
            "[DEFAULT]", "ConnectionType=initiator", "ReconnectInterval=1",
            f"FileStorePath={store}", "StartTime=00:00:00", "EndTime=00:00:00",
            "HeartBtInt=30", "UseDataDictionary=Y", f"DataDictionary={dictionary}",
            "TimestampPrecision=3",
            "", "[SESSION]", f"BeginString={begin_string}", f"SenderCompID={sender}",
            f"TargetCompID={target}", "SocketConnectHost=127.0.0.1", f"SocketConnectPort={port}",
        ]
        lines += [f"{k}={v}" for k, v in (extra_settings or {}).items()]
        self._settings = fix.SessionSettings()
        self._settings.setFromString("\n".join(lines) + "\n")
        self._initiator: fix.SocketInitiator | None = None

    # -- session -------------------------------------------------------------------------

    def start(self, wait: bool = True, timeout: float = 10.0) -> FixClient:
        """Start the initiator and wait for the Logon. After `stop()` this is a reconnect:
        a new initiator on the same file store, so sequence numbers carry on."""
        self.logged_on.clear()
        if self._initiator is None:
            self._app = _App(self)
            self._store = fix.FileStoreFactory(self._settings)
            self._initiator = fix.SocketInitiator(self._app, self._store, self._settings)
        self._initiator.start()
        if wait and not self.logged_on.wait(timeout):
            raise TimeoutError(f"{self.sender} did not log on")
        return self

    def logout(self, timeout: float = 5.0) -> None:
        """Send Logout and wait for the session to end (QuickFIX acts on its 1 s timer)."""
        session = fix.Session.lookupSession(self.session_id)
        session.logout()
        if not self.logged_out.wait(timeout):
            raise TimeoutError(f"{self.sender} did not log out")

    def logon(self, timeout: float = 10.0) -> None:
        """Log on again after `logout()` (the initiator is still running)."""
        self.logged_on.clear()
        fix.Session.lookupSession(self.session_id).logon()
        if not self.logged_on.wait(timeout):
            raise TimeoutError(f"{self.sender} did not log on again")

    def stop(self) -> None:
        """Stop the initiator (~1 s) and release its QuickFIX objects at once.

        Released here, not whenever the garbage collector gets to them: QuickFIX keeps a
        process-wide session registry, and a late destructor would unregister a newer session
        with the same SessionID (seen as SessionNotFound and segfaults in the next test).
        """
        if self._initiator is not None:
            self._initiator.stop(True)
            self._initiator = None
            self._store = None
            self._app = None

    def drop(self) -> None:
        """Close the TCP connection without a Logout: to the gateway a dropped session.
        The initiator reconnects by itself after ReconnectInterval (1 s): wait on
        `logged_on` for that."""
        self.logged_on.clear()
        fix.Session.lookupSession(self.session_id).disconnect()

    def logout_text(self, timeout: float = 5.0) -> str | None:
        """The Text of the next Logout the gateway sends us, if any."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                msg = self.admin.get(timeout=0.1)
            except queue.Empty:
                continue
            if msg.get(tags.MsgType) == tags.MSG_Logout:
                return msg.get(tags.Text, "")
        return None

    # -- sending -------------------------------------------------------------------------

    def message(self, msg_type: str, fields: dict[int, str],
                header: dict[int, str] | None = None) -> fix.Message:
        msg = fix.Message()
        msg.getHeader().setField(tags.BeginString, self.begin_string)
        msg.getHeader().setField(tags.MsgType, msg_type)
        for tag, value in (header or {}).items():
            msg.getHeader().setField(tag, value)
        for tag, value in fields.items():
            msg.setField(tag, value)
        return msg

    def send(self, msg_type: str, fields: dict[int, str],
             header: dict[int, str] | None = None) -> None:
        if not fix.Session.sendToTarget(self.message(msg_type, fields, header),
                                        self.session_id):
            raise RuntimeError("send failed")

    def send_raw(self, message: fix.Message) -> None:
        fix.Session.sendToTarget(message, self.session_id)

    def new_order(self, symbol: str, side: str, qty: str, price: str | None = None,
                  cl_ord_id: str | None = None, ord_type: str = "2", tif: str | None = "1",
                  header: dict[int, str] | None = None, **extra: str) -> str:
        """Send a NewOrderSingle (limit GTC by default); returns its ClOrdID.

        `extra` names further fields by tag name (StopPx="...", ExecInst="6");
        `tif=None` leaves TimeInForce out."""
        cl = cl_ord_id or f"{self.sender}-{next(_ids)}"
        fields = {tags.ClOrdID: cl, tags.Symbol: symbol, tags.Side: side,
                  tags.OrderQty: qty, tags.OrdType: ord_type, tags.TransactTime: _now()}
        if tif is not None:
            fields[tags.TimeInForce] = tif
        if self.begin_string == "FIX.4.2":
            fields[tags.HandlInst] = "1"
        if price is not None:
            fields[tags.Price] = price
        fields.update({getattr(tags, k): v for k, v in extra.items()})
        self.send(tags.MSG_NewOrderSingle, fields, header)
        return cl

    def cancel(self, orig_cl_ord_id: str | None, symbol: str, side: str,
               order_id: str | None = None, cl_ord_id: str | None = None,
               header: dict[int, str] | None = None) -> str:
        cl = cl_ord_id or f"{self.sender}-{next(_ids)}"
        fields = {tags.ClOrdID: cl, tags.Symbol: symbol, tags.Side: side,
                  tags.TransactTime: _now()}
        if orig_cl_ord_id is not None:
            fields[tags.OrigClOrdID] = orig_cl_ord_id
        if order_id is not None:
            fields[tags.OrderID] = order_id
        self.send(tags.MSG_OrderCancelRequest, fields, header)
        return cl

    def replace(self, orig_cl_ord_id: str | None, symbol: str, side: str, qty: str,
                price: str | None, order_id: str | None = None, ord_type: str = "2",
                cl_ord_id: str | None = None, header: dict[int, str] | None = None,
                **extra: str) -> str:
        cl = cl_ord_id or f"{self.sender}-{next(_ids)}"
        fields = {tags.ClOrdID: cl, tags.Symbol: symbol, tags.Side: side,
                  tags.OrderQty: qty, tags.OrdType: ord_type, tags.TransactTime: _now()}
        if orig_cl_ord_id is not None:
            fields[tags.OrigClOrdID] = orig_cl_ord_id
        if price is not None:
            fields[tags.Price] = price
        if self.begin_string == "FIX.4.2":
            fields[tags.HandlInst] = "1"
        if order_id is not None:
            fields[tags.OrderID] = order_id
        fields.update({getattr(tags, k): v for k, v in extra.items()})
        self.send(tags.MSG_OrderCancelReplaceRequest, fields, header)
        return cl

    def status(self, cl_ord_id: str, symbol: str, side: str,
               order_id: str | None = None, request_id: str | None = None) -> None:
        """Send an OrderStatusRequest (35=H)."""
        fields = {tags.ClOrdID: cl_ord_id, tags.Symbol: symbol, tags.Side: side}
        if order_id is not None:
            fields[tags.OrderID] = order_id
        if request_id is not None:
            fields[tags.OrdStatusReqID] = request_id
        self.send(tags.MSG_OrderStatusRequest, fields)

    def mass_cancel(self, request_type: str, symbol: str | None = None,
                    cl_ord_id: str | None = None, header: dict[int, str] | None = None) -> str:
        """Send an OrderMassCancelRequest (35=q); returns its ClOrdID."""
        cl = cl_ord_id or f"{self.sender}-{next(_ids)}"
        fields = {tags.ClOrdID: cl, tags.MassCancelRequestType: request_type,
                  tags.TransactTime: _now()}
        if symbol is not None:
            fields[tags.Symbol] = symbol
        self.send(tags.MSG_OrderMassCancelRequest, fields, header)
        return cl

    def mass_status(self, request_type: str, symbol: str | None = None) -> str:
        """Send an OrderMassStatusRequest (35=AF); returns its MassStatusReqID."""
        req = f"{self.sender}-{next(_ids)}"
        fields = {tags.MassStatusReqID: req, tags.MassStatusReqType: request_type}
        if symbol is not None:
            fields[tags.Symbol] = symbol
        self.send(tags.MSG_OrderMassStatusRequest, fields)
        return req

    # -- receiving -----------------------------------------------------------------------

    def next(self, timeout: float = 5.0) -> dict[int, str]:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.sender}: no message within {timeout}s") from None

    def expect(self, match: Callable[[dict[int, str]], bool] | None = None,
               timeout: float = 5.0, **fields: str) -> dict[int, str]:
        """The next received message; it must match `fields` (by tag name) and `match`."""
        msg = self.next(timeout)
        for name, value in fields.items():
            tag = getattr(tags, name)
            assert msg.get(tag) == value, f"{name}={msg.get(tag)!r}, expected {value!r}: {msg}"
        if match is not None:
            assert match(msg), msg
        return msg

    def expect_admin(self, msg_type: str, timeout: float = 5.0) -> dict[int, str]:
        """The next session-level message of `msg_type`, skipping others (Heartbeat...)."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                msg = self.admin.get(timeout=left)
            except queue.Empty:
                break
            if msg.get(tags.MsgType) == msg_type:
                return msg
        raise TimeoutError(f"{self.sender}: no 35={msg_type} within {timeout}s")

    def until_done(self, cl_ord_id: str, timeout: float = 5.0) -> list[dict[int, str]]:
        """The ExecutionReports of one order up to the one that ends it (OrdStatus 2, 4, C
        or 8), without its New report: an order that trades or ends on arrival may skip
        the New report, but if there is one it must come first. Other messages are
        not expected meanwhile."""
        out = []
        while True:
            msg = self.next(timeout)
            assert msg.get(tags.ClOrdID) == cl_ord_id, msg
            if msg[tags.ExecType] == "0":
                assert not out, f"New report after other reports: {msg}"
            else:
                out.append(msg)
            if msg[tags.OrdStatus] in ("2", "4", "C", "8"):
                return out

    def sync(self, timeout: float = 5.0) -> list[dict[int, str]]:
        """Everything received before the answer to a status request sent now.

        The gateway answers one session in order, so this waits for all earlier answers
        without sleeping; the marker's own answer (150=I, 39=8) is not returned."""
        marker = f"SYNC-{next(_ids)}"
        self.status(marker, "BTC-USD", "1")
        out = []
        while True:
            msg = self.next(timeout)
            if msg.get(tags.ClOrdID) == marker:
                return out
            out.append(msg)

    def drain(self, quiet: float = 0.3) -> list[dict[int, str]]:
        """Everything received until nothing arrives for `quiet` seconds."""
        out = []
        while True:
            try:
                out.append(self.inbox.get(timeout=quiet))
            except queue.Empty:
                return out


def _now() -> str:
    return time.strftime("%Y%m%d-%H:%M:%S.000", time.gmtime())
