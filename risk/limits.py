"""Risk limit types: what the configuration says, level by level, and how levels combine.

Values are exact and in the units a person configures (Decimal quantities in the base
currency, notionals in the quote currency, percent for the collar). Converting them to
ticks and lots happens once per (account, symbol) in risk/engine.py. No parsing here
(config/risk.py) and no checks (risk/checks.py).

Resolution, most specific first; the first level that sets a field wins:

    accounts[A].instruments[S]   account-specific override for one instrument
    accounts[A]                  the account (a field it leaves None comes from account_defaults)
    instruments[S]               the instrument
    defaults                     every instrument

None means "not set at this level", never "no limit": a level cannot lift a limit that a
less specific level sets, only replace it. A field None at every level is not checked.
Account-wide limits (open orders, open and position notional, allow-list) come from
accounts[A], else account_defaults.

Soft limits are one fraction, `warn_at` (e.g. 0.8), resolved like any other field: an order
that passes a hard limit but takes the checked value above warn_at x limit passes with a
warning. One fraction rather than a warn value per limit keeps the file short and every soft
limit in step with its hard limit when that changes live.
"""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

_EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class InstrumentLimits:
    """Per-order and per-position limits for one instrument (or, in `defaults`, for all)."""

    max_order_qty: Decimal | None = None  # base units, e.g. BTC
    max_order_notional: Decimal | None = None  # quote currency, e.g. USD
    collar_pct: Decimal | None = None  # percent away from the reference price: "5" = 5%
    collar_ticks: int | None = None  # ticks away; with collar_pct too, the wider band holds
    max_position: Decimal | None = None  # base units, absolute worst-case net position
    warn_at: Decimal | None = None  # soft limit: fraction of each hard limit, 0 < w <= 1


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """Limits of one account (or, in `account_defaults`, of every account).

    `instruments` holds account-specific overrides per symbol (ignored in account_defaults);
    `allowed` is the allow-list of symbols the account may trade (None: all of them).
    Credit limits are in the quote currency and apply to each quote currency separately.
    """

    max_order_notional: Decimal | None = None
    max_open_orders: int | None = None
    max_open_notional: Decimal | None = None  # gross: resting orders plus the new one
    max_position_notional: Decimal | None = None  # worst-case net positions at reference
    warn_at: Decimal | None = None
    allowed: frozenset[str] | None = None
    instruments: Mapping[str, InstrumentLimits] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    """Token bucket per session: `rate` messages per second, at most `burst` at once.

    After `logout_after` denials within `logout_window_ns` the session should be logged
    out; None switches that off.
    """

    rate: int
    burst: int
    logout_after: int | None = None
    logout_window_ns: int = 10_000_000_000


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Every limit the risk engine enforces. Accounts not in `accounts` are unknown and denied."""

    defaults: InstrumentLimits = InstrumentLimits()
    instruments: Mapping[str, InstrumentLimits] = field(default_factory=lambda: _EMPTY)
    account_defaults: AccountLimits = AccountLimits()
    accounts: Mapping[str, AccountLimits] = field(default_factory=lambda: _EMPTY)
    throttle: ThrottleLimits | None = None

    def order_limit(self, name: str, account: str, symbol: str) -> tuple[object, str]:
        """A per-order field resolved for (account, symbol), and where it came from
        ("account A on S", "account A", "S", "S (default)"); (None, "") when set nowhere."""
        acct = self.accounts.get(account)
        if acct is not None:
            override = acct.instruments.get(symbol)
            if override is not None and getattr(override, name) is not None:
                return getattr(override, name), f"account {account} on {symbol}"
            for level in (acct, self.account_defaults):
                value = getattr(level, name, None)
                if value is not None:
                    return value, f"account {account}"
        inst = self.instruments.get(symbol)
        if inst is not None and getattr(inst, name) is not None:
            return getattr(inst, name), symbol
        value = getattr(self.defaults, name)
        return (value, f"{symbol} (default)") if value is not None else (None, "")

    def account_limit(self, name: str, account: str) -> object:
        """An account-wide field: the account's, else account_defaults'."""
        acct = self.accounts.get(account)
        value = getattr(acct, name) if acct is not None else None
        return value if value is not None else getattr(self.account_defaults, name)


def describe(limits: RiskLimits) -> list[str]:
    """The limits in force, one line per level, for the start-up log (ops see what the
    process enforces). Unset fields are left out."""

    def fields(obj: object) -> str:
        parts = []
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is None or f.name == "instruments":
                continue
            if isinstance(value, frozenset):
                value = ",".join(sorted(value))
            parts.append(f"{f.name}={value}")
        return " ".join(parts) or "(none)"

    lines = [f"defaults {fields(limits.defaults)}"]
    lines += [f"instrument {s} {fields(i)}" for s, i in limits.instruments.items()]
    lines.append(f"account_defaults {fields(limits.account_defaults)}")
    for name, acct in limits.accounts.items():
        lines.append(f"account {name} {fields(acct)}")
        lines += [f"account {name} on {s} {fields(i)}" for s, i in acct.instruments.items()]
    lines.append(f"throttle {fields(limits.throttle) if limits.throttle else 'off'}")
    return lines
