import pytest

from fixspec import DICTIONARY, FIX42_XML, FIX44_XML, generate, tags


def test_tags_py_is_up_to_date_with_the_dictionaries():
    expected = generate.render(FIX44_XML, (FIX42_XML,))
    assert generate.TAGS_PY.read_text(encoding="utf-8") == expected, (
        "fixspec/tags.py is stale: run `python -m fixspec.generate`")


def test_render_is_deterministic():
    assert generate.render() == generate.render()


def test_tags_carry_dictionary_names_and_fix42_only_fields():
    assert (tags.ClOrdID, tags.OrdStatus, tags.ExecInst, tags.MaxFloor) == (11, 39, 18, 111)
    assert (tags.Username, tags.Password, tags.MassCancelRequestType) == (553, 554, 530)
    assert tags.ExecTransType == 20  # FIX 4.2 only
    assert tags.IDSource == tags.SecurityIDSource == 22  # FIX 4.2 alias of a renamed field
    assert (tags.MSG_NewOrderSingle, tags.MSG_OrderMassCancelRequest) == ("D", "q")


@pytest.mark.parametrize("begin_string", sorted(DICTIONARY))
def test_dictionary_loads_in_quickfix(begin_string):
    fix = pytest.importorskip("quickfix", reason="quickfix is not installed")
    dd = fix.DataDictionary(str(DICTIONARY[begin_string]))
    assert dd.getVersion() == begin_string
    assert dd.isMsgField("A", tags.Username) and dd.isMsgField("A", tags.Password)


def test_fix44_dictionary_has_the_values_the_gateway_sends():
    fix = pytest.importorskip("quickfix", reason="quickfix is not installed")
    dd = fix.DataDictionary(str(FIX44_XML))
    assert dd.isFieldValue(tags.ExecType, "D") and not dd.isFieldValue(tags.ExecType, "L")
    assert dd.isFieldValue(tags.ExecInst, "6") and dd.isFieldValue(tags.ExecInst, "E")
