"""The `risk:` section of the settings file, parsed strictly into risk.limits.RiskLimits.

A bad value is one ConfigError line, `{file}: risk.{dotted.key}: {problem}`. Decimals are
quoted strings (or integers); a float is refused as inexact. Every key is optional and
null means "not set at this level" (see risk/limits.py for how levels combine):

    risk:
      defaults:                       # every instrument
        max_order_qty: "10"           # base units (BTC); a multiple of each instrument's lot
        max_order_notional: "1000000" # quote currency (USD)
        collar_pct: "10"              # percent from the reference price
        collar_ticks: 100             # ticks from the reference price (wider band wins)
        max_position: "500"           # base units, absolute worst-case net position
        warn_at: "0.8"                # soft limits: warn above this fraction, 0 < w <= 1
      instruments:
        BTC-USD: {...same keys as defaults...}
      account_defaults:               # every account
        max_order_notional: "1000000" # beats the instrument's (account > instrument)
        max_open_orders: 5000
        max_open_notional: "50000000"      # gross open notional, per quote currency
        max_position_notional: "50000000"  # worst-case positions at reference
        warn_at: "0.8"
        allowed: [BTC-USD, ETH-USD]   # allow-list of symbols; absent or null: all
      accounts:
        CLIENT1:
          {...same keys as account_defaults...}
          instruments:                # this account's overrides, keys as in defaults
            BTC-USD: {max_order_qty: "5"}
      throttle:                       # per FIX session; absent or null: no throttle
        rate: 1000                    # messages per second
        burst: 2000                   # bucket size
        logout_after: 5000            # that many denials within logout_window_s logs out
        logout_window_s: "10"         # (logout_after null: never)

It reads no file and knows nothing of the rest of the settings but the instruments and
accounts it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from config.settings import ConfigError, _Section, _thaw
from matching.model import Instrument
from risk.limits import AccountLimits, InstrumentLimits, RiskLimits, ThrottleLimits
from risk.throttle import MAX_THROTTLE

__all__ = ["ConfigError", "parse_risk"]

_INSTRUMENT_KEYS = ("max_order_qty", "max_order_notional", "collar_pct", "collar_ticks",
                    "max_position", "warn_at")
_ACCOUNT_KEYS = ("max_order_notional", "max_open_orders", "max_open_notional",
                 "max_position_notional", "warn_at", "allowed")
_TOP_KEYS = ("defaults", "instruments", "account_defaults", "accounts", "throttle")
_THROTTLE_KEYS = ("rate", "burst", "logout_after", "logout_window_s")
_NS_PER_S = 1_000_000_000


def parse_risk(raw: Mapping[str, Any], source: str, instruments: Mapping[str, Instrument],
               accounts: Iterable[str]) -> RiskLimits:
    """Parse the `risk:` mapping of `source`; every account in `accounts` is known to risk
    (with account_defaults unless it has its own section). Raises ConfigError."""
    known = {a: a for a in accounts}  # the settings' own string per name, as the decoder's
    top = _Section(source, "risk", _thaw(raw), _TOP_KEYS)
    lots = {s: i.lot for s, i in instruments.items()}
    defaults = _instrument(top.section("defaults", _INSTRUMENT_KEYS, default={}), lots)

    by_symbol = top.section("instruments", None, default={})
    inst_limits = {}
    for symbol in by_symbol.data:
        _known(by_symbol, symbol, instruments, "instrument")
        inst_limits[symbol] = _instrument(by_symbol.section(symbol, _INSTRUMENT_KEYS),
                                          {symbol: lots[symbol]})

    account_defaults = _account(top.section("account_defaults", _ACCOUNT_KEYS, default={}),
                                instruments, lots)
    by_account = top.section("accounts", None, default={})
    account_limits = {}
    for account in by_account.data:
        _known(by_account, account, known, "account")
        account_limits[known[account]] = _account(
            by_account.section(account, _ACCOUNT_KEYS + ("instruments",)), instruments, lots)
    for account in known:
        account_limits.setdefault(account, AccountLimits())

    return RiskLimits(defaults=defaults, instruments=MappingProxyType(inst_limits),
                      account_defaults=account_defaults,
                      accounts=MappingProxyType(account_limits), throttle=_throttle(top))


def _instrument(s: _Section, lots: Mapping[str, Decimal]) -> InstrumentLimits:
    """One level of instrument limits; quantities must be whole lots of every symbol in `lots`."""
    return InstrumentLimits(
        max_order_qty=_quantity(s, "max_order_qty", lots),
        max_order_notional=_decimal(s, "max_order_notional"),
        collar_pct=_decimal(s, "collar_pct"),
        collar_ticks=_integer(s, "collar_ticks"),
        max_position=_quantity(s, "max_position", lots),
        warn_at=_fraction(s, "warn_at"),
    )


def _account(s: _Section, instruments: Mapping[str, Instrument],
             lots: Mapping[str, Decimal]) -> AccountLimits:
    allowed = None
    if s.data.get("allowed") is not None:
        allowed = frozenset(s.names("allowed"))
        for symbol in sorted(allowed - set(instruments)):
            raise s.error("allowed", f"unknown instrument {symbol!r}")
    overrides = {}
    if "instruments" in s.data:
        by_symbol = s.section("instruments", None)
        for symbol in by_symbol.data:
            _known(by_symbol, symbol, instruments, "instrument")
            overrides[symbol] = _instrument(by_symbol.section(symbol, _INSTRUMENT_KEYS),
                                            {symbol: lots[symbol]})
    return AccountLimits(
        max_order_notional=_decimal(s, "max_order_notional"),
        max_open_orders=_integer(s, "max_open_orders"),
        max_open_notional=_decimal(s, "max_open_notional"),
        max_position_notional=_decimal(s, "max_position_notional"),
        warn_at=_fraction(s, "warn_at"),
        allowed=allowed,
        instruments=MappingProxyType(overrides),
    )


def _throttle(top: _Section) -> ThrottleLimits | None:
    if top.data.get("throttle") is None:
        return None
    s = top.section("throttle", _THROTTLE_KEYS)
    window = _decimal(s, "logout_window_s")
    window_ns = 10 * _NS_PER_S if window is None else window * _NS_PER_S
    if window_ns != int(window_ns):
        raise s.error("logout_window_s", f"{window} is finer than a nanosecond")
    # at most a billion: the throttle counts nano-tokens in 64-bit integers (risk/throttle.py)
    return ThrottleLimits(rate=s.integer("rate", low=1, high=MAX_THROTTLE),
                          burst=s.integer("burst", low=1, high=MAX_THROTTLE),
                          logout_after=_integer(s, "logout_after"),
                          logout_window_ns=int(window_ns))


# -- values -----------------------------------------------------------------------------------


def _decimal(s: _Section, key: str) -> Decimal | None:
    return None if s.data.get(key) is None else s.positive(key)


def _quantity(s: _Section, key: str, lots: Mapping[str, Decimal]) -> Decimal | None:
    value = _decimal(s, key)
    for symbol, lot in lots.items():
        try:
            off_lot = value is not None and value % lot != 0
        except InvalidOperation:  # beyond the 28-digit context: absurdly large
            off_lot = True
        if off_lot:
            raise s.error(key, f"{value} is not a multiple of lot {lot} of {symbol}")
    return value


def _fraction(s: _Section, key: str) -> Decimal | None:
    value = _decimal(s, key)
    if value is not None and value > 1:
        raise s.error(key, f"{value} is not a fraction between 0 and 1")
    return value


def _integer(s: _Section, key: str) -> int | None:
    return None if s.data.get(key) is None else s.integer(key, low=1)


def _known(s: _Section, name: str, known: Iterable[str], what: str) -> None:
    if name not in known:
        raise s.error(name, f"unknown {what} (known: {', '.join(sorted(known)) or 'none'})")
