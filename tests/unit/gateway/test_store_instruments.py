"""Which journal entries name an instrument (gateway/store.py `first_naming`): what decides
whether a configuration may leave a recorded instrument out. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from gateway.store import Store
from matching.commands import AdvanceTime, MassCancel
from tests.unit.risk.support import ETH, order

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    s = Store(url)
    yield s
    s.close()


def test_the_first_entry_naming_an_instrument_and_how_many_do(store) -> None:
    store.write([(AdvanceTime(1), []), (order("1", cl_ord_id="b1"), []),
                 (order("1", "3000", inst=ETH, cl_ord_id="e1"), []),
                 (MassCancel("C1", "m1", 2, symbol="ETH-USD"), [])])

    assert store.first_naming("ETH-USD") == (2, 3)
    assert store.first_naming("BTC-USD") == (1, 2)
    assert store.first_naming("SOL-USD") is None


@pytest.mark.parametrize("symbol", ["BTC_USD", "BTC%USD", "ÉTH-USD"])
def test_a_symbol_is_matched_exactly_as_the_journal_spells_it(store, symbol) -> None:
    store.write([(MassCancel("C1", "m1", 1, symbol="BTC-USD"), []),
                 (MassCancel("C1", "m2", 2, symbol=symbol), [])])

    # Only the second: "_" and "%" are no wildcards, and a non-ASCII symbol is found as
    # the JSON column holds it (escaped)
    assert store.first_naming(symbol) == (1, 2)
