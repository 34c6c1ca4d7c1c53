from fixspec import tags
from fixspec.errors import BadValue, DecodeError, MissingField
from matching.reasons import RejectReason


def test_decode_errors_carry_tag_and_reason():
    err = BadValue(tags.Side, "'9' is not a supported Side")
    assert isinstance(err, DecodeError) and isinstance(err, ValueError)
    assert (err.tag, err.reason) == (54, RejectReason.GW_BAD_VALUE)
    missing = MissingField(tags.Price, "required for a limit order")
    assert missing.reason is RejectReason.GW_MISSING_FIELD
