"""The risk engine: every order passes here before the book; the answer says why not.

Pure like the core: commands, market state and the time come in as arguments; decisions and
events go out. It keeps the limits (replaceable while running), the trading states, the
per-session throttles and the exposure that follows the matching engine's events. It logs
nothing, reads no clock and never cancels anything itself: the caller runs the MassCancels
`halt_cancels` proposes, and logs and persists the events it returns; the cuts of reduce-only
orders a passed order carries (risk/reduce_only.py) are made by the matching engine.

Reference price = last trade, else the mid of a two-sided book, else the configured price.
A mid that falls between two ticks is kept exact as half-ticks, (bid + ask) / 2, and every
comparison against it is done on doubled integers: nothing is rounded toward either side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Protocol

import cython

from matching.commands import MassCancel, ReplaceOrder, SubmitOrder
from matching.engine import TopOfBook
from matching.events import OrderAccepted
from matching.model import (
    EXACT,
    Collar,
    Instrument,
    Order,
    OrdType,
    Side,
    TimeInForce,
    collar_edges,
    leaves_of,
)
from matching.names import Names
from matching.reasons import EndReason
from risk.checks import CHECKS, Denial, OrderCheck, checks_for
from risk.events import (
    SEVERITY,
    LimitChanged,
    ScopeKind,
    TradingScope,
    TradingState,
    TradingStateChanged,
)
from risk.exposure import Exposures, Leg, currency_units
from risk.limits import AccountLimits, InstrumentLimits, RiskLimits
from risk.quiet import FULL, NO_EDGE, Band, LastTrades, Quiet, quiet_edge, quiet_of
from risk.reduce_only import ReduceOnlyOrders
from risk.reference import ReferencePrices, last_trade_px
from risk.resolved import Resolved, resolve
from risk.throttle import Throttle

# Enum members bound once as module globals (an `OrdType.STOP`-style lookup goes through
# EnumType.__getattr__, slower than the `is` test it serves); see matching/engine.py.
_ACTIVE = TradingState.ACTIVE
_BUY, _MARKET, _STOP = Side.BUY, OrdType.MARKET, OrdType.STOP
_LIMIT, _STOP_LIMIT = OrdType.LIMIT, OrdType.STOP_LIMIT
_IOC, _FOK = TimeInForce.IOC, TimeInForce.FOK
_FULL, _NO_EDGE = FULL, NO_EDGE  # compiled: C integers, compared with quiet_edge's answer


Checks = tuple[Callable[[OrderCheck], "Denial | None"], ...]
_Entry = tuple["Resolved | None", Checks, "Leg | None"]
_UNKNOWN: _Entry = (None, CHECKS, None)  # an account or instrument risk has no limits for


class Market(Protocol):
    """The market data risk reads; the MatchingEngine satisfies it."""

    def last_trade_px(self, symbol: str) -> int | None: ...

    def top_of_book(self, symbol: str) -> TopOfBook: ...

    def order(self, order_id: int) -> Order | None: ...


@cython.no_gc
@cython.freelist(8)  # one made and dropped per order: reused memory, not the allocator's
@cython.cclass
@dataclass
class RiskDecision:
    """Risk's answer to one order or replace.

    `cmd` is what to send to the matching engine: the one given, or for a market order
    without a price a copy carrying the collar's edge as its protection price. `leg` is a
    new order's exposure leg, which check_order sets when it passes the order (the gate
    hands it to Exposures.apply, which files the order under it).
    """

    denial: Denial | None
    cmd: SubmitOrder | ReplaceOrder
    warnings: tuple[str, ...] = ()
    leg: Leg | None = None


class RiskEngine:
    """Pre-trade risk for every configured instrument and account.

    `throttle` (the per-session message throttle, risk/throttle.py) and `exposures` (which
    follow the matching engine's events, risk/exposure.py) are its two stateful parts;
    risk/gate.py drives them in the order path.
    """

    def __init__(self, limits: RiskLimits, instruments: Mapping[str, Instrument],
                 reference_prices: Mapping[str, int]) -> None:
        self._instruments = dict(instruments)
        self._units = currency_units(self._instruments.values())
        self._prices = ReferencePrices(reference_prices)
        self._trades = LastTrades()  # the quiet path's reads of last trade prices
        self.exposures = Exposures(self._units)
        self.reduce_only = ReduceOnlyOrders()
        self.throttle = Throttle(limits.throttle)
        self._limits = limits
        self._resolved: dict[tuple[str, str], _Entry] = {}
        # account -> symbol -> the allowed pair's quiet-path record (risk/quiet.py), found
        # by the name strings' identity first (matching/names.py)
        self._quiet: Names = Names()
        self._bands: dict[tuple[str, int, int, int | None], Band] = {}  # shared by the records
        self._resolve_all()
        self._global = _ACTIVE
        self._by_symbol: dict[str, TradingState] = {}
        self._by_account: dict[str, TradingState] = {}
        self._all_active = True

    # -- orders -------------------------------------------------------------------------

    def passes_quietly(self, cmd: SubmitOrder, market: Market) -> Leg | None:
        """The common case of check_order, answered without a RiskDecision: the order's
        exposure leg if it passes exactly as sent, every check below its quiet level and
        nothing to add to it (no protection price for a market order, no reduce-only order
        to cut). None: ask check_order, which decides and words everything else."""
        if (cmd.ord_type is _MARKET and cmd.price is None) or self.reduce_only.ids:
            return None
        quiet = self._quiet_of(cmd)
        if quiet is None or _order_edge(self, quiet, cmd, market) == _FULL:
            return None
        return quiet.leg

    def check_order(self, cmd: SubmitOrder, market: Market, now_ns: int) -> RiskDecision:
        """Run the checks on a new order; the first denial wins. Never changes exposure:
        `apply` the matching engine's events for that."""
        ord_type = cmd.ord_type
        price = cmd.price if ord_type is not _STOP else cmd.stop_price
        # The common case first: every check passes below its quiet level (nothing to deny
        # or warn), decided on integers without building an OrderCheck. Anything else, or
        # any doubt, takes the full checks below, which word the denial or warning.
        quiet = self._quiet_of(cmd)
        if quiet is not None:
            edge = _order_edge(self, quiet, cmd, market)
            if edge != _FULL:
                if cmd.price is None and edge != _NO_EDGE and ord_type is _MARKET:
                    cmd = dataclasses.replace(cmd, price=edge)  # its protection price
                if self.reduce_only.ids:
                    cmd = self._trimmed(cmd, cmd.account, cmd.symbol, cmd.side is _BUY,
                                        cmd.qty, quiet.leg, market)
                return _passed(cmd, quiet.leg)
        return self._check_order_fully(cmd, market, price)

    def _quiet_of(self, cmd: SubmitOrder) -> Quiet | None:
        """The quiet-path record of the order's account and instrument, if the quiet path
        may decide the order. (A stop (market) order takes the full checks: it is valued at
        an edge around its stop price as well, which the quiet path does not compute. Few
        orders are.)"""
        if not self._all_active or cmd.reduce_only or cmd.ord_type is _STOP:
            return None
        return self._quiet_record(cmd.account, cmd.symbol)

    def _quiet_record(self, account: str, symbol: str) -> Quiet | None:
        """The quiet-path record of an allowed (account, instrument), else None."""
        # (compiled: casts, no type tests: the tables hold these records only)
        by_symbol = cython.cast(Names, self._quiet.get(account))
        return cython.cast(Quiet, by_symbol.get(symbol)) if by_symbol is not None else None

    def _check_order_fully(self, cmd: SubmitOrder, market: Market,
                           price: int | None) -> RiskDecision:
        """Every check in order, on an OrderCheck: the path that words denials and warnings."""
        ord_type = cmd.ord_type
        c, checks = self._context(cmd.account, cmd.symbol, cmd.side is _BUY, cmd.qty, cmd.qty,
                                  price, cmd.price, cmd.reduce_only, _may_rest(cmd))
        if c.r is not None:
            self._price_context(c, market)
            if ord_type is _STOP and c.band is not None:
                c.price = _stop_valued_at(c, price)
        denial = _first_denial(c, checks)
        if denial is not None:
            return RiskDecision(denial, cmd)
        if ord_type is _MARKET and cmd.price is None and c.band is not None:
            cmd = dataclasses.replace(cmd, price=c.price)
        elif ord_type is _STOP and c.band is not None:
            cmd = dataclasses.replace(cmd, price=c.price, collar=Collar(
                c.r.collar_num, c.r.collar_den, c.r.collar_ticks))
        if self.reduce_only.ids and not cmd.reduce_only:
            cmd = self._trimmed(cmd, cmd.account, cmd.symbol, c.is_buy, cmd.qty, c.leg, market)
        return RiskDecision(None, cmd, () if c.warnings is None else tuple(c.warnings), c.leg)

    def replace_passes_quietly(self, cmd: ReplaceOrder, order: Order, market: Market) -> bool:
        """The common case of check_replace, answered without a RiskDecision: whether the
        replace passes exactly as sent, a pure quantity reduction or every check below its
        quiet level with no reduce-only order to cut. False: ask check_replace, which
        decides and words everything else."""
        if order.ord_type is _STOP and cmd.price is not None:
            return False  # check_replace drops that Price
        if _pure_reduction(cmd, order):
            return True
        return not self.reduce_only.ids and self._quiet_replace(cmd, order, market) is not None

    def check_replace(self, cmd: ReplaceOrder, order: Order, market: Market,
                      now_ns: int) -> RiskDecision:
        """A pure quantity reduction (same prices, OrderQty not larger) always passes, even
        when halted. Anything else is checked like an order of the new leaves, in place of
        the order's current leaves (a replace is not one more open order)."""
        ord_type = order.ord_type
        # A stop (market) order's price is the protection risk valued it at: a client's
        # Price on its replace is not one. The replace keeps it (Price None) unless checked
        # below, which values it anew.
        if ord_type is _STOP and cmd.price is not None:
            cmd = dataclasses.replace(cmd, price=None)
        if _pure_reduction(cmd, order):
            return _passed(cmd)
        leaves = max(cmd.qty - order.cum_qty, 0)
        freed = leaves_of(order)  # the order's leaves now, which the replace frees
        # The quiet path first, as in check_order
        quiet = self._quiet_replace(cmd, order, market)
        if quiet is not None:
            if self.reduce_only.ids:
                cmd = self._trimmed(cmd, order.account, order.symbol, order.side is _BUY,
                                    leaves - freed, quiet.leg, market)
            return _passed(cmd)
        stop_price = cmd.stop_price if cmd.stop_price is not None else order.stop_price
        c, checks = self._context(order.account, order.symbol, order.side is _BUY, cmd.qty,
                                  leaves, _valued_at(cmd, order), _limit_price(cmd, order),
                                  order.reduce_only, False)
        if c.r is not None:
            old_px = _old_price(order)
            c.freed_lots = freed
            c.freed_units = freed * old_px * c.r.units.k
            self._price_context(c, market)
            if ord_type is _STOP and c.band is not None:
                c.price = _stop_valued_at(c, stop_price)
        denial = _first_denial(c, checks)
        if denial is not None:
            return RiskDecision(denial, cmd)
        if ord_type is _STOP and c.band is not None:
            cmd = dataclasses.replace(cmd, price=c.price)  # its new protection bound
        if self.reduce_only.ids and not order.reduce_only:
            cmd = self._trimmed(cmd, order.account, order.symbol, c.is_buy,
                                leaves - freed, c.leg, market)
        return RiskDecision(None, cmd, () if c.warnings is None else tuple(c.warnings))

    def _quiet_replace(self, cmd: ReplaceOrder, order: Order, market: Market) -> Quiet | None:
        """The quiet-path record of the order's account and instrument if every check of
        the replace is below its quiet level, the order's current leaves freed; else None.
        (Not for a stop (market) order: see _quiet_of.)"""
        if not self._all_active or order.reduce_only or order.ord_type is _STOP:
            return None
        quiet = self._quiet_record(order.account, order.symbol)
        if quiet is None or quiet_edge(
                quiet, market, self._prices, self._trades, order.side is _BUY, cmd.qty,
                max(cmd.qty - order.cum_qty, 0), _valued_at(cmd, order),
                _limit_price(cmd, order), False, leaves_of(order), _old_price(order)) == _FULL:
            return None
        return quiet

    def _trimmed(self, cmd: SubmitOrder | ReplaceOrder, account: str, symbol: str,
                 is_buy: bool, adds: int, leg: Leg, market: Market) -> SubmitOrder | ReplaceOrder:
        """`cmd`, passed, carrying the cuts of reduce-only orders it makes necessary (see
        risk/reduce_only.py): a non-reduce-only order adding `adds` lots on its side."""
        trims = self.reduce_only.trims(account, symbol, is_buy, adds, leg,
                                       self._instruments[symbol], market)
        return dataclasses.replace(cmd, trims=trims) if trims else cmd

    def entered_reduce_only(self, events: list) -> None:
        """The engine's events of a reduce-only SubmitOrder (the gate's and replay's alike):
        the order they accepted, if any, is tracked."""
        for ev in events:
            if type(ev) is OrderAccepted:
                self.reduce_only.track(ev.account, ev.symbol, ev.order_id)
                return

    def _context(self, account: str, symbol: str, is_buy: bool, order_qty: int, qty: int,
                 price: int | None, limit_price: int | None, reduce_only: bool,
                 opens_order: bool) -> tuple[OrderCheck, Checks]:
        r, checks, leg = self._resolved.get((account, symbol), _UNKNOWN)
        if self._all_active:
            state, scope = _ACTIVE, ""
        else:
            state, scope = self._state(account, symbol)
        known = r is not None or account in self._limits.accounts
        return OrderCheck(account, symbol, is_buy, order_qty, qty, price, limit_price,
                          reduce_only, opens_order, known, r, leg, state, scope), checks

    def _resolve_all(self, account: str | None = None) -> None:
        """Resolve every known (account, instrument) up front, so that no order pays for
        it; with `account`, only that account's (after a change of its limits)."""
        accounts = self._limits.accounts if account is None else (account,)
        if account is None:
            self._resolved.clear()
            self._quiet.clear()
            self._bands.clear()
        for name in accounts:
            quiet = self._quiet[name] = Names()
            for symbol, inst in self._instruments.items():
                r = resolve(self._limits, name, inst, self._units[symbol])
                leg = self.exposures.leg(name, symbol)
                self._resolved[(name, symbol)] = (r, checks_for(r), leg)
                record = quiet_of(r, leg, self._bands)
                if record is not None:
                    quiet[symbol] = record

    def _price_context(self, c: OrderCheck, market: Market) -> None:
        """Reference price, collar band, and the price a priceless market order is valued at
        (the band's edge on its side, else the reference rounded against the client)."""
        px = last_trade_px(market, c.symbol)  # the common case, without building a tuple
        if px is not None:
            n, d, c.ref_source = px, 1, "last trade"
        else:
            ref = self._prices.of(market, c.symbol)
            if ref is None:
                return
            n, d, c.ref_source = ref
        c.ref, c.ref_den = n, d
        r = c.r
        assert r is not None
        if r.max_position_notional is not None:
            # The method as a Python object (compiled: its Python wrapper). Taken from the
            # typed attribute, Cython wraps the C method in a function of another signature.
            c.market, c.reference = market, cython.cast(object, self._prices).of
        if r.has_collar:
            c.band = collar_edges(n, d, r.collar_num, r.collar_den, r.collar_ticks)
        if c.price is None:
            if c.band is not None:
                c.price = c.band[1] if c.is_buy else c.band[0]
            else:
                c.price = -(-n // d)

    # -- market data --------------------------------------------------------------------

    def reference_price(self, symbol: str, market: Market) -> tuple[int, int, str] | None:
        """The reference price risk would use now: (numerator, denominator, source)."""
        return self._prices.of(market, symbol)

    def set_reference_price(self, symbol: str, ticks: int | None) -> None:
        """Change (or remove) the configured fallback reference price while running."""
        self._prices.set(symbol, ticks)

    # -- throttle and exposure ----------------------------------------------------------

    def apply(self, events: Iterable[object]) -> None:
        """Follow one command's events (replay, and anything outside the gate)."""
        self.exposures.apply(events)

    def session_ended(self, session: str) -> None:
        """Forget a session's throttle state (after logout or disconnect)."""
        self.throttle.forget(session)

    def leg(self, account: str, symbol: str) -> Leg:
        """An account's exposure in one instrument (position, open buys and sells)."""
        return self.exposures.leg(account, symbol)

    # -- trading state ------------------------------------------------------------------

    def _state(self, account: str, symbol: str) -> tuple[TradingState, str]:
        """The most restrictive state among global, instrument and account, and its scope."""
        if self._all_active:
            return _ACTIVE, ""
        worst, scope = self._global, "global"
        for state, where in ((self._by_symbol.get(symbol, _ACTIVE), f"instrument {symbol}"),
                             (self._by_account.get(account, _ACTIVE), f"account {account}")):
            if SEVERITY[state] > SEVERITY[worst]:
                worst, scope = state, where
        return worst, scope

    def trading_state(self, scope: TradingScope) -> TradingState:
        if scope.kind is ScopeKind.GLOBAL:
            return self._global
        table = self._by_symbol if scope.kind is ScopeKind.INSTRUMENT else self._by_account
        return table.get(scope.name or "", _ACTIVE)

    def set_trading_state(self, scope: TradingScope, state: TradingState, now_ns: int,
                          reason: str) -> TradingStateChanged:
        """Set the kill switch for a scope; the event says what changed (old may equal new).
        Raises ValueError for an instrument or account risk does not know (an operator typo
        must not pass for a halt)."""
        if scope.kind is ScopeKind.INSTRUMENT and scope.name not in self._instruments:
            raise ValueError(f"unknown instrument {scope.name}")
        if scope.kind is ScopeKind.ACCOUNT and scope.name not in self._limits.accounts:
            raise ValueError(f"unknown account {scope.name}")
        old = self.trading_state(scope)
        if scope.kind is ScopeKind.GLOBAL:
            self._global = state
        else:
            table = self._by_symbol if scope.kind is ScopeKind.INSTRUMENT else self._by_account
            if state is _ACTIVE:
                table.pop(scope.name or "", None)
            else:
                table[scope.name or ""] = state
        self._all_active = (self._global is _ACTIVE and not self._by_symbol
                            and not self._by_account)
        return TradingStateChanged(scope, old, state, reason, now_ns)

    @staticmethod
    def halt_cancels(scope: TradingScope, now_ns: int) -> list[MassCancel]:
        """The MassCancel that cancels every resting order in `scope`, should the caller
        choose to cancel on a halt (any owner; reason HALT)."""
        request_id = f"halt-{scope.kind.value}" + (f"-{scope.name}" if scope.name else "")
        return [MassCancel(
            None, f"{request_id}-{now_ns}", now_ns,
            account=scope.name if scope.kind is ScopeKind.ACCOUNT else None,
            symbol=scope.name if scope.kind is ScopeKind.INSTRUMENT else None,
            reason=EndReason.HALT,
        )]

    # -- limits -------------------------------------------------------------------------

    @property
    def limits(self) -> RiskLimits:
        return self._limits

    def replace_limits(self, limits: RiskLimits, *, only_account: str | None = None) -> None:
        """Swap every limit at once; applies from the next order. Exposure is kept.
        `only_account`: the caller promises only that account's limits differ."""
        self.throttle.set_limits(limits.throttle)  # first: it may refuse them (ValueError)
        self._limits = limits
        self._resolve_all(only_account)

    def set_limit(self, name: str, value: object, now_ns: int, *, account: str | None = None,
                  symbol: str | None = None, account_defaults: bool = False) -> LimitChanged:
        """Change one field at one level (None unsets it there). The level is the account's
        override for symbol, the account, the instrument, account_defaults or defaults,
        by which of account / symbol / account_defaults are given. Raises ValueError for a
        field that level does not have or a value of the wrong type (an operator error)."""
        if symbol is not None and symbol not in self._instruments:
            raise ValueError(f"unknown instrument {symbol}")
        self._check_value(name, value, symbol)
        limits = self._limits
        if account is not None:
            acct = limits.accounts.get(account)
            if acct is None:
                raise ValueError(f"unknown account {account}")
            if symbol is not None:
                old_inst = acct.instruments.get(symbol, InstrumentLimits())
                new_inst = _with(old_inst, name, value)
                acct_new = dataclasses.replace(
                    acct, instruments={**acct.instruments, symbol: new_inst})
                level, old = f"account {account} on {symbol}", getattr(old_inst, name)
            else:
                acct_new = _with(acct, name, value)
                level, old = f"account {account}", getattr(acct, name)
            limits = dataclasses.replace(limits, accounts={**limits.accounts, account: acct_new})
            self.replace_limits(limits, only_account=account)
            return LimitChanged(level, name, old, value, now_ns)
        elif account_defaults:
            level, old = "account_defaults", getattr(limits.account_defaults, name, None)
            limits = dataclasses.replace(limits,
                                         account_defaults=_with(limits.account_defaults, name,
                                                                value))
        elif symbol is not None:
            old_inst = limits.instruments.get(symbol, InstrumentLimits())
            level, old = f"instrument {symbol}", getattr(old_inst, name, None)
            limits = dataclasses.replace(
                limits, instruments={**limits.instruments, symbol: _with(old_inst, name, value)})
        else:
            level, old = "defaults", getattr(limits.defaults, name, None)
            limits = dataclasses.replace(limits, defaults=_with(limits.defaults, name, value))
        self.replace_limits(limits)
        return LimitChanged(level, name, old, value, now_ns)

    def _check_value(self, name: str, value: object, symbol: str | None) -> None:
        """What config/risk.py refuses in the file is refused live too: warn_at above 1, a
        quantity that is not whole lots of every instrument it applies to."""
        if not isinstance(value, Decimal) or not value.is_finite():
            return  # None, or another type: _with decides
        if name == "warn_at" and value > 1:
            raise ValueError(f"warn_at: {value} is not a fraction between 0 and 1")
        if name in ("max_order_qty", "max_position"):
            insts = [self._instruments[symbol]] if symbol else self._instruments.values()
            for inst in insts:
                try:
                    off_lot = bool(value % inst.lot)
                except InvalidOperation:  # beyond the 28-digit context: absurdly large
                    off_lot = True
                if off_lot:
                    raise ValueError(f"{name}: {value} is not a multiple of lot {inst.lot} "
                                     f"of {inst.symbol}")


def _passed(cmd: SubmitOrder | ReplaceOrder, leg: Leg | None = None) -> RiskDecision:
    """RiskDecision(None, cmd), built on a bare instance: the quiet path's answer to most
    orders, where the dataclass __init__ call would cost more than the checks."""
    decision = RiskDecision.__new__(RiskDecision)
    decision.denial = None
    decision.cmd = cmd
    decision.warnings = ()
    decision.leg = leg
    return decision


def _pure_reduction(cmd: ReplaceOrder, order: Order) -> bool:
    """Whether a replace is a pure quantity reduction: same prices, OrderQty not larger (a
    stop (market) order's replace gives no Price that counts: see check_replace)."""
    return (cmd.qty <= order.qty
            and (cmd.price == order.price or order.ord_type is _STOP)
            and (cmd.stop_price is None or cmd.stop_price == order.stop_price))


def _valued_at(cmd: ReplaceOrder, order: Order) -> int | None:
    """The price a replace is valued at: its Price, else the stop price it keeps or gives."""
    if cmd.price is not None:
        return cmd.price
    return cmd.stop_price if cmd.stop_price is not None else order.stop_price


def _limit_price(cmd: ReplaceOrder, order: Order) -> int | None:
    """The Price a replace gives, if it is a limit (the collar applies to it)."""
    t = order.ord_type
    return cmd.price if t is _LIMIT or t is _STOP_LIMIT else None


def _old_price(order: Order) -> int:
    """The price an order's current leaves are valued at (its price, else its stop price)."""
    return order.price if order.price is not None else (order.stop_price or 0)


def _order_edge(risk: RiskEngine, quiet: Quiet, cmd: SubmitOrder, market: Market) -> int:
    """quiet_edge for a new order (not a stop (market) order): FULL, or quiet and the
    collar's edge on its side."""
    return quiet_edge(quiet, market, risk._prices, risk._trades, cmd.side is _BUY, cmd.qty,
                      cmd.qty, cmd.price, cmd.price, _may_rest(cmd), 0, 0)


def _first_denial(c: OrderCheck, checks: Checks) -> Denial | None:
    # The texts name values in decimal, exactly: the default context would round them
    # beyond 28 digits, or fail to quantize them and raise. The FIX edge takes prices and
    # quantities of up to 28 digits, so their products stay far within 10,000.
    with localcontext(EXACT):
        for check in checks:
            denial = check(c)
            if denial is not None:
                return denial
    return None


def _with(limits: InstrumentLimits | AccountLimits, name: str, value: object):  # type: ignore
    """A copy of `limits` with one field changed, after checking the field and its type."""
    fields = {f.name: f for f in dataclasses.fields(limits)}
    if name not in fields or name == "instruments":
        raise ValueError(f"{type(limits).__name__} has no settable limit {name!r}")
    if value is not None:
        expected = fields[name].type
        if not _type_ok(value, str(expected)):
            raise ValueError(f"{name}: {value!r} is not {expected}")
    return dataclasses.replace(limits, **{name: value})


def _type_ok(value: object, annotation: str) -> bool:
    if "Decimal" in annotation:
        return isinstance(value, Decimal) and value.is_finite() and value > 0
    if "frozenset" in annotation:
        return isinstance(value, frozenset)
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _may_rest(cmd: SubmitOrder) -> bool:
    """Whether a new order can be open after the command that enters it: it may rest, or
    wait as a stop. An IOC, FOK or market order never counts against max open orders."""
    t = cmd.ord_type
    if t is _STOP or t is _STOP_LIMIT:
        return True
    return t is _LIMIT and cmd.tif is not _IOC and cmd.tif is not _FOK


def _stop_valued_at(c: OrderCheck, stop_px: int) -> int:
    """The price a stop (market) order is valued at, and passed with: the wider, on its side,
    of the collar's edges around the reference now (a trigger at once protects it there) and
    around its stop price (a trigger at the stop does). Once triggered it is protected by the
    edge around the last trade then, never beyond this price (matching/model.py Collar), so
    that what it fills stays within the notional limits it was checked against."""
    r, band = c.r, c.band
    assert r is not None and band is not None
    lo, hi = collar_edges(stop_px, 1, r.collar_num, r.collar_den, r.collar_ticks)
    return max(band[1], hi) if c.is_buy else min(band[0], lo)
