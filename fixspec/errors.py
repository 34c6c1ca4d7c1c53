"""Bad wire input, one tag at a time: the decoder raises these, the gateway maps them.

The gateway answers MissingField, UnknownSecurity and NotOffered with a BusinessMessageReject
(380=5, 380=2, 380=0) and BadValue with a session Reject (quickfix.IncorrectTagValue, 373=5);
nothing here imports quickfix. Business refusals are events, not these.
"""

from __future__ import annotations

from matching.reasons import RejectReason


class DecodeError(ValueError):
    """A field of an incoming message cannot be turned into a command."""

    reason = RejectReason.GW_BAD_VALUE

    def __init__(self, tag: int, message: str) -> None:
        super().__init__(f"tag {tag}: {message}")
        self.tag = tag
        self.message = message


class MissingField(DecodeError):
    """A required or conditionally required field is absent."""

    reason = RejectReason.GW_MISSING_FIELD


class BadValue(DecodeError):
    """A field is present but its value is malformed or not one we support."""

    reason = RejectReason.GW_BAD_VALUE


class UnknownSecurity(DecodeError):
    """A request names a Symbol that is not configured, where no business answer of its own
    can say so (mass status): BusinessMessageReject 380=2."""

    reason = RejectReason.GW_UNKNOWN_SYMBOL


class NotOffered(DecodeError):
    """A field has a value FIX defines but the gateway does not offer, where no business
    answer of its own can say so (mass status): BusinessMessageReject 380=0, with the
    decoder's Text. A value FIX does not define at all is a BadValue."""

    reason = RejectReason.GW_UNSUPPORTED
