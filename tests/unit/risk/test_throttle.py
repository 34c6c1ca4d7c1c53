"""The per-session token bucket, with explicit times."""

from __future__ import annotations

import pytest

from matching.reasons import RejectReason
from risk.limits import ThrottleLimits
from risk.throttle import Throttle

MS = 1_000_000  # ns


def _admitted(throttle: Throttle, n: int, now_ns: int, session: str = "S1") -> int:
    return sum(throttle.admit(session, False, now_ns).denial is None for _ in range(n))


@pytest.mark.parametrize(("burst_sent", "admitted"), [(4, 4), (5, 5), (6, 5)])
def test_burst_passes_up_to_the_bucket_size(burst_sent, admitted) -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=5))

    assert _admitted(throttle, burst_sent, 0) == admitted


def test_excess_order_is_denied_with_a_reason() -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=1))
    throttle.admit("S1", False, 0)

    admission = throttle.admit("S1", False, 0)

    assert admission.denial is not None
    assert admission.denial.reason is RejectReason.RISK_THROTTLED
    assert not admission.logout


@pytest.mark.parametrize(("elapsed_ns", "admitted"), [
    (100 * MS - 1, 0), (100 * MS, 1), (200 * MS - 1, 1), (200 * MS, 2),
])
def test_bucket_refills_at_the_rate(elapsed_ns, admitted) -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=5))  # one token per 100 ms
    _admitted(throttle, 5, 0)

    assert _admitted(throttle, 3, elapsed_ns) == admitted


def test_refill_stops_at_the_bucket_size() -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=5))
    _admitted(throttle, 5, 0)

    assert _admitted(throttle, 10, 3600 * 1000 * MS) == 5


def test_cancels_always_pass_and_take_a_token_when_there_is_one() -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=2))

    assert throttle.admit("S1", True, 0).denial is None  # took a token
    assert _admitted(throttle, 2, 0) == 1
    assert all(throttle.admit("S1", True, 0).denial is None for _ in range(100))


def test_sessions_have_their_own_buckets() -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=2))
    _admitted(throttle, 2, 0, "S1")

    assert _admitted(throttle, 2, 0, "S2") == 2


def test_clock_going_back_refills_nothing() -> None:
    throttle = Throttle(ThrottleLimits(rate=10, burst=1))
    _admitted(throttle, 1, 10 * MS)

    assert _admitted(throttle, 1, 0) == 0


@pytest.mark.parametrize(("denials", "logout"), [(2, False), (3, True)])
def test_sustained_abuse_logs_the_session_out(denials, logout) -> None:
    throttle = Throttle(ThrottleLimits(rate=1, burst=1, logout_after=3,
                                       logout_window_ns=1000 * MS))
    throttle.admit("S1", False, 0)

    answers = [throttle.admit("S1", False, 10 * MS * i) for i in range(denials)]

    assert answers[-1].logout is logout
    assert all(a.denial is not None for a in answers)


def test_denials_outside_the_window_do_not_count() -> None:
    throttle = Throttle(ThrottleLimits(rate=1, burst=1, logout_after=2,
                                       logout_window_ns=100 * MS))
    throttle.admit("S1", False, 0)
    throttle.admit("S1", False, 0)  # denial 1 at t=0

    assert not throttle.admit("S1", False, 100 * MS).logout  # t=0 is out of the window
    assert throttle.admit("S1", False, 150 * MS).logout


def test_logout_is_off_without_logout_after() -> None:
    throttle = Throttle(ThrottleLimits(rate=1, burst=1))

    assert not any(throttle.admit("S1", False, 0).logout for _ in range(10_000))


def test_no_throttle_configured_admits_everything() -> None:
    throttle = Throttle(None)

    assert _admitted(throttle, 10_000, 0) == 10_000


def test_forgotten_session_starts_with_a_full_bucket() -> None:
    throttle = Throttle(ThrottleLimits(rate=1, burst=3))
    _admitted(throttle, 3, 0)

    throttle.forget("S1")

    assert _admitted(throttle, 3, 0) == 3


def test_a_long_silence_refills_to_the_burst_without_overflowing() -> None:
    throttle = Throttle(ThrottleLimits(rate=1_000_000_000, burst=1_000_000_000))
    throttle.admit("S1", False, 0)

    # elapsed x rate would be about 4.6e27 nano-tokens: the bucket is simply full
    assert throttle.admit("S1", False, 2**62).denial is None
    assert throttle.admit("S1", False, 2**62 + 1).denial is None


@pytest.mark.parametrize("limits", [ThrottleLimits(rate=10**9 + 1, burst=5),
                                    ThrottleLimits(rate=5, burst=10**9 + 1),
                                    ThrottleLimits(rate=0, burst=5)])
def test_a_rate_or_burst_out_of_range_is_refused(limits) -> None:
    with pytest.raises(ValueError, match="rate and burst must be 1..1000000000"):
        Throttle(limits)
