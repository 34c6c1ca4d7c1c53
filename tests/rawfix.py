"""A counterparty that writes FIX bytes itself, for what a QuickFIX client cannot send: a
field that is not valid UTF-8, as a careless or hostile peer may, a message repeated under
an old number, or silence where QuickFIX would answer a ResendRequest. Framing (BodyLength,
CheckSum), sequence numbers and a Logon are done here; nothing else of the session layer."""

from __future__ import annotations

import socket
import time

SOH = b"\x01"


class RawFix:
    def __init__(self, port: int, sender: str = "CLIENT1", target: str = "GATEWAY") -> None:
        self.sender, self.target = sender.encode(), target.encode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.seq = 0
        self._buffer = b""

    def send(self, msg_type: bytes, fields: list[tuple[int, bytes]]) -> None:
        self.seq += 1
        stamp = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime()).encode() + b".000"
        body = b"".join([
            b"35=" + msg_type + SOH, b"34=%d" % self.seq + SOH, b"49=" + self.sender + SOH,
            b"52=" + stamp + SOH, b"56=" + self.target + SOH,
            *(b"%d=" % tag + value + SOH for tag, value in fields)])
        head = b"8=FIX.4.4" + SOH + b"9=%d" % len(body) + SOH
        message = head + body
        self.sock.sendall(message + b"10=%03d" % (sum(message) % 256) + SOH)

    def logon(self, username: bytes, password: bytes, reset: bool = True) -> None:
        """Log on; with `reset`, both sides start again at 1, else the session goes on from
        `seq` (set it to the last number sent)."""
        self.send(b"A", [(98, b"0"), (108, b"30"), *([(141, b"Y")] if reset else []),
                         (553, username), (554, password)])

    def receive(self, timeout: float = 10.0) -> dict[int, bytes] | None:
        """The next message as {tag: value} (first value of a repeated tag); None once the
        peer has closed the connection."""
        end = time.monotonic() + timeout
        while True:
            message = self._take()
            if message is not None:
                return message
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self._buffer += chunk

    def expect(self, msg_type: bytes, timeout: float = 10.0) -> dict[int, bytes]:
        """The next message of `msg_type`, skipping others (heartbeats, say)."""
        end = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.01, end - time.monotonic()))
            if message is None:
                raise ConnectionError(f"closed before a 35={msg_type.decode()} came")
            if message.get(35) == msg_type:
                return message

    def close(self) -> None:
        self.sock.close()

    def _take(self) -> dict[int, bytes] | None:
        end = self._buffer.find(SOH + b"10=")
        if end < 0 or self._buffer.find(SOH, end + 1) < 0:
            return None
        stop = self._buffer.find(SOH, end + 1) + 1
        raw, self._buffer = self._buffer[:stop], self._buffer[stop:]
        out: dict[int, bytes] = {}
        for field in raw.split(SOH):
            tag, sep, value = field.partition(b"=")
            if sep and tag.isdigit():
                out.setdefault(int(tag), value)
        return out
