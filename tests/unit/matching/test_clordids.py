"""The day's ClOrdID index: exact answers per owner, through growth, fingerprint collisions
and a snapshot."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from types import ModuleType

import pytest

from matching import clordids
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


def test_every_pair_is_found_after_every_add_while_the_table_grows_in_steps() -> None:
    # The table grows a share per add: between the add that starts a growth and the one
    # that completes it, two tables are in play. Asked after every add, every pair filed so
    # far (a sample, and all of them now and then) and no pair that is not must answer
    # right, through several growths.
    index = ClOrdIds()
    filed: list[tuple[str, str, int]] = []

    for i in range(40_000):
        owner, cl_ord_id = f"O{i % 3}", f"k{i * 7919 % 100_003}"
        assert index.get(owner, cl_ord_id) is None
        index.add(owner, cl_ord_id, i)
        filed.append((owner, cl_ord_id, i))
        for owner_, cl_ord_id_, value in (filed[-1], filed[i // 2], filed[i * 31 % len(filed)]):
            assert index.get(owner_, cl_ord_id_) == value
        assert index.get(owner, cl_ord_id + "-") is None
        if i % 4_999 == 0:
            assert all(index.get(o, c) == v for o, c, v in filed)

    assert len(index) == len(filed)
    assert list(index.items()) == filed


def _python_clordids(clear_per_add: int, copy_per_add: int) -> ModuleType:
    """matching/clordids.py run as Python, a module of its own, with growth's shares set:
    the compiled build's constants cannot be changed."""
    source = Path(clordids.__file__).with_name("clordids.py")  # beside the build, if any
    spec = importlib.util.spec_from_file_location("clordids_as_python", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._CLEAR_PER_ADD, module._COPY_PER_ADD = clear_per_add, copy_per_add
    return module


@pytest.mark.parametrize(("clear_per_add", "copy_per_add"), [(1, 1), (1 << 20, 1), (64, 8)],
                         ids=["finished-at-once-while-clearing", "finished-at-once-while-copying",
                              "finished-in-its-shares"])
def test_a_growth_files_every_entry_exactly_once_however_it_ends(clear_per_add: int,
                                                                 copy_per_add: int) -> None:
    # Shares too small to finish before the table in use is two thirds full make `add`
    # finish the growth at once, in either phase. After every add, each entry is in the
    # table in use exactly once, no more than two thirds of it is full, and every pair
    # answers right.
    module = _python_clordids(clear_per_add, copy_per_add)
    index = module.ClOrdIds()
    filed: list[tuple[str, str]] = []

    for i in range(3_000):  # growths to 2,048, 4,096 and 8,192 slots
        owner, cl_ord_id = f"O{i % 3}", f"k{i * 7919 % 100_003}"
        index.add(owner, cl_ord_id, i)
        filed.append((owner, cl_ord_id))
        numbers = sorted(s & module._LOW32 for s in index._slots if s != module._EMPTY)
        assert numbers == list(range(1, i + 2))
        assert 3 * len(numbers) <= 2 * len(index._slots)
        assert all(index.get(o, c) == v for v, (o, c) in enumerate(filed))
    assert len(index._slots) == 8_192


def test_an_index_pickled_in_the_middle_of_a_growth_is_restored_whole() -> None:
    # Pickled as its entries, not its tables: a growth under way changes nothing restored.
    index = ClOrdIds()
    for i in range(2_100):  # past half of 4,096 slots: a growth to 8,192 is under way
        index.add("A", f"c{i}", i)

    restored = pickle.loads(pickle.dumps(index))

    assert list(restored.items()) == list(index.items())
    assert all(restored.get("A", f"c{i}") == i for i in range(2_100))


def test_values_mapped_in_place_keep_their_keys_across_chunks() -> None:
    index = ClOrdIds()
    for i in range(10_000):  # over two chunks of entries
        index.add("A", str(i), i)

    index.map_values(lambda value: -value)

    assert all(index.get("A", str(i)) == -i for i in range(10_000))
    assert [value for _, _, value in index.items()][4_094:4_098] == [-4_094, -4_095, -4_096,
                                                                     -4_097]
