"""The name map of the order path: the same answers as a dict, whether the name looked up
is the filed string itself or an equal copy, through growth, removal and a snapshot."""

from __future__ import annotations

import pickle

import pytest

from matching.names import Names


def _copy(text: str) -> str:
    """An equal string that is another object."""
    return text.encode().decode()


def test_a_name_is_found_as_the_filed_string_and_as_an_equal_copy() -> None:
    names = Names({"BTC-USD": 1})
    copy = _copy("BTC-USD")

    assert copy is not "BTC-USD"  # noqa: F632 (the point: another object)
    assert (names.get("BTC-USD"), names.get(copy), names["BTC-USD"]) == (1, 1, 1)


def test_an_absent_name_gives_the_default() -> None:
    names = Names({"a": 1})

    assert names.get("b") is None
    assert names.get("b", "none") == "none"
    assert names.get("") is None
    assert names.get(None, "none") == "none"
    with pytest.raises(KeyError):
        names["b"]
    with pytest.raises(KeyError):
        names[1]  # type: ignore[index]


def test_every_name_stays_found_as_the_map_grows() -> None:
    names = Names()
    for i in range(1000):
        names[f"ACCOUNT{i}"] = i

    assert len(names) == 1000
    assert all(names.get(_copy(f"ACCOUNT{i}")) == i for i in range(1000))
    assert names.get("ACCOUNT1000") is None


def test_filing_a_name_again_replaces_its_value() -> None:
    names = Names({"a": 1, "b": 2})

    names["a"] = 3

    assert (names.get("a"), names.get("b"), len(names)) == (3, 2, 2)


def test_a_removed_name_is_gone_and_the_others_stay() -> None:
    names = Names({f"S{i}": i for i in range(50)})

    assert names.pop("S7") == 7
    assert names.pop("S7", "gone") == "gone"
    assert names.get("S7") is None
    assert "S7" not in names
    assert all(names.get(f"S{i}") == i for i in range(50) if i != 7)

    names.clear()
    assert (len(names), names.get("S1")) == (0, None)


def test_it_reads_as_a_mapping_in_filing_order() -> None:
    names = Names({"b": 2, "a": 1})

    assert list(names) == ["b", "a"]
    assert list(names.keys()) == ["b", "a"]
    assert list(names.values()) == [2, 1]
    assert list(names.items()) == [("b", 2), ("a", 1)]
    assert "a" in names and 1 not in names
    assert sorted(names) == ["a", "b"]


def test_only_strings_are_names() -> None:
    names = Names()

    with pytest.raises(TypeError):
        names[1] = "x"  # type: ignore[index]
    assert len(names) == 0


def test_a_snapshot_files_every_name_again() -> None:
    names = Names({f"N{i}": [i] for i in range(20)})

    restored = pickle.loads(pickle.dumps(names))

    assert all(restored.get(_copy(f"N{i}")) == [i] for i in range(20))
    assert list(restored.items()) == list(names.items())
