"""kill -9 in the middle of a stream of orders, crosses, cancels and replaces from two
counterparties; restart on the same data; nothing acknowledged is lost, nothing doubled."""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest

from fixspec import tags
from tests.fixclient import FixClient, free_port
from tests.integration.conftest import write_config
from tests.rawfix import RawFix
from tests.service import GatewayProcess

pytestmark = pytest.mark.timeout(120)

LIVE = {"0", "1"}
REPORTED = (tags.OrderID, tags.OrdStatus, tags.CumQty, tags.AvgPx, tags.LeavesQty,
            tags.LastQty, tags.LastPx)


class Ledger:
    """What one counterparty has been told, by ExecID (resends recognised as such)."""

    def __init__(self) -> None:
        self.by_exec: dict[str, dict[int, str]] = {}
        self.orders: dict[str, dict[int, str]] = {}  # OrderID -> report with highest ExecID
        self.unflagged_repeats: list[dict[int, str]] = []

    def take(self, msg: dict[int, str]) -> None:
        if msg.get(tags.MsgType) != "8" or msg.get(tags.ExecType) == "I":
            return
        exec_id = msg[tags.ExecID]
        seen = self.by_exec.get(exec_id)
        if seen is not None:
            assert all(seen.get(t) == msg.get(t) for t in REPORTED), (seen, msg)
            if msg.get(tags.PossDupFlag) != "Y" and msg.get(tags.PossResend) != "Y":
                self.unflagged_repeats.append(msg)
            return
        self.by_exec[exec_id] = msg
        order_id = msg[tags.OrderID]
        last = self.orders.get(order_id)
        if order_id != "NONE" and (last is None or int(exec_id) > int(last[tags.ExecID])):
            self.orders[order_id] = msg

    def drain(self, client: FixClient, quiet: float = 1.0) -> None:
        for msg in client.drain(quiet):
            self.take(msg)

    def max_exec_id(self) -> int:
        return max((int(e) for e in self.by_exec), default=0)


def _stream(rng: random.Random, client: FixClient, sent: list[tuple[str, str]],
            n: int) -> None:
    """n messages: mostly resting and crossing limit orders, some cancels and replaces (of
    any ClOrdID sent before, with the order's side). `sent` holds (ClOrdID, side)."""
    for _ in range(n):
        roll = rng.random()
        if roll < 0.6 or not sent:
            px = 60000 + rng.randint(-5, 5)
            side = rng.choice("12")
            cl = client.new_order("BTC-USD", side, f"0.0{rng.randint(1, 9)}", str(px))
            sent.append((cl, side))
        elif roll < 0.8:
            orig, side = rng.choice(sent)
            client.cancel(orig, "BTC-USD", side)
        else:
            orig, side = rng.choice(sent)
            cl = client.replace(orig, "BTC-USD", side, f"0.0{rng.randint(1, 9)}",
                                str(60000 + rng.randint(-5, 5)))
            sent.append((cl, side))


def test_kill_9_mid_stream_loses_nothing_acknowledged(tmp_path):
    _crash_and_recover(tmp_path)


def test_kill_9_mid_stream_on_postgresql_loses_nothing_acknowledged(tmp_path, postgres_url):
    _crash_and_recover(tmp_path, **{"database.url": postgres_url})


def test_kill_9_while_snapshots_are_taken_restarts_from_one_and_loses_nothing(tmp_path):
    # Snapshots forked every 5 journal entries while the stream runs; the restart loads
    # the newest complete one and replays the journal after it.
    _crash_and_recover(tmp_path, **{"database.snapshot_every": 5})


