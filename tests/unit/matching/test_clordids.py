"""The day's ClOrdID index: exact answers per owner, through growth, fingerprint collisions
and a snapshot."""

from __future__ import annotations

import pickle

from matching.clordids import ClOrdIds


def test_an_added_pair_is_found_and_an_absent_one_is_not() -> None:
    index = ClOrdIds()

    index.add("A", "1", "first")
    index.prefetch("A", "1")  # a hint only: it changes no answer
    index.prefetch("A", "2")

    assert index.get("A", "1") == "first"
    assert index.get("A", "2") is None
    assert len(index) == 1


def test_the_same_clordid_of_two_owners_names_two_values() -> None:
    index = ClOrdIds()

    index.add("A", "x", "a's")
    index.add("B", "x", "b's")

    assert (index.get("A", "x"), index.get("B", "x"), index.get("C", "x")) == (
        "a's", "b's", None)


def test_owner_and_clordid_are_not_interchangeable() -> None:
    index = ClOrdIds()

    index.add("A", "B", 1)

    assert index.get("B", "A") is None


def test_every_pair_survives_the_table_growing_many_times() -> None:
    # 300,000 keys: the table doubles about nine times, and among that many keys some share
    # the 32-bit fingerprint (about ten pairs expected), so a fingerprint match must not be
    # taken for a key match.
    index = ClOrdIds()
    n = 300_000

    for i in range(n):
        index.add("W", str(i), i)

    assert len(index) == n
    assert all(index.get("W", str(i)) == i for i in range(n))
    assert all(index.get("W", f"{i}x") is None for i in range(0, n, 7))
    assert index.get("V", "17") is None


def test_a_pickled_index_is_restored_with_the_same_answers_and_keeps_growing() -> None:
    index = ClOrdIds()
    for i in range(5_000):
        index.add(f"O{i % 3}", f"c{i}", i)

    restored = pickle.loads(pickle.dumps(index))
    restored.add("O0", "new", -1)

    assert len(restored) == 5_001
    assert all(restored.get(f"O{i % 3}", f"c{i}") == i for i in range(5_000))
    assert restored.get("O1", "c0") is None
    assert restored.get("O0", "new") == -1
    assert index.get("O0", "new") is None
