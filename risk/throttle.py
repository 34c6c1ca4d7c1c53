"""Message throttle: one token bucket per session, in exact integers, time passed in.

Tokens are counted in nano-tokens: a second refills `rate` tokens, i.e. `rate` nano-tokens
per nanosecond, so no division and no float. A new session starts with a full bucket.
Cancels take a token when there is one (they are messages too) but are never denied.
This module keeps no clock and logs nothing; the caller logs a session out when told to.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cython

from matching.names import Names
from matching.reasons import RejectReason
from risk.checks import Denial
from risk.limits import ThrottleLimits

_TOKEN = 1_000_000_000  # nano-tokens per token (one second of refill at 1 message/s)
MAX_THROTTLE = 1_000_000_000  # the largest rate and burst: nano-tokens stay within 63 bits


@dataclass(frozen=True, slots=True)
class Admission:
    """The throttle's answer for one message: denied (with why) and/or log the session out."""

    denial: Denial | None = None
    logout: bool = False


ADMITTED = Admission()
_ADMITTED = ADMITTED  # compiled: a C global, read without a module lookup


@dataclass(eq=False)
class _Bucket:
    nano_tokens: int
    last_ns: int
    denials: deque[int] = field(default_factory=deque)  # times of recent denials


class Throttle:
    """Token buckets per session under one ThrottleLimits (replaceable while running)."""

    def __init__(self, limits: ThrottleLimits | None) -> None:
        self._buckets: Names = Names()  # by session (matching/names.py)
        self.set_limits(limits)

    @property
    def limits(self) -> ThrottleLimits | None:
        return self._limits

    def set_limits(self, limits: ThrottleLimits | None) -> None:
        """New rate/burst apply from the next message; a bucket above the new burst is cut."""
        if limits is not None and not (0 < limits.rate <= MAX_THROTTLE
                                       and 0 < limits.burst <= MAX_THROTTLE):
            raise ValueError(f"throttle rate and burst must be 1..{MAX_THROTTLE}: {limits}")
        self._limits = limits
        # admit's integers, computed once here rather than on every message
        self._rate = limits.rate if limits is not None else 0
        self._cap = limits.burst * _TOKEN if limits is not None else 0
        # A silence longer than this refills any bucket (elapsed x rate > cap); one as long
        # or shorter adds at most cap, so the sum stays within 63 bits (both at most 10^18).
        self._fill_ns = self._cap // self._rate if limits is not None else 0

    def forget(self, session: str) -> None:
        """Drop a session's bucket (after logout): it starts full when it comes back."""
        self._buckets.pop(session, None)

    @cython.overflowcheck(True)
    def admit(self, session: str, is_cancel: bool, now_ns: int) -> Admission:
        lim = self._limits
        if lim is None:
            return _ADMITTED
        cap = self._cap
        bucket = self._buckets.get(session)
        if bucket is None:
            bucket = self._buckets[session] = _Bucket(cap, now_ns)
        # the token count in a local, stored back once (fewer attribute loads and stores)
        tokens = bucket.nano_tokens
        if now_ns > bucket.last_ns:  # a clock going back refills nothing
            # tokens + elapsed * rate, capped below, without forming a product beyond the
            # cap (compiled, these are 64-bit integers; a long silence must not overflow them)
            elapsed = now_ns - bucket.last_ns
            if elapsed > self._fill_ns:
                tokens = cap
            else:
                tokens += elapsed * self._rate
            bucket.last_ns = now_ns
        if tokens > cap:  # the refill's excess, or a bucket above a lowered burst
            tokens = cap
        if tokens >= _TOKEN:
            bucket.nano_tokens = tokens - _TOKEN
            return _ADMITTED
        bucket.nano_tokens = tokens
        if is_cancel:
            return _ADMITTED
        return self._deny(session, bucket, lim, now_ns)

    @staticmethod
    def _deny(session: str, bucket: _Bucket, lim: ThrottleLimits, now_ns: int) -> Admission:
        denial = Denial(RejectReason.RISK_THROTTLED,
                        f"session {session} exceeds {lim.rate} messages per second "
                        f"(burst {lim.burst})")
        if lim.logout_after is None:
            return Admission(denial)
        times = bucket.denials
        times.append(now_ns)
        while times and times[0] <= now_ns - lim.logout_window_ns:
            times.popleft()
        if len(times) < lim.logout_after:
            return Admission(denial)
        times.clear()  # one logout per episode
        return Admission(denial, logout=True)
