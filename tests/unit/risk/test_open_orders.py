"""Exposure's table of live orders: exact answers through growth, removals inside runs of
colliding ids, and a snapshot."""

from __future__ import annotations

import pickle
import random

from risk.open_orders import OpenOrders, _home


def test_a_filed_order_is_found_with_its_fields_and_an_absent_one_is_not() -> None:
    table = OpenOrders()

    table.add(7, 3, True, 250, 6_000_000)
    cell = table.find(7)

    assert (table.leg_number(cell), table.is_buy(cell), table.leaves(cell), table.price(cell)) == (
        3, True, 250, 6_000_000)
    assert table.find(8) == -1
    assert len(table) == 1


def test_set_changes_leaves_and_price_only() -> None:
    table = OpenOrders()
    table.add(1, 5, False, 10, 99)

    table.set(table.find(1), 4, 101)
    cell = table.find(1)

    assert (table.leg_number(cell), table.is_buy(cell), table.leaves(cell), table.price(cell)) == (
        5, False, 4, 101)


def test_removing_an_id_keeps_the_ids_that_probed_past_it_reachable() -> None:
    # Ids sharing one home cell sit in a run; removing the first must shift the others back.
    home = _home(1, 64 - 10)
    same = [i for i in range(1, 200_000) if _home(i, 64 - 10) == home][:4]
    table = OpenOrders()
    for n, order_id in enumerate(same):
        table.add(order_id, n, True, n + 1, 100)

    table.remove(table.find(same[0]))

    assert table.find(same[0]) == -1
    assert [table.leaves(table.find(i)) for i in same[1:]] == [2, 3, 4]


def test_random_adds_and_removes_through_growth_match_a_dict() -> None:
    rnd = random.Random(7)
    table, model = OpenOrders(), {}
    next_id = 1
    for step in range(60_000):
        if model and rnd.random() < 0.45:
            order_id = rnd.choice(list(model)[-64:]) if rnd.random() < 0.9 else next(iter(model))
            cell = table.find(order_id)
            assert (table.leg_number(cell), table.is_buy(cell), table.leaves(cell),
                    table.price(cell)) == model.pop(order_id)
            table.remove(cell)
        else:
            fields = (rnd.randrange(50), rnd.random() < 0.5, rnd.randrange(1, 10**6),
                      rnd.randrange(1, 2**62))
            assert table.find(next_id) == -1
            table.add(next_id, *fields)
            model[next_id] = fields
            next_id += rnd.choice((1, 1, 2, 1024))
        if step % 5_000 == 0:
            assert sorted(table.items()) == sorted((i, *f) for i, f in model.items())
    assert len(table) == len(model) > 1024  # grown past its first size


def test_a_pickled_table_answers_the_same() -> None:
    table = OpenOrders()
    for order_id in range(1, 3000, 3):
        table.add(order_id, order_id % 7, order_id % 2 == 0, order_id, 2 * order_id)
    table.remove(table.find(301))

    copy = pickle.loads(pickle.dumps(table))

    assert sorted(copy.items()) == sorted(table.items())
    assert copy.find(301) == -1 and copy.leaves(copy.find(304)) == 304


def test_a_run_that_passes_the_end_of_the_table_wraps_to_its_start() -> None:
    last = (1 << 10) - 1  # the last cell of a new table
    same = [i for i in range(1, 400_000) if _home(i, 64 - 10) == last][:5]
    table = OpenOrders()
    for order_id in same:
        table.add(order_id, 0, False, order_id, 1)

    assert [table.find(i) for i in same] == [last, 0, 1, 2, 3]

    table.remove(table.find(same[0]))  # the cells after the end shift back across it
    assert [table.find(i) for i in same[1:]] == [last, 0, 1, 2]
    assert [table.leaves(table.find(i)) for i in same[1:]] == same[1:]
