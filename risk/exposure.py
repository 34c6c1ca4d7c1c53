"""Per-account exposure that follows the matching engine's events: open orders, gross open
notional, and per instrument the net position and the open buy and sell quantities.

Exact integers only. Notionals are kept in a currency's base unit (1 / `scale` of the quote
currency, e.g. micro-USD), chosen so that every instrument's tick x lot is a whole number
(`k`) of it; then orders of different instruments add up exactly. Nothing here decides
anything: risk/checks.py reads these numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import cython

from matching.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderReplaced,
    OrderRestated,
    OrderTriggered,
)
from matching.model import Instrument, Side
from risk.open_orders import MAX64, OpenOrders

_BUY = Side.BUY


@dataclass(frozen=True, slots=True)
class Units:
    """How one instrument's tick x lot converts into its quote currency's base unit."""

    base: str  # base currency, e.g. BTC (the symbol before '-')
    quote: str  # quote currency, e.g. USD (the symbol after '-')
    places: int  # the base unit is 10**-places of the quote currency
    k: int  # base units per tick x lot

    @property
    def scale(self) -> int:
        return 10 ** self.places


def currency_units(instruments: Iterable[Instrument]) -> dict[str, Units]:
    """Units per symbol; instruments sharing a quote currency share its scale."""
    instruments = list(instruments)
    places: dict[str, int] = {}
    for inst in instruments:
        quote = _quote(inst.symbol)
        exponent = (inst.tick * inst.lot).normalize().as_tuple().exponent
        places[quote] = max(places.get(quote, 0), -int(exponent))
    result = {}
    for inst in instruments:
        quote = _quote(inst.symbol)
        k = inst.tick * inst.lot * 10 ** places[quote]
        result[inst.symbol] = Units(_base(inst.symbol), quote, places[quote], int(k))
    return result


def _base(symbol: str) -> str:
    return symbol.split("-", 1)[0]


def _quote(symbol: str) -> str:
    return symbol.split("-", 1)[1] if "-" in symbol else ""


@dataclass(eq=False)
class Credit:
    """One account in one quote currency: gross open notional in its base unit, and the
    account's legs in that currency (to value its positions).

    The open notional is held as a 64-bit integer, `open_notional64`, while it fits
    (`narrow`), and exactly in `wide_open_notional` while it does not: read it as
    `open_notional`; change it only through the two methods below."""

    legs: list[Leg] = field(default_factory=list)
    open_notional64: int = 0
    narrow: bool = True
    wide_open_notional: int = 0

    @property
    def open_notional(self) -> int:
        return self.open_notional64 if self.narrow else self.wide_open_notional

    def change_open_notional(self, leaves: int, px: int, old: int, old_px: int,
                             k: int, k64: int) -> None:
        """Add (leaves x px - old x old_px) x k: an order's new value less its old one. The
        first four are 64-bit integers, the live-order table's values; `k64` is k if it is
        one too, else 0 (Leg.k64)."""
        if not (self.narrow and _add_notional64(self, leaves, px, old, old_px, k64)):
            self.add_open_notional((int(leaves) * int(px) - int(old) * int(old_px)) * k)

    def add_open_notional(self, delta: int) -> None:
        """Add any exact amount (the slow way, for orders beyond 64 bits too)."""
        total = self.open_notional + delta
        if _fits64(total):
            self.open_notional64 = total
            self.wide_open_notional = 0  # the one not in use is zeroed: the same fields in
            self.narrow = True  # both builds
        else:
            self.wide_open_notional = total
            self.open_notional64 = 0
            self.narrow = False


@dataclass(eq=False)
class Leg:
    """One account in one instrument: signed net position and open quantities, in lots.

    Held as 64-bit integers in this object (`position64`, `open_buy64`, `open_sell64`)
    while all three fit (`narrow`), and exactly in the `wide_` fields while one does not:
    read them as `position`, `open_buy` and `open_sell`; change them only through
    `add_position` and `add_open` (or `shift_position` and `shift_open`, their forms for a
    64-bit amount). Risk's quiet path reads the 64-bit fields: with a
    position-notional limit it values the account's other legs too, which are seldom in
    cache, and an integer object per number would cost a cache miss more each."""

    symbol: str
    units: Units
    account: AccountExposure
    credit: Credit
    k: int = 0  # units.k, one attribute load closer
    k64: int = 0  # k if it fits a signed 64-bit integer, else 0 (k is never 0)
    number: int = -1  # its place in Exposures' list of legs
    position64: int = 0
    open_buy64: int = 0
    open_sell64: int = 0
    narrow: bool = True
    wide_position: int = 0
    wide_open_buy: int = 0
    wide_open_sell: int = 0

    def __post_init__(self) -> None:
        self.k = self.units.k
        self.k64 = self.k if _fits64(self.k) else 0

    @property
    def position(self) -> int:
        return self.position64 if self.narrow else self.wide_position

    @property
    def open_buy(self) -> int:
        return self.open_buy64 if self.narrow else self.wide_open_buy

    @property
    def open_sell(self) -> int:
        return self.open_sell64 if self.narrow else self.wide_open_sell

    def add_position(self, delta: int) -> None:
        """Add any exact amount to the position."""
        try:
            self.shift_position(delta)
        except OverflowError:  # compiled only: a delta beyond 64 bits, nothing written
            self._store(self.position + delta, self.open_buy, self.open_sell)

    def add_open(self, is_buy: bool, delta: int) -> None:
        """Add any exact amount to the open quantity on one side."""
        try:
            self.shift_open(is_buy, delta)
        except OverflowError:  # compiled only: a delta beyond 64 bits, nothing written
            self._add_open_exactly(is_buy, delta)

    def shift_position(self, delta: int) -> None:
        """`add_position` of an amount within 64 bits (compiled, a C call that makes no
        integer object: exposure follows every fill with it)."""
        if not (self.narrow and _add64(self, _POSITION, delta)):
            self._store(self.position + delta, self.open_buy, self.open_sell)

    def shift_open(self, is_buy: bool, delta: int) -> None:
        """`add_open` of an amount within 64 bits, as `shift_position`."""
        if not (self.narrow and _add64(self, _OPEN_BUY if is_buy else _OPEN_SELL, delta)):
            self._add_open_exactly(is_buy, delta)

    def _add_open_exactly(self, is_buy: bool, delta: int) -> None:
        if is_buy:
            self._store(self.position, self.open_buy + delta, self.open_sell)
        else:
            self._store(self.position, self.open_buy, self.open_sell + delta)

    def _store(self, position: int, open_buy: int, open_sell: int) -> None:
        """Hold the three exactly: in the 64-bit fields if all fit, else in the wide ones
        (the others zeroed, so that both builds keep the same fields)."""
        if _fits64(position) and _fits64(open_buy) and _fits64(open_sell):
            self.position64, self.open_buy64, self.open_sell64 = position, open_buy, open_sell
            self.wide_position = self.wide_open_buy = self.wide_open_sell = 0
            self.narrow = True
        else:
            self.wide_position, self.wide_open_buy, self.wide_open_sell = (position, open_buy,
                                                                           open_sell)
            self.position64 = self.open_buy64 = self.open_sell64 = 0
            self.narrow = False


@dataclass(eq=False)
class AccountExposure:
    name: str
    open_orders: int = 0
    legs: dict[str, Leg] = field(default_factory=dict)
    credits: dict[str, Credit] = field(default_factory=dict)


@dataclass(eq=False)
class _Open:
    """What one live order adds to its account: leaves at a price (ticks, 0 if none)."""

    leg: Leg
    is_buy: bool
    leaves: int
    px: int


class Exposures:
    """Every account's exposure, kept in step by `apply(events)`."""

    def __init__(self, units: Mapping[str, Units]) -> None:
        self._units = units
        self._accounts: dict[str, AccountExposure] = {}
        self._legs: list[Leg] = []  # by Leg.number
        self._open = OpenOrders()  # live orders by order id, in 64-bit integers ...
        self._wide: dict[int, _Open] = {}  # ... but for one with a value beyond them

    def account(self, name: str) -> AccountExposure:
        acct = self._accounts.get(name)
        if acct is None:
            acct = self._accounts[name] = AccountExposure(name)
        return acct

    def leg(self, account: str, symbol: str) -> Leg:
        """The (account, symbol) leg, created empty on first use; symbol must be known.
        Found through the account's own legs: two dictionary lookups, no tuple built."""
        acct = self._accounts.get(account)
        leg = acct.legs.get(symbol) if acct is not None else None
        if leg is None:
            units = self._units[symbol]
            acct = self.account(account)
            credit = acct.credits.get(units.quote)
            if credit is None:
                credit = acct.credits[units.quote] = Credit()
            leg = Leg(symbol, units, acct, credit)
            leg.number = len(self._legs)
            self._legs.append(leg)
            credit.legs.append(leg)
            acct.legs[symbol] = leg
        return leg

    def prefetch(self, order_id: int) -> None:
        """A hint that the events of order `order_id` are coming: its record starts loading
        (compiled only). The gate gives it before the matching engine works, so that the
        load overlaps the engine's work instead of following it. Any 64-bit id will do
        (one with no record loads a cell it would have been in)."""
        self._open.prefetch(order_id)

    def apply(self, events: Iterable[object], leg: Leg | None = None,
              order_id: int = 0) -> None:
        """Follow one command's events. Each snapshot says the order's leaves and price
        now; the difference from what was recorded is applied, so every event type
        (replace, restatement, trigger, fill, end) is handled by the same few lines.

        `leg` may name order `order_id`'s (account, instrument), if the caller has it at
        hand (the gate, for the order it passed): that order is filed under it without
        looking it up, so the caller vouches that the two belong together."""
        for item in events:
            cls = type(item)
            # Every event that carries an order's current snapshot, by identity (compiled:
            # pointer comparisons). OrderRejected (order_id 0), CancelRejected and
            # MassCancelDone change no exposure.
            if not (cls is OrderAccepted or cls is OrderCanceled or cls is OrderFilled
                    or cls is OrderReplaced or cls is OrderExpired or cls is OrderRestated
                    or cls is OrderTriggered):
                continue
            # An order snapshot (compiled: a typed OrderEvent from here on, cast without a
            # second test of its type: the class was just found among OrderEvent's own).
            ev = cython.cast(OrderEvent, item)
            px = ev.price
            if px is None:
                px = ev.stop_price or 0
            oid = ev.order_id
            if self._wide and oid in self._wide:
                self._follow_wide(ev, cls is OrderFilled, px)
                continue
            if not self._follow(ev, cls is OrderFilled, px, leg if oid == order_id else None):
                self._follow_wide(ev, cls is OrderFilled, px)

    def _follow(self, ev: OrderEvent, is_fill: bool, px: int, hint: Leg | None) -> bool:
        """`apply` for one event, if its order is one the live-order table holds: an id
        above 0 (0 marks an empty cell), leaves and a price (`px`) that fit a 64-bit
        integer and are not negative (their differences are taken in C). False, and
        nothing changed, if not: the caller keeps it aside (`_follow_wide`)."""
        oid = ev.order_id
        leaves = ev.leaves_qty
        if cython.compiled:  # (a px that is not an int raises TypeError, as below)
            if not _to64(px, cython.address(px64)):  # noqa: F821 (exposure.pxd)
                return False
        elif not isinstance(px, int):
            raise TypeError(f"an int is required, not {type(px).__name__}")
        elif not (_fits64(px) and oid <= MAX64 and leaves <= MAX64):
            return False
        else:
            px64 = px
        if oid <= 0 or leaves < 0 or px64 < 0:
            return False
        opens = self._open
        cell = opens.find(oid)
        if is_fill:
            # (compiled: casts, no type tests: _legs holds Legs only, and an event said
            # to be a fill is an OrderFilled)
            leg = (cython.cast(Leg, self._legs[opens.leg_number(cell)]) if cell >= 0
                   else self.leg(ev.account, ev.symbol))
            fill = cython.cast(OrderFilled, ev)
            leg.shift_position(fill.last_qty if ev.side is _BUY else -fill.last_qty)
        if cell < 0:
            if leaves:
                leg = hint if hint is not None else self.leg(ev.account, ev.symbol)
                is_buy = ev.side is _BUY
                opens.add(oid, leg.number, is_buy, leaves, px64)
                leg.account.open_orders += 1
                leg.credit.change_open_notional(leaves, px64, 0, 0, leg.k, leg.k64)
                leg.shift_open(is_buy, leaves)
            return True
        old = opens.leaves(cell)
        old_px = opens.price(cell)
        if leaves == old and px64 == old_px:
            return True
        leg = cython.cast(Leg, self._legs[opens.leg_number(cell)])
        leg.credit.change_open_notional(leaves, px64, old, old_px, leg.k, leg.k64)
        leg.shift_open(opens.is_buy(cell), leaves - old)
        if leaves:
            opens.set(cell, leaves, px64)
        else:
            opens.remove(cell)
            leg.account.open_orders -= 1
        return True

    def _follow_wide(self, ev: OrderEvent, is_fill: bool, px: int) -> None:
        """`apply` for one event of an order the table does not hold: an id, leaves or price
        beyond a 64-bit integer, or an id or value out of its range (in practice never:
        risk's limits deny such orders, but exposure is exact without them). Once here, an
        order stays here until it ends, even if its values come back within range."""
        oid = ev.order_id
        wide = self._wide
        rec = wide.get(oid)
        if rec is None and 0 < oid <= MAX64:
            cell = self._open.find(oid)
            if cell >= 0:  # recorded narrow until now: move it
                rec = wide[oid] = _Open(self._legs[self._open.leg_number(cell)],
                                        self._open.is_buy(cell), self._open.leaves(cell),
                                        self._open.price(cell))
                self._open.remove(cell)
        if is_fill:
            leg = rec.leg if rec is not None else self.leg(ev.account, ev.symbol)
            fill = ev
            leg.add_position(fill.last_qty if ev.side is _BUY else -fill.last_qty)
        leaves = ev.leaves_qty
        if rec is None:
            if leaves:
                leg = self.leg(ev.account, ev.symbol)
                is_buy = ev.side is _BUY
                wide[oid] = _Open(leg, is_buy, leaves, px)
                leg.account.open_orders += 1
                leg.credit.add_open_notional(leaves * px * leg.k)
                leg.add_open(is_buy, leaves)
            return
        leg = rec.leg
        leg.credit.add_open_notional((leaves * px - rec.leaves * rec.px) * leg.k)
        leg.add_open(rec.is_buy, leaves - rec.leaves)
        if leaves:
            rec.leaves = leaves
            rec.px = px
        else:
            del wide[oid]
            leg.account.open_orders -= 1


