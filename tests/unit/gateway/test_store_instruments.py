"""Which journal entries depend on an instrument (gateway/store.py `instrument_uses`): what
decides whether a configuration may change a recorded instrument or leave it out. On SQLite
and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.store import Store
from matching.commands import AdvanceTime, MassCancel, RejectOrder
from matching.model import Instrument
from matching.reasons import RejectReason
from risk.commands import SetLimit
from tests.unit.risk.support import ETH, order

SOL = Instrument.create("SOL-USD", "0.01", "0.01")

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    s = Store(url, admin_types=(SetLimit,))
    yield s
    s.close()


def test_new_orders_and_operator_actions_in_an_instrument_are_its_uses(store) -> None:
    store.write([(AdvanceTime(1), []), (order("1", cl_ord_id="b1"), []),
                 (order("1", "3000", inst=ETH, cl_ord_id="e1"), []),
                 (SetLimit("max_order_qty", Decimal(5), 2, symbol="ETH-USD"), []),
                 (order("1", "3000", inst=ETH, cl_ord_id="e2"), [])])

    assert store.instrument_uses("ETH-USD") == (3, 3)
    assert store.instrument_uses("BTC-USD") == (1, 2)


def test_refusals_before_the_core_and_names_that_merely_spell_it_are_no_uses(store) -> None:
    store.write([
        (RejectOrder.of(order("1", inst=SOL, cl_ord_id="r1"), RejectReason.GW_UNKNOWN_SYMBOL,
                        "unknown symbol SOL-USD"), []),
        (order("1", cl_ord_id="SOL-USD"), []),  # a BTC-USD order whose ClOrdID spells it
        (MassCancel("C1", "m1", 2, symbol="SOL-USD"), []),
    ])

    assert store.instrument_uses("SOL-USD") is None


@pytest.mark.parametrize("symbol", ["BTC_USD", "BTC%USD", "ÉTH-USD"])
def test_a_symbol_is_matched_exactly_as_the_journal_spells_it(store, symbol) -> None:
    inst = Instrument.create(symbol, "0.01", "0.0001")
    store.write([(order("1", cl_ord_id="b1"), []), (order("1", inst=inst, cl_ord_id="x1"), [])])

    # Only the second: "_" and "%" are no wildcards, and a non-ASCII symbol is found as
    # the JSON column holds it (escaped)
    assert store.instrument_uses(symbol) == (1, 2)