def test_orders_received_but_not_yet_journaled_at_a_crash_are_asked_for_again(tmp_path):
    """QuickFIX counts a message before the core has journaled it. The journal's commit is
    held up (another connection holds the database's write lock), two orders arrive, the
    gateway is killed: at the next logon it asks for them again (ResendRequest), and they
    come back as possible duplicates and are executed, once each."""
    gateway, port = _gateway_keeping_orders(tmp_path)
    client = FixClient(port, tmp_path, "CLIENT1", "client1-demo").start()
    lock = sqlite3.connect(tmp_path / "var" / "gateway.db", isolation_level=None, timeout=5)
    try:
        first = client.new_order("BTC-USD", "1", "0.01", "59000")
        client.expect(ClOrdID=first, ExecType="0")
        lock.execute("BEGIN EXCLUSIVE")
        held = [client.new_order("BTC-USD", "1", "0.01", "59000") for _ in range(2)]
        time.sleep(0.5)  # received and counted; the core waits for the database
        gateway.signal(signal.SIGKILL)
        assert gateway.wait(10) == -signal.SIGKILL
        lock.execute("ROLLBACK")
        unanswered = client.drain(0.3)

        gateway.start()
        assert client.logged_on.wait(15)
        answers = client.drain(1.5)

        assert not [m for m in unanswered if m.get(tags.ClOrdID) in held]
        # (The first order's acknowledgement may come again, flagged as a resend: the
        # delivery mark after it was to be written with the batch the lock held up.)
        acks = [m for m in answers if m.get(tags.ExecType) == "0"
                and m.get(tags.PossResend) != "Y"]
        assert sorted(m[tags.ClOrdID] for m in acks) == sorted(held)
        for cl in [first, *held]:
            client.send(tags.MSG_OrderStatusRequest, {
                tags.ClOrdID: cl, tags.Symbol: "BTC-USD", tags.Side: "1"})
            assert client.expect(ExecType="I")[tags.OrdStatus] == "0"
        assert len({m[tags.OrderID] for m in acks}) == 2
        warning = gateway.wait_for_line("asking for them again")
        assert "messages 3..4 from CLIENT1 were received but not processed" in warning
    finally:
        lock.close()
        client.stop()
        gateway.stop()


def _crash_and_recover(tmp_path, **settings):
    port = free_port()
    # CLIENT2's orders survive disconnects, CLIENT1's are cancelled on disconnect.
    config = write_config(tmp_path, port, **{
        "counterparties.CLIENT2.cancel_on_disconnect": False, **settings})
    gateway = GatewayProcess(config, tmp_path / "gateway.out").start()
    c1 = FixClient(port, tmp_path, "CLIENT1", "client1-demo").start()
    c2 = FixClient(port, tmp_path, "CLIENT2", "client2-demo").start()
    ledgers = {c1: Ledger(), c2: Ledger()}
    try:
        # One CLIENT2 order below every price of the stream: it must survive the crash.
        anchor = c2.new_order("BTC-USD", "1", "0.01", "59000")
        ledgers[c2].take(c2.expect(ClOrdID=anchor, ExecType="0"))
        rng, sent = random.Random(20261122), {c1: [], c2: []}
        for round_ in range(6):
            if round_ == 3 and "database.snapshot_every" in settings:
                # one snapshot written in the background and recorded before the crash
                gateway.wait_for_line("by process")
            for client in (c1, c2):
                _stream(rng, client, sent[client], 40)
        time.sleep(0.05)  # let some of it be in flight, not all answered

        gateway.signal(signal.SIGKILL)
        assert gateway.wait(10) == -signal.SIGKILL
        for client, ledger in ledgers.items():
            ledger.drain(client, quiet=0.5)
        before = {client: (ledger.max_exec_id(), dict(ledger.orders))
                  for client, ledger in ledgers.items()}
        max_order_id = max(int(o) for _, orders in before.values() for o in orders)

        gateway.start()  # same data; the clients log on again by themselves
        if "database.snapshot_every" in settings:
            recovered = gateway.wait_for_line("recovered: snapshot at")
            assert "snapshot at none" not in recovered, recovered
        assert c1.logged_on.wait(15) and c2.logged_on.wait(15)
        for client, ledger in ledgers.items():
            ledger.drain(client, quiet=1.5)

        for client, ledger in ledgers.items():
            assert not ledger.unflagged_repeats, "a report was sent again without resend flag"
            _, orders_before = before[client]
            assert orders_before, "the stream produced no acknowledged order"
            for order_id, last in orders_before.items():
                now = ledger.orders[order_id]  # after resends and disconnect cancels
                for how in ("ClOrdID", "OrderID"):
                    fields = {tags.ClOrdID: now[tags.ClOrdID], tags.Symbol: "BTC-USD",
                              tags.Side: now[tags.Side]}
                    if how == "OrderID":
                        fields[tags.OrderID] = order_id
                    client.send(tags.MSG_OrderStatusRequest, fields)
                    status = client.expect(ExecType="I", timeout=5)
                    assert status[tags.OrderID] == order_id
                    assert status[tags.OrdStatus] == now[tags.OrdStatus]
                    assert status[tags.CumQty] == now[tags.CumQty]
                    assert status[tags.AvgPx] == now[tags.AvgPx]
                # What it was told before the crash still holds, except that a live order
                # may since have been cancelled on disconnect, which it was told.
                if now[tags.ExecID] != last[tags.ExecID]:
                    assert last[tags.OrdStatus] in LIVE or now[tags.CumQty] == last[tags.CumQty]
                    assert Decimal(now[tags.CumQty]) >= Decimal(last[tags.CumQty])
            fills = [m for m in ledger.by_exec.values() if m[tags.ExecType] == "F"]
            for order_id, report in ledger.orders.items():
                filled = sum(Decimal(m[tags.LastQty]) for m in fills
                             if m[tags.OrderID] == order_id)
                assert filled == Decimal(report[tags.CumQty]), order_id

        # Trading goes on, against CLIENT2's orders that survived, with fresh ids. CLIENT1's
        # own QuickFIX resent what was in flight at the crash: clear that away first.
        c1.send(tags.MSG_OrderMassCancelRequest, {
            tags.ClOrdID: "clear", tags.MassCancelRequestType: "7",
            tags.TransactTime: time.strftime("%Y%m%d-%H:%M:%S", time.gmtime())})
        while c1.next()[tags.MsgType] != tags.MSG_OrderMassCancelReport:
            pass
        survivors = [r for r in ledgers[c2].orders.values() if r[tags.OrdStatus] in LIVE]
        assert anchor in {r[tags.ClOrdID] for r in survivors}
        side = survivors[0][tags.Side]
        best = (max if side == "1" else min)(Decimal(r[tags.Price]) for r in survivors
                                             if r[tags.Side] == side)
        cl = c1.new_order("BTC-USD", "2" if side == "1" else "1", "0.0001", str(best),
                          tif="3")
        ack = c1.expect(ClOrdID=cl)
        assert int(ack[tags.OrderID]) > max_order_id
        assert int(ack[tags.ExecID]) > max(m for m, _ in before.values())
        fill = c1.expect(ClOrdID=cl, ExecType="F")
        assert Decimal(fill[tags.LastPx]) == best
        maker = c2.expect(ExecType="F")
        assert maker[tags.OrderID] in {r[tags.OrderID] for r in survivors}
    finally:
        c1.stop()
        c2.stop()
        gateway.stop()


