"""The FIX message log masks secrets, and what would give them away."""

from __future__ import annotations

from gateway.messagelog import masked

SOH = "\x01"


def test_a_logon_line_hides_the_password_its_length_and_its_checksum() -> None:
    raw = SOH.join(["8=FIX.4.4", "9=85", "35=A", "553=CLIENT1", "554=client1-demo", "10=123", ""])

    line = masked(raw)

    assert line == "8=FIX.4.4|9=***|35=A|553=CLIENT1|554=***|10=***|"


def test_a_message_without_a_secret_is_logged_as_it_came() -> None:
    raw = SOH.join(["8=FIX.4.4", "9=5", "35=0", "10=001", ""])

    assert masked(raw) == "8=FIX.4.4|9=5|35=0|10=001|"
