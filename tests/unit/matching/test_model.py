"""The core's vocabulary: exact decimal conversion, exact average price, the lifecycle table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from matching.model import (
    LIVE,
    TRANSITIONS,
    IllegalTransition,
    IncrementError,
    Instrument,
    Order,
    OrdStatus,
    OrdType,
    Side,
    TimeInForce,
    time_text,
)
from tests.unit.matching.conftest import btc

# -- conversion ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "ticks"), [
    ("65000.01", 6_500_001),
    ("0.01", 1),
    ("100", 10_000),
    ("100.10", 10_010),   # trailing zero is still on tick
    ("00023.20", 2_320),  # FIX allows leading zeros
    ("5.", 500),
    (".5", 50),
])
def test_price_on_tick_converts_exactly(text: str, ticks: int) -> None:
    # Arrange
    inst = btc()

    # Act
    got = inst.price_to_ticks(text)

    # Assert
    assert got == ticks
    assert inst.ticks_to_price(got) == Decimal(text)


@pytest.mark.parametrize(("text", "lots"), [
    ("0.0001", 1), ("1", 10_000), ("1000", 10_000_000), ("0.12340000", 1_234)])
def test_quantity_on_lot_converts_exactly(text: str, lots: int) -> None:
    # Arrange
    inst = btc()

    # Act
    got = inst.qty_to_lots(text)

    # Assert
    assert got == lots
    assert inst.lots_to_qty(got) == Decimal(text)


@pytest.mark.parametrize(("ticks_lots", "text"), [
    (0, "0"), (1, "0.000001"), (6_000_000 * 10_000, "60000"),
    (10**40 + 1, "1" + "0" * 34 + ".000001")])  # beyond 28 digits: no rounding
def test_notional_text_is_exact_at_any_size(ticks_lots: int, text: str) -> None:
    assert btc().notional_text(ticks_lots) == text


def test_conversions_back_to_decimal_are_exact_beyond_28_digits() -> None:
    inst = btc()
    assert inst.ticks_to_price(10**40 + 1) == Decimal("1" + "0" * 38 + ".01")
    assert inst.lots_to_qty(10**40 + 1) == Decimal("1" + "0" * 36 + ".0001")


def test_price_off_tick_raises_naming_value_and_tick_never_rounds() -> None:
    # Arrange
    inst = btc()

    # Act
    with pytest.raises(IncrementError) as info:
        inst.price_to_ticks("100.005")

    # Assert
    assert (info.value.what, info.value.value, info.value.increment) == (
        "price", "100.005", Decimal("0.01"))
    assert "100.005" in str(info.value) and "0.01" in str(info.value)


def test_quantity_off_lot_raises_naming_value_and_lot() -> None:
    # Arrange
    inst = btc()

    # Act
    with pytest.raises(IncrementError) as info:
        inst.qty_to_lots("0.00015")

    # Assert
    assert (info.value.what, info.value.value, info.value.increment) == (
        "quantity", "0.00015", Decimal("0.0001"))


def test_tiny_excess_beyond_float_precision_is_still_off_tick() -> None:
    # Arrange: a float would round this onto the tick
    inst = btc()

    # Act / Assert
    with pytest.raises(IncrementError):
        inst.price_to_ticks("100.0100000000000000000001")


@pytest.mark.parametrize("text", [
    "-1", "-0.01", "0", "0.00", "-0", "", " ", "abc", "NaN", "Infinity", "-Infinity",
    "1e2", "1E-2", "1_000", " 100", "100 ", "+100", "1.2.3", "\u0663",
    "1" + "0" * 40,  # beyond Decimal's precision: must not escape as InvalidOperation
])
def test_non_positive_or_malformed_price_text_is_refused(text: str) -> None:
    # Arrange
    inst = btc()

    # Act / Assert
    with pytest.raises(IncrementError) as info:
        inst.price_to_ticks(text)
    assert info.value.value == text


@pytest.mark.parametrize("value", [0.5, 1, None, Decimal("1")])
def test_non_string_input_is_refused_so_no_float_slips_in(value: object) -> None:
    # Arrange
    inst = btc()

    # Act / Assert
    with pytest.raises(IncrementError):
        inst.qty_to_lots(value)  # type: ignore[arg-type]


def test_create_converts_min_and_max_quantity_to_lots() -> None:
    # Act
    inst = Instrument.create("ETH-USD", "0.05", "0.001", "0.01", "500")

    # Assert
    assert (inst.tick, inst.lot, inst.min_lots, inst.max_lots) == (
        Decimal("0.05"), Decimal("0.001"), 10, 500_000)


def test_create_with_off_lot_minimum_raises() -> None:
    with pytest.raises(IncrementError):
        Instrument.create("ETH-USD", "0.05", "0.001", "0.0015")


@pytest.mark.parametrize(("ticks", "text"), [
    (6_500_001, "65000.01"), (10_000, "100"), (10_010, "100.1"), (1, "0.01")])
def test_price_text_is_plain_decimal_without_exponent(ticks: int, text: str) -> None:
    assert btc().price_text(ticks) == text


def test_qty_text_is_plain_decimal() -> None:
    inst = btc()
    assert (inst.qty_text(1), inst.qty_text(10_000_000), inst.qty_text(12_300)) == (
        "0.0001", "1000", "1.23")


# -- average price ---------------------------------------------------------------------------


def test_average_price_of_two_fills_is_exact() -> None:
    # Arrange: 1 lot at 100.00 and 1 lot at 100.01
    notional = 10_000 * 1 + 10_001 * 1

    # Act
    avg = btc().avg_price_text(notional, 2)

    # Assert
    assert avg == "100.005"


def test_average_price_repeating_decimal_is_exact_to_at_least_8_places() -> None:
    # Arrange: 1 lot at 100.01 and 2 lots at 100.00 -> 100.003333...
    notional = 10_001 * 1 + 10_000 * 2

    # Act
    avg = btc().avg_price_text(notional, 3)

    # Assert
    whole, frac = avg.split(".")
    assert whole == "100" and len(frac) >= 8 and frac.startswith("00333333")


def test_average_price_with_no_fill_is_zero() -> None:
    assert btc().avg_price_text(0, 0) == "0"


def test_average_price_of_large_notional_keeps_every_digit() -> None:
    # Arrange: 1000 BTC at 65000.01 and 0.0001 BTC at 65000.02
    notional = 6_500_001 * 10_000_000 + 6_500_002 * 1

    # Act
    avg = Decimal(btc().avg_price_text(notional, 10_000_001))

    # Assert
    exact = (Decimal(notional) * Decimal("0.01")) / Decimal(10_000_001)
    assert abs(avg - exact) < Decimal("1e-9")


def test_average_price_past_28_digits_is_exact_not_an_error() -> None:
    # Arrange: 5 lots at 10^19 (a market with no collar can print there): 30 digits with
    # the ten decimals, past the default context's 28
    ticks = 10**21

    # Act
    avg = btc().avg_price_text(ticks * 5, 5)

    # Assert
    assert avg == "10000000000000000000"


def test_average_price_rounds_half_even_at_the_last_place() -> None:
    # Ticks of 10^-10 over 2 lots: 0.5 and 1.5 of the tenth place, ties broken to even
    fine = Instrument.create("X", "0.0000000001", "1")
    assert (fine.avg_price_text(1, 2), fine.avg_price_text(3, 2)) == ("0", "0.0000000002")


def test_price_and_quantity_texts_past_28_digits_keep_every_digit() -> None:
    inst = Instrument.create("X", "0.25", "0.001")
    ticks = 10**28 + 1  # the FIX edge takes up to 28 digits; a product goes past them
    assert inst.price_text(ticks) == "2500000000000000000000000000.25"
    assert inst.qty_text(ticks) == "10000000000000000000000000.001"


# -- lifecycle table -------------------------------------------------------------------------


def _order(status: OrdStatus = OrdStatus.NEW) -> Order:
    o = Order(1, "A", "A", "c1", "BTC-USD", Side.BUY, OrdType.LIMIT, TimeInForce.GTC, 10, 100)
    o.status = status
    return o


@pytest.mark.parametrize(("src", "dst"), sorted(TRANSITIONS, key=lambda e: (e[0].value, e[1].value)))
def test_legal_transition_moves_the_status(src: OrdStatus, dst: OrdStatus) -> None:
    # Arrange
    order = _order(src)

    # Act
    order.set_status(dst)

    # Assert
    assert order.status is dst


_ILLEGAL = [(a, b) for a in OrdStatus for b in OrdStatus if (a, b) not in TRANSITIONS]


@pytest.mark.parametrize(("src", "dst"), _ILLEGAL, ids=[f"{a.name}->{b.name}" for a, b in _ILLEGAL])
def test_illegal_transition_raises_and_leaves_status(src: OrdStatus, dst: OrdStatus) -> None:
    # Arrange
    order = _order(src)

    # Act / Assert
    with pytest.raises(IllegalTransition):
        order.set_status(dst)
    assert order.status is src


def test_no_edge_leaves_a_terminal_status() -> None:
    terminal = set(OrdStatus) - LIVE
    assert not [edge for edge in TRANSITIONS if edge[0] in terminal]


def test_leaves_quantity_is_zero_once_the_order_is_dead() -> None:
    # Arrange
    order = _order()
    order.cum_qty = 4

    # Act
    live_leaves = order.leaves_qty
    order.set_status(OrdStatus.CANCELED)

    # Assert
    assert (live_leaves, order.leaves_qty) == (6, 0)


@pytest.mark.parametrize(("ts_ns", "text"), [
    (0, "1970-01-01T00:00:00Z"),
    (1_795_364_380_988_000_000, "2026-11-22T16:19:40.988Z"),
    (1_795_364_380_988_100_000, "2026-11-22T16:19:40.988100Z"),
    (1_795_364_380_988_070_444, "2026-11-22T16:19:40.988070444Z"),
    (-62_135_596_800 * 10**9, "0001-01-01T00:00:00Z"),
    (10**30, f"{10**30} ns since 1970"),
])
def test_a_time_in_a_text_is_utc_and_as_exact_as_the_value(ts_ns: int, text: str) -> None:
    assert time_text(ts_ns) == text
