"""Every FIX message in and out, one line each, per session, with secrets masked.

QuickFIX's own file log would write Logon passwords in clear, so the acceptor logs messages
here from its callbacks instead. Audit material, not ops logs: ops read the loguru log.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

import quickfix as fix
from loguru import logger

from fixspec import tags

_SECRET_TAGS = (tags.Password, tags.NewPassword)
# A message that carries a secret also hides its length and checksum, which would give away
# the secret's length and the sum of its bytes.
_MASKED_TAGS = (*_SECRET_TAGS, tags.BodyLength, tags.CheckSum)
_SOH = "\x01"


_SECRET_MARKS = tuple(f"{_SOH}{tag}=" for tag in _SECRET_TAGS)


def masked(raw: str) -> str:
    """The wire text with '|' for SOH and, in a message with a secret field, the value of
    that field, BodyLength and CheckSum replaced by ***."""
    if not any(mark in raw for mark in _SECRET_MARKS):  # nearly every message
        return raw.replace(_SOH, "|")
    fields = raw.split(_SOH)
    for i, field in enumerate(fields):
        tag, sep, _ = field.partition("=")
        if sep and tag.isdigit() and int(tag) in _MASKED_TAGS:
            fields[i] = f"{tag}=***"
    return "|".join(fields)


class MessageLog:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._dir = directory
        self._files: dict[str, object] = {}
        self._lock = threading.Lock()

    def _write(self, session_id: fix.SessionID, direction: str, message: fix.Message) -> None:
        """One line; a failure to write it is reported, never raised: the message is still
        processed (what was executed is in the journal, whatever this file holds)."""
        name = session_id.toString().replace(":", "-").replace(">", "")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")
        line = f"{stamp} {direction} {masked(message.toString())}\n"
        try:
            with self._lock:
                f = self._files.get(name)
                if f is None:
                    # A byte that was not UTF-8 on the wire arrives as a lone surrogate
                    # (see acceptor._wire): written as an escape, not refused.
                    f = self._files[name] = open(self._dir / f"{name}.messages.log", "a",
                                                 encoding="utf-8", errors="backslashreplace")
                f.write(line)
                f.flush()
        except OSError as error:
            logger.bind(session=name).error("message log not written: {}", error)

    def inbound(self, session_id: fix.SessionID, message: fix.Message) -> None:
        self._write(session_id, "IN ", message)

    def outbound(self, session_id: fix.SessionID, message: fix.Message) -> None:
        self._write(session_id, "OUT", message)

    def close(self) -> None:
        with self._lock:
            for f in self._files.values():
                f.close()
            self._files.clear()
