"""Queries: top of book, depth, one order's state, status reports, sequences, state hash."""

from __future__ import annotations

from matching.engine import DepthLevel, MatchingEngine, Sequences, TopOfBook
from matching.events import OrderAccepted, OrderRestated
from matching.model import OrdStatus
from tests.unit.matching.conftest import (
    BUY,
    PX,
    SELL,
    btc,
    cancel,
    limit,
    one,
    replace,
    run,
)


def _ladder(engine: MatchingEngine) -> None:
    run(engine,
        limit("A", "b1", BUY, 5, PX - 2),
        limit("A", "b2", BUY, 3, PX - 1),
        limit("B", "b3", BUY, 4, PX - 1),
        limit("A", "s1", SELL, 7, PX + 1),
        limit("B", "s2", SELL, 2, PX + 3, display_qty=1))


def test_top_of_book_of_an_empty_book_has_no_prices(engine: MatchingEngine) -> None:
    assert engine.top_of_book("BTC-USD") == TopOfBook(None, 0, None, 0)


def test_top_of_book_sums_displayed_quantity_at_the_best_prices(engine: MatchingEngine) -> None:
    # Arrange
    _ladder(engine)

    # Act
    top = engine.top_of_book("BTC-USD")

    # Assert
    assert top == TopOfBook(PX - 1, 7, PX + 1, 7)


def test_depth_lists_levels_best_first_with_displayed_qty_and_order_count(
        engine: MatchingEngine) -> None:
    # Arrange
    _ladder(engine)

    # Act
    bids = engine.depth("BTC-USD", BUY)
    asks = engine.depth("BTC-USD", SELL)
    top_bid = engine.depth("BTC-USD", BUY, levels=1)

    # Assert
    assert bids == [DepthLevel(PX - 1, 7, 2), DepthLevel(PX - 2, 5, 1)]
    assert asks == [DepthLevel(PX + 1, 7, 1), DepthLevel(PX + 3, 1, 1)]
    assert top_bid == [DepthLevel(PX - 1, 7, 2)]


def test_order_query_returns_live_and_finished_orders_by_id(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX), limit("A", "a2", BUY, 5, PX),
        cancel("A", "x", "a2"))

    # Act
    live, dead, missing = engine.order(1), engine.order(2), engine.order(99)

    # Assert
    assert (live.status, live.leaves_qty) == (OrdStatus.NEW, 5)
    assert (dead.status, dead.leaves_qty, dead.cl_ord_id) == (OrdStatus.CANCELED, 0, "x")
    assert missing is None


def test_order_by_clordid_resolves_every_clordid_the_order_had_for_its_owner_only(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX), replace("A", "a2", "a1", 4, PX))

    # Act / Assert
    assert engine.order_by_clordid("A", "a1") is engine.order(1)
    assert engine.order_by_clordid("A", "a2") is engine.order(1)
    assert engine.order_by_clordid("B", "a1") is None


def test_status_report_is_a_snapshot_that_changes_nothing(engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX), limit("B", "s1", SELL, 2, PX))
    before = (engine.state_hash(), engine.sequences())

    # Act
    rep = engine.status_report(engine.order(1), ts_ns=42, text="asked")

    # Assert
    assert isinstance(rep, OrderRestated)
    assert (rep.exec_id, rep.order_id, rep.cum_qty, rep.leaves_qty, rep.cum_notional,
            rep.status, rep.ts_ns, rep.text) == (
        0, 1, 2, 3, 2 * PX, OrdStatus.PARTIALLY_FILLED, 42, "asked")
    assert (engine.state_hash(), engine.sequences()) == before


def test_live_orders_filter_by_owner_and_symbol(engine: MatchingEngine) -> None:
    # Arrange
    _ladder(engine)

    # Act
    of_b = [o.cl_ord_id for o in engine.live_orders(owner="B")]
    none = list(engine.live_orders(symbol="ETH-USD"))

    # Assert
    assert (of_b, none) == (["b3", "s2"], [])


def test_sequences_handed_to_a_new_engine_continue_and_never_reuse_ids(
        engine: MatchingEngine) -> None:
    # Arrange
    run(engine, limit("A", "a1", BUY, 5, PX), limit("B", "s1", SELL, 5, PX))
    seq = engine.sequences()

    # Act
    restarted = MatchingEngine([btc()], sequences=seq)
    acc = one(restarted.handle(limit("A", "a2", BUY, 1, PX)), OrderAccepted)

    # Assert
    assert seq == Sequences(order_id=3, exec_id=5, trade_id=2, priority=2)
    assert (acc.order_id, acc.exec_id) == (3, 5)


def test_order_by_id_of_an_engine_started_from_sequences() -> None:
    # Arrange: a restarted day whose first order is id 100
    restarted = MatchingEngine([btc()], sequences=Sequences(order_id=100))
    run(restarted, limit("A", "a1", BUY, 5, PX), limit("A", "a2", BUY, 5, PX - 1))

    # Act
    found = [restarted.order(i) for i in (-1, 0, 99, 100, 101, 102)]

    # Assert
    assert [o.cl_ord_id if o else None for o in found] == [None, None, None, "a1", "a2", None]
    assert restarted.find("A", None, 101) is found[4]
    assert restarted.find("A", None, 102) is None
    # OrderID(37) may carry any 20 digits: beyond a C integer, it names no order
    assert restarted.find("A", None, 10**20) is None
    assert restarted.find("A", "a1", 10**20 + 100) is None


def test_next_order_id_is_the_id_the_next_accepted_order_gets(engine: MatchingEngine) -> None:
    run(engine, limit("A", "a1", BUY, 5, PX))
    expected = engine.next_order_id()

    run(engine, limit("A", "a1", BUY, 5, PX))  # a duplicate ClOrdID: rejected, no id taken
    acc = one(engine.handle(limit("A", "a2", BUY, 1, PX)), OrderAccepted)

    assert acc.order_id == expected == 2
    assert engine.next_order_id() == 3


def test_state_hash_sees_queue_order(engine: MatchingEngine) -> None:
    # Arrange: the same two orders, entered in the opposite order, with the same ids
    other = MatchingEngine([btc()])
    run(engine, limit("A", "x", BUY, 5, PX), limit("B", "y", BUY, 5, PX))
    run(other, limit("A", "x", BUY, 5, PX), limit("B", "y", BUY, 5, PX),
        replace("A", "x2", "x", 6, PX), replace("A", "x3", "x2", 5, PX))
    same = MatchingEngine([btc()])
    run(same, limit("A", "x", BUY, 5, PX), limit("B", "y", BUY, 5, PX))

    # Act / Assert
    assert engine.state_hash() == same.state_hash()
    assert engine.state_hash() != other.state_hash()


def test_orders_share_one_object_per_account_symbol_and_resting_price(
        engine: MatchingEngine) -> None:
    # The core's sweeps and cancels copy these references into events: shared objects stay
    # in cache where one copy per order would not (a performance property, held here).
    # Arrange: equal strings and prices that are distinct objects, as decoded from FIX
    first = limit("A", "a1", BUY, 1, PX, account="".join(["AC", "C1"]),
                  symbol="".join(["BTC-", "USD"]))
    second = limit("A", "a2", BUY, 1, int(str(PX)), account="".join(["ACC", "1"]),
                   symbol="".join(["BTC", "-USD"]))
    assert first.account is not second.account and first.symbol is not second.symbol

    # Act
    run(engine, first, second)

    # Assert
    a, b = engine.order(1), engine.order(2)
    assert a.account is b.account and a.symbol is b.symbol
    assert a.price is b.price is engine.book("BTC-USD").bids.best.price