def _gateway_keeping_orders(tmp_path) -> tuple[GatewayProcess, int]:
    """A gateway whose CLIENT1 orders outlive a disconnect, started; and its port."""
    port = free_port()
    config = write_config(tmp_path, port, **{
        "counterparties.CLIENT1.cancel_on_disconnect": False})
    return GatewayProcess(config, tmp_path / "gateway.out").start(), port


def _log_on_beyond_the_gap(port: int) -> RawFix:
    """CLIENT1 logs on at 5, after the crash of `_crash_with_two_orders_unjournaled`: the
    gateway asks for 3 onwards (ResendRequest), which this counterparty leaves to the test."""
    raw = RawFix(port)
    raw.seq = 4
    raw.logon(b"CLIENT1", b"client1-demo", reset=False)
    raw.expect(b"A")
    assert raw.expect(b"2")[tags.BeginSeqNo] == b"3"
    return raw


def _order(raw: RawFix, cl_ord_id: str, header: list[tuple[int, bytes]] | None = None) -> None:
    raw.send(b"D", [*(header or []), (tags.ClOrdID, cl_ord_id.encode()),
                    (tags.Symbol, b"BTC-USD"), (tags.Side, b"1"), (tags.OrderQty, b"0.01"),
                    (tags.OrdType, b"2"), (tags.Price, b"59000"),
                    (tags.TimeInForce, b"1"), (tags.TransactTime, b"20260101-00:00:00")])