def _fits64(value: int) -> bool:
    """Whether an exact integer fits a signed 64-bit one."""
    if cython.compiled:
        fits = _fits_c(value)  # noqa: F821 (exposure.pxd)
    else:
        fits = -(1 << 63) <= value <= MAX64
    return fits


_POSITION, _OPEN_BUY, _OPEN_SELL = 0, 1, 2  # a leg's 64-bit fields, for _add64
_FIELDS64 = ("position64", "open_buy64", "open_sell64")


def _add64(leg: Leg, field: int, delta: int) -> bool:
    """Add `delta` to one of the leg's 64-bit fields, if the sum fits one; False, and
    nothing written, if not."""
    if cython.compiled:
        if field == _POSITION:
            done = _add_c(cython.address(leg.position64), delta)  # noqa: F821 (exposure.pxd)
        elif field == _OPEN_BUY:
            done = _add_c(cython.address(leg.open_buy64), delta)  # noqa: F821
        else:
            done = _add_c(cython.address(leg.open_sell64), delta)  # noqa: F821
    else:
        total = getattr(leg, _FIELDS64[field]) + delta
        done = _fits64(total)
        if done:
            setattr(leg, _FIELDS64[field], total)
    return done


def _add_notional64(credit: Credit, leaves: int, px: int, old: int, old_px: int,
                    k: int) -> bool:
    """Add (leaves x px - old x old_px) x k to the credit's 64-bit open notional, if
    every step of it fits a 64-bit integer; False, and nothing written, if not, or if k
    is 0 (no 64-bit k)."""
    if k == 0:
        done = False
    elif cython.compiled:
        done = _add_notional_c(cython.address(credit.open_notional64),  # noqa: F821
                               leaves, px, old, old_px, k)
    else:
        total = credit.open_notional64 + (leaves * px - old * old_px) * k
        done = _fits64(total)
        if done:
            credit.open_notional64 = total
    return done


def units_text(value: int | Decimal, units: Units) -> str:
    """An amount in base units as quote currency, exact, at least two decimals."""
    return money(Decimal(value).scaleb(-units.places))


def plain(value: object) -> str:
    """An exact decimal (or int) as text: no exponent, no trailing zeros."""
    return format(Decimal(value).normalize(), "f")  # type: ignore[arg-type]


def money(value: Decimal) -> str:
    value = value.normalize()
    if int(value.as_tuple().exponent) > -2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f")
