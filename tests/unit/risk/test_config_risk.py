"""parse_risk: the demo block and what it lets through, and malformed sections."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from config.risk import ConfigError, parse_risk
from matching.model import Side
from matching.reasons import RejectReason as R
from risk.engine import RiskEngine
from risk.limits import InstrumentLimits, ThrottleLimits
from tests.unit.risk.support import (
    BTC,
    ETH,
    INSTRUMENTS,
    REFERENCE,
    order,
    reason,
    rest,
)

ACCOUNTS = ("CLIENT1", "CLIENT2")

# The block proposed for config/gateway.yaml (demo profile).
DEMO = """
defaults:
  collar_pct: "10"
  warn_at: "0.8"
instruments:
  BTC-USD: {max_order_qty: "25", max_position: "5000"}
  ETH-USD: {max_order_qty: "500", max_position: "100000"}
account_defaults:
  max_order_notional: "1000000"
  max_open_orders: 5000
  max_open_notional: "500000000"
  max_position_notional: "500000000"
accounts:
  CLIENT1: {}
  CLIENT2: {}
throttle: {rate: 1000, burst: 2000, logout_after: 5000, logout_window_s: "10"}
"""


def _parse(text: str) -> object:
    return parse_risk(yaml.safe_load(text) or {}, "gw.yaml", INSTRUMENTS, ACCOUNTS)


@pytest.fixture
def demo() -> RiskEngine:
    return RiskEngine(_parse(DEMO), INSTRUMENTS, REFERENCE)  # type: ignore[arg-type]


def test_demo_block_parses_to_typed_limits() -> None:
    limits = _parse(DEMO)

    assert limits.defaults == InstrumentLimits(collar_pct=Decimal(10), warn_at=Decimal("0.8"))
    assert limits.instruments["ETH-USD"].max_order_qty == Decimal(500)
    assert limits.account_defaults.max_open_orders == 5000
    assert set(limits.accounts) == set(ACCOUNTS)
    assert limits.throttle == ThrottleLimits(1000, 2000, 5000, 10_000_000_000)


def test_accounts_are_keyed_by_the_settings_own_strings() -> None:
    """The decoder hands risk the settings' string of an account: risk's tables hold that
    very object (matching/names.py finds it by identity), not the YAML key's equal copy."""
    accounts = tuple("".join(["CLIENT", n]) for n in "12")  # objects of their own
    raw = yaml.safe_load("accounts: {CLIENT1: {max_open_orders: 5}}")

    limits = parse_risk(raw, "gw.yaml", INSTRUMENTS, accounts)

    assert [id(a) for a in limits.accounts] == [id(a) for a in accounts]
    assert limits.accounts["CLIENT1"].max_open_orders == 5


@pytest.mark.parametrize(("quantity", "price", "inst"), [
    ("10", "63000", BTC), ("10", "57000", BTC), ("200", "3150", ETH), ("200", "2850", ETH),
])
def test_demo_passes_ordinary_orders_within_5_percent(demo, market, quantity, price,
                                                      inst) -> None:
    side = Side.BUY if price in ("63000", "3150") else Side.SELL

    assert reason(demo.check_order(order(quantity, price, side, inst), market, 0)) is None


@pytest.mark.parametrize(("quantity", "price", "expected"), [
    ("1000000", "60000", R.RISK_MAX_QTY), ("1", "600000", R.RISK_PRICE_COLLAR),
])
def test_demo_denies_absurd_orders(demo, market, quantity, price, expected) -> None:
    assert reason(demo.check_order(order(quantity, price), market, 0)) is expected


def test_demo_passes_a_burst_of_1000_orders_in_one_instant(demo) -> None:
    assert all(demo.throttle.admit("CLIENT1", False, 0).denial is None for _ in range(1000))


def test_demo_passes_2000_open_orders_per_account(demo, market) -> None:
    for _ in range(1999):
        rest(demo, BTC.qty_to_lots("1"), "59000")

    assert reason(demo.check_order(order("1", "59000"), market, 0)) is None


def test_empty_section_means_no_limits_and_every_account_known() -> None:
    limits = _parse("")

    assert limits.throttle is None
    assert set(limits.accounts) == set(ACCOUNTS)


@pytest.mark.parametrize(("text", "key", "problem"), [
    ("bogus: 1", "risk.bogus", "unknown key"),
    ("defaults: {max_order_qty: 0.5}", "risk.defaults.max_order_qty", "float"),
    ('defaults: {max_order_qty: "ten"}', "risk.defaults.max_order_qty", "not a decimal"),
    ('defaults: {max_order_qty: "-1"}', "risk.defaults.max_order_qty", "not a positive"),
    ('instruments: {BTC-USD: {max_order_qty: "0.00001"}}',
     "risk.instruments.BTC-USD.max_order_qty", "not a multiple of lot"),
    ('instruments: {BTC-EUR: {max_order_qty: "1"}}', "risk.instruments.BTC-EUR",
     "unknown instrument"),
    ('defaults: {warn_at: "1.5"}', "risk.defaults.warn_at", "fraction"),
    ('defaults: {collar_ticks: "10"}', "risk.defaults.collar_ticks", "integer"),
    ("account_defaults: {max_open_orders: 0}", "risk.account_defaults.max_open_orders",
     "outside"),
    ("account_defaults: {max_order_qty: \"1\"}", "risk.account_defaults.max_order_qty",
     "unknown key"),
    ("accounts: {NOBODY: {}}", "risk.accounts.NOBODY", "unknown account"),
    ("accounts: {CLIENT1: {allowed: [SOL-USD]}}", "risk.accounts.CLIENT1.allowed",
     "unknown instrument"),
    ("accounts: {CLIENT1: {instruments: {BTC-USD: {max_open_orders: 1}}}}",
     "risk.accounts.CLIENT1.instruments.BTC-USD.max_open_orders", "unknown key"),
    ("throttle: {burst: 10}", "risk.throttle.rate", "required"),
    ("throttle: {rate: 10, burst: 1000000001}", "risk.throttle.burst", "outside 1..1000000000"),
    ('throttle: {rate: 1, burst: 1, logout_window_s: "0.0000000001"}',
     "risk.throttle.logout_window_s", "nanosecond"),
    ("defaults: [1, 2]", "risk.defaults", "mapping"),
])
def test_malformed_section_is_one_line_naming_file_key_and_problem(text, key, problem) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(text)

    message = str(caught.value)
    assert message.startswith(f"gw.yaml: {key}: ")
    assert problem in message
    assert "\n" not in message


def test_frozen_section_from_the_settings_loader_is_accepted() -> None:
    from types import MappingProxyType

    raw = MappingProxyType({"accounts": MappingProxyType(
        {"CLIENT1": MappingProxyType({"allowed": ("BTC-USD",)})})})

    limits = parse_risk(raw, "gw.yaml", INSTRUMENTS, ACCOUNTS)

    assert limits.accounts["CLIENT1"].allowed == frozenset({"BTC-USD"})