def _crash_with_two_orders_unjournaled(tmp_path, gateway: GatewayProcess, port: int) -> None:
    """CLIENT1 (raw) logs on afresh, has one order acknowledged (2), then two more (3, 4)
    received while the journal's commit is held up; kill -9."""
    raw = RawFix(port)
    raw.logon(b"CLIENT1", b"client1-demo")
    raw.expect(b"A")
    _order(raw, "first")
    raw.expect(b"8")
    try:
        with _killed_with_the_journal_held(tmp_path, gateway):
            _order(raw, "held1")
            _order(raw, "held2")
    finally:
        raw.close()


@contextmanager
def _killed_with_the_journal_held(tmp_path, gateway: GatewayProcess) -> Iterator[None]:
    """Hold the database's write lock over the block: what arrives then is received and
    counted by QuickFIX, and waits in the core for the database. Then kill -9."""
    lock = sqlite3.connect(tmp_path / "var" / "gateway.db", isolation_level=None, timeout=5)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        yield
        time.sleep(0.5)
        gateway.signal(signal.SIGKILL)
        assert gateway.wait(10) == -signal.SIGKILL
        lock.execute("ROLLBACK")
    finally:
        lock.close()


def test_a_logon_ahead_of_the_messages_asked_for_again_does_not_mark_them_received(tmp_path):
    """After a crash the gateway asks for 3..4 again. The counterparty logs on at 5, beyond
    them: QuickFIX asks for the gap (ResendRequest), and the Logon's number is not received
    until the gap is filled. 3 comes again and is counted, but a second crash comes before
    it is journaled: it is asked for again still, not passed over as if the Logon's 5 had
    been received."""
    gateway, port = _gateway_keeping_orders(tmp_path)
    try:
        _crash_with_two_orders_unjournaled(tmp_path, gateway, port)
        gateway.start()
        assert "messages 3..4 from CLIENT1" in gateway.wait_for_line("asking for them again")
        raw = _log_on_beyond_the_gap(port)
        try:
            time.sleep(0.5)  # what the Logon marks is committed by now
            with _killed_with_the_journal_held(tmp_path, gateway):
                raw.seq = 2
                _order(raw, "held1", header=[
                    (tags.PossDupFlag, b"Y"), (tags.OrigSendingTime, b"20260101-00:00:00.000")])
        finally:
            raw.close()

        gateway.start()

        assert "messages 3..3 from CLIENT1" in gateway.wait_for_line("asking for them again")
    finally:
        gateway.stop()


def test_a_repeated_old_message_refused_by_quickfix_does_not_take_the_mark_back(tmp_path):
    """A message repeated under an old number with PossDupFlag but no OrigSendingTime is
    refused by QuickFIX (Reject, RefSeqNum the old number), which counts nothing: after a
    crash, nothing after it is asked for again (and so executed twice)."""
    gateway, port = _gateway_keeping_orders(tmp_path)
    raw = RawFix(port)
    try:
        raw.logon(b"CLIENT1", b"client1-demo")
        raw.expect(b"A")
        _order(raw, "first")  # 2
        raw.expect(b"8")
        _order(raw, "second")  # 3
        raw.expect(b"8")
        raw.seq = 1
        _order(raw, "first", header=[(tags.PossDupFlag, b"Y")])  # 2 again
        assert raw.expect(b"3")[tags.RefSeqNum] == b"2"
        time.sleep(0.5)  # what the Reject marks is committed by now
        gateway.signal(signal.SIGKILL)
        assert gateway.wait(10) == -signal.SIGKILL

        gateway.start()
        time.sleep(0.5)

        assert "asking for them again" not in gateway.text()
    finally:
        raw.close()
        gateway.stop()


def test_messages_asked_for_again_that_the_counterparty_gap_fills_are_logged(tmp_path):
    gateway, port = _gateway_keeping_orders(tmp_path)
    try:
        _crash_with_two_orders_unjournaled(tmp_path, gateway, port)
        gateway.start()
        raw = _log_on_beyond_the_gap(port)
        try:
            raw.seq = 2
            raw.send(b"4", [(tags.PossDupFlag, b"Y"),
                            (tags.OrigSendingTime, b"20260101-00:00:00.000"),
                            (tags.GapFillFlag, b"Y"), (tags.NewSeqNo, b"6")])

            line = gateway.wait_for_line("gap-filled")
        finally:
            raw.close()

        assert "messages 3..4 from CLIENT1, asked for again" in line
    finally:
        gateway.stop()
