"""The matching engine: applies commands to the books and returns what happened, in order.

Pure and deterministic: no clock (time comes in each command), no I/O, one caller at a time.
It owns the order-id, exec-id and trade-id sequences, so a replay of the same commands from
the same start yields the same state and the same ids. Pre-trade risk happens before this.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import TypeVar

import cython

from matching.book import BookSide, OrderBook, PriceLevel
from matching.clordids import ClOrdIds
from matching.commands import (
    AdvanceTime,
    CancelOrder,
    EndOfDay,
    MassCancel,
    NewDay,
    RejectOrder,
    ReplaceOrder,
    SetSelfTradePrevention,
    SubmitOrder,
    Trim,
)
from matching.events import (
    CancelRejected,
    MassCancelDone,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReplaced,
    OrderRestated,
    OrderTriggered,
)
from matching.model import (
    Instrument,
    Order,
    OrdStatus,
    OrdType,
    Side,
    StpMode,
    TimeInForce,
    is_live_status,
    time_text,
)
from matching.names import Names
from matching.reasons import CancelRejectReason, EndReason, RejectReason

_STP_DECREMENTED = "self-trade prevention: quantity decremented"
_RESEND_CARRIED_OUT = "possible resend of a request already carried out"

# Enum members the common paths use, bound once as module globals: in CPython 3.11 each
# `TimeInForce.GTD`-style lookup goes through the slow hook of EnumType.__getattr__ (about
# 50 ns, more than the test it serves).
_BUY = Side.BUY
_MARKET, _LIMIT = OrdType.MARKET, OrdType.LIMIT
_STOP, _STOP_LIMIT = OrdType.STOP, OrdType.STOP_LIMIT
_FOK, _GTD, _GTC, _DAY = TimeInForce.FOK, TimeInForce.GTD, TimeInForce.GTC, TimeInForce.DAY
_NEW, _PARTIAL, _FILLED = OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED, OrdStatus.FILLED
_CANCELED, _EXPIRED = OrdStatus.CANCELED, OrdStatus.EXPIRED
_STP_OFF = StpMode.OFF
_REASON_FOK, _REASON_MARKET, _REASON_IOC, _REASON_REQUESTED = (
    EndReason.FOK_UNFILLABLE, EndReason.MARKET_REMAINDER, EndReason.IOC_REMAINDER,
    EndReason.REQUESTED)

_ORDER_ID = attrgetter("order_id")

_E = TypeVar("_E", bound=OrderEvent)


@cython.no_gc
@cython.cclass
@dataclass(frozen=True)
class TopOfBook:
    bid_px: int | None
    bid_qty: int
    ask_px: int | None
    ask_qty: int


@dataclass(frozen=True, slots=True)
class DepthLevel:
    price: int
    qty: int  # displayed lots
    orders: int


@dataclass(frozen=True, slots=True)
class Sequences:
    """Where the id sequences stand: the next id each will hand out."""

    order_id: int = 1
    exec_id: int = 1
    trade_id: int = 1
    priority: int = 1


class MatchingEngine:
    """Price-time matching for every configured instrument.

    `handle(cmd)` is the one entry point that changes state. Everything else is a query.
    """

    def __init__(
        self,
        instruments: Iterable[Instrument],
        stp_default: StpMode = StpMode.CANCEL_AGGRESSOR,
        stp_by_account: Mapping[str, StpMode] | None = None,
        sequences: Sequences = Sequences(),
    ) -> None:
        # by symbol, found on every command (matching/names.py: by the string's identity
        # first, as every order's symbol is its book's own string)
        self._books: Names = Names({i.symbol: OrderBook(i) for i in instruments})
        self._stp_default = stp_default
        self._stp_by_account = Names(stp_by_account)
        self._accounts: Names = Names()  # each account's name, the one copy orders share
        # Every order of the day, live or not, at its order id minus the first: ids are
        # handed out one after another, so a list does what a dict would, without hashing
        # a key per new order or rebuilding a table of a million entries as it grows.
        self._orders: list[Order] = []
        self._first_order_id = sequences.order_id
        # Orders of earlier days that were live when their day ended, by order id
        self._carried: dict[int, Order] = {}
        # (owner, ClOrdID) -> order, for every ClOrdID an order of the day or a carried
        # order has had
        self._by_clordid: ClOrdIds = ClOrdIds()
        # (owner, ClOrdID) -> order id, for those of the day before that are over: a
        # possible resend of one is recognised, not executed again
        self._day_before: ClOrdIds = ClOrdIds()
        # (owner, ClOrdID) -> report, of the mass cancels counterparties asked for today
        # and the day before: a possible resend of one is answered with its report again,
        # not carried out again on orders entered since
        self._mass_cancels: dict[tuple[str, str], MassCancelDone] = {}
        self._mass_cancels_before: dict[tuple[str, str], MassCancelDone] = {}
        self._gtd: list[tuple[int, int]] = []  # heap of (expire_ns, order_id)
        self._next_order_id = sequences.order_id
        self._next_exec_id = sequences.exec_id
        self._next_trade_id = sequences.trade_id
        self._next_priority = sequences.priority

    # -- entry point -------------------------------------------------------------------

    def handle(self, cmd: object) -> list:
        """Apply one command; return its events in the order they happened."""
        kind = type(cmd)
        # (compiled: the three commands of the order path are cast, not tested again)
        if kind is SubmitOrder:
            return self._submit(cython.cast(SubmitOrder, cmd))
        if kind is CancelOrder:
            return self._cancel(cython.cast(CancelOrder, cmd))
        if kind is ReplaceOrder:
            return self._replace(cython.cast(ReplaceOrder, cmd))
        if kind is RejectOrder:
            return self._reject(cmd, cmd.reason, cmd.text)
        if kind is MassCancel:
            return self._mass_cancel(cmd)
        if kind is AdvanceTime:
            return self._advance_time(cmd)
        if kind is EndOfDay:
            return self._end_of_day(cmd)
        if kind is NewDay:
            self._new_day()
            return []
        if kind is SetSelfTradePrevention:
            self.configure_stp(cmd.mode, cmd.by_account)
            return []
        raise TypeError(f"not a command: {cmd!r}")

    def configure_stp(self, default: StpMode, by_account: Mapping[str, StpMode]) -> None:
        """Self-trade prevention from here on (the gateway journals it as a
        SetSelfTradePrevention at every start, so that an edited setting takes effect at
        the next start and a replay still runs each command under its own)."""
        self._stp_default = default
        self._stp_by_account = Names(by_account)

    # -- queries -----------------------------------------------------------------------

    @property
    def instruments(self) -> dict[str, Instrument]:
        return {s: b.instrument for s, b in self._books.items()}

    def sequences(self) -> Sequences:
        return Sequences(self._next_order_id, self._next_exec_id, self._next_trade_id,
                         self._next_priority)

    def order(self, order_id: int) -> Order | None:
        """An order of the day or a live one of an earlier day; None for any other id."""
        i = order_id - self._first_order_id
        if 0 <= i < len(self._orders):
            return self._orders[i]
        return self._carried.get(order_id)

    def _known(self, order_id: int) -> Order:
        """A live order with an id this engine handed out (a pending stop's, a GTD entry's)."""
        i = order_id - self._first_order_id
        return self._orders[i] if i >= 0 else self._carried[order_id]

    def order_by_clordid(self, owner: str, cl_ord_id: str) -> Order | None:
        return self._by_clordid.get(owner, cl_ord_id)

    def answers_without_executing(self, owner: str, cl_ord_id: str, poss_resend: bool) -> bool:
        """Whether a new order under this ClOrdID would be answered without being executed:
        its ClOrdID is in use today (a duplicate, or a resend answered with the order's
        status), or it is a possible resend of one the day before. Risk leaves such an
        order to the engine: its answer must describe the order that already exists."""
        if self._by_clordid.get(owner, cl_ord_id) is not None:
            return True
        return poss_resend and self._day_before.get(owner, cl_ord_id) is not None

    def live_orders(self, owner: str | None = None, symbol: str | None = None) -> Iterator[Order]:
        """Live orders (resting and pending stops), in order-id order."""
        for order in self._live(symbol):
            if owner is None or order.owner == owner:
                yield order

    def _live(self, symbol: str | None) -> list[Order]:
        """Live orders of one instrument (None: all), in order-id order. Read from where
        they are filed, the books and the stop lists, so that a mass cancel at the end of a
        busy day costs what is live, not what was entered."""
        if symbol is None:
            books = list(self._books.values())
        else:
            book = self._books.get(symbol)
            books = [] if book is None else [book]
        live: list[Order] = []
        for book in books:
            live.extend(book.bids.orders())
            live.extend(book.asks.orders())
            for order_id in book.stops.order_ids():
                live.append(self._known(order_id))
        live.sort(key=_ORDER_ID)
        return live

    def top_of_book(self, symbol: str) -> TopOfBook:
        book = self._books[symbol]
        bid, ask = book.bids.best, book.asks.best
        return TopOfBook(
            bid.price if bid else None, bid.displayed if bid else 0,
            ask.price if ask else None, ask.displayed if ask else 0,
        )

    def depth(self, symbol: str, side: Side, levels: int = 10) -> list[DepthLevel]:
        out: list[DepthLevel] = []
        for level in self._books[symbol].side(side).iter_levels():
            if len(out) == levels:
                break
            out.append(DepthLevel(level.price, level.displayed, level.count))
        return out

    def status_report(self, order: Order, ts_ns: int, text: str = "") -> OrderRestated:
        """The order's current state as an event (ER 150=I). A query, not a state change:
        its exec_id is 0 and the gateway gives the report an ExecID of its own."""
        report = OrderRestated.__new__(OrderRestated)
        _as_of(report, order, ts_ns)
        report.exec_id = 0
        report.text = text
        return report

    def last_trade_px(self, symbol: str) -> int | None:
        book = self._books[symbol]
        return book.last_px

    def next_order_id(self) -> int:
        """The order id the next accepted order will be given."""
        return self._next_order_id

    def next_expiry_ns(self) -> int | None:
        """The earliest ExpireTime of the GTD orders not yet expired, None if there is none
        (it may belong to an order that has ended since: time advanced past it expires
        nothing)."""
        return self._gtd[0][0] if self._gtd else None

    def book(self, symbol: str) -> OrderBook:
        """The book itself, for invariant checks and read-only inspection."""
        return self._books[symbol]

    def check_invariants(self) -> None:
        """Every book consistent, and every live order filed exactly where it belongs."""
        filed: set[int] = set()
        for book in self._books.values():
            book.check_invariants()
            for side in (book.bids, book.asks):
                filed.update(o.order_id for o in side.orders())
            pending = list(book.stops.order_ids())
            assert len(set(pending)) == len(pending)
            filed.update(pending)
        live = {o.order_id for o in self._all_orders() if is_live_status(o.status)}
        assert all(o.order_id < self._first_order_id for o in self._carried.values())
        assert filed == live, f"live but not filed: {live - filed}; filed but dead: {filed - live}"

    def state_hash(self) -> str:
        """SHA-256 over books (queue order included), all orders and the id sequences."""
        h = hashlib.sha256()
        put = h.update
        put(repr(self.sequences()).encode())
        for symbol in sorted(self._books):
            book = self._books[symbol]
            put(f"|{symbol}|{book.last_px}".encode())
            for side in (book.bids, book.asks):
                for level in side.iter_levels():
                    put(f"L{level.price}:{level.total}:{level.hidden}".encode())
                    for o in level.queue():
                        put(f"o{o.order_id},{o.visible}".encode())
            put(repr(list(book.stops.buys) + list(book.stops.sells)).encode())
        for o in self._all_orders():
            put(
                f"O{o.order_id},{o.owner},{o.account},{o.cl_ord_id},{o.symbol},{o.side.value},"
                f"{o.ord_type.value},{o.tif.value},{o.qty},{o.price},{o.stop_price},"
                f"{o.status.value},{o.cum_qty},{o.cum_notional},{o.triggered},{o.post_only},"
                f"{o.display_qty},{o.expire_ns},{o.orig_cl_ord_id},{o.collar}".encode()
            )
        put(repr(sorted(self._gtd)).encode())
        for owner, cl_ord_id, order_id in self._day_before.items():
            put(f"D{owner},{cl_ord_id},{order_id}".encode())
        for day in (self._mass_cancels_before, self._mass_cancels):
            put(repr(sorted((k, d.canceled, d.ts_ns) for k, d in day.items())).encode())
        return h.hexdigest()

    def _all_orders(self) -> list[Order]:
        """Every order the engine holds, in order-id order: the carried ones come first."""
        return [*sorted(self._carried.values(), key=_ORDER_ID), *self._orders]

    # -- events ------------------------------------------------------------------------

    def _snap(self, ev: _E, o: Order, ts_ns: int) -> _E:
        """Fill the bare event `ev` (made by `cls.__new__(cls)`) with `o` as it is now and the
        next exec id, and return it. The caller sets the fields its class adds to OrderEvent
        (reason, fill details, ...) before handing it out.

        Events are built on a bare instance, field by field, not through the dataclass
        __init__: every command builds one or more, and keyword construction of a
        twenty-field object costs more than the rest of a simple command."""
        ev.exec_id = exec_id = self._next_exec_id
        self._next_exec_id = exec_id + 1
        return _as_of(ev, o, ts_ns)

    def _filled(self, o: Order, ts_ns: int, qty: int, px: int, trade_id: int, aggressor: bool,
                contra_order_id: int) -> OrderFilled:
        ev = OrderFilled.__new__(OrderFilled)
        self._snap(ev, o, ts_ns)
        ev.last_qty = qty
        ev.last_px = px
        ev.trade_id = trade_id
        ev.aggressor = aggressor
        ev.contra_order_id = contra_order_id
        return ev

    def _replaced(self, o: Order, ts_ns: int, ended: bool) -> OrderReplaced:
        ev = OrderReplaced.__new__(OrderReplaced)
        self._snap(ev, o, ts_ns)
        ev.ended = ended
        return ev

    def _restated(self, o: Order, ts_ns: int, text: str) -> OrderRestated:
        ev = OrderRestated.__new__(OrderRestated)
        self._snap(ev, o, ts_ns)
        ev.text = text
        return ev

    def _reject(self, cmd: SubmitOrder | RejectOrder, reason: RejectReason, text: str) -> list:
        exec_id = self._next_exec_id
        self._next_exec_id = exec_id + 1
        return [OrderRejected(
            exec_id, 0, cmd.owner, cmd.account, cmd.cl_ord_id, None, cmd.symbol, cmd.side,
            cmd.ord_type, cmd.tif, cmd.price, cmd.stop_price, cmd.qty, 0, 0, 0,
            OrdStatus.REJECTED, cmd.ts_ns, cmd.expire_ns, cmd.display_qty, cmd.post_only,
            cmd.reduce_only, reason, text,
        )]

    # -- new orders --------------------------------------------------------------------

    def _submit(self, cmd: SubmitOrder) -> list:
        book = self._books.get(cmd.symbol)
        if book is None:
            return self._reject(cmd, RejectReason.MATCH_UNKNOWN_SYMBOL,
                                f"unknown symbol {cmd.symbol!r}")
        by_clordid = self._by_clordid
        seen = by_clordid.get(cmd.owner, cmd.cl_ord_id)
        if seen is not None:
            if cmd.poss_resend:
                # A resent order we already have: answer with its state, never execute twice.
                return [self.status_report(seen, cmd.ts_ns,
                                           "possible resend of an order already received")]
            state = "live" if is_live_status(seen.status) else seen.status.value
            return self._reject(cmd, RejectReason.MATCH_DUPLICATE_CLORDID,
                                f"ClOrdID {cmd.cl_ord_id} already used by {state} order "
                                f"{seen.order_id}")
        if cmd.poss_resend:
            earlier = self._day_before.get(cmd.owner, cmd.cl_ord_id)
            if earlier is not None:
                return self._reject(cmd, RejectReason.MATCH_DUPLICATE_CLORDID,
                                    f"possible resend of ClOrdID {cmd.cl_ord_id}, used by "
                                    f"order {earlier} the day before: not executed again")
        invalid = self._validate(cmd, book)
        if invalid is not None:
            reason, text = invalid
            return self._reject(cmd, reason, text)
        if cmd.trims and not self._ends_unfilled(cmd, book):
            trimmed = self._trim(cmd.trims, cmd.ts_ns)
            return trimmed + self._enter(cmd, book)
        return self._enter(cmd, book)

    def _ends_unfilled(self, cmd: SubmitOrder, book: OrderBook) -> bool:
        """Whether a new order will end on entry without a fill: one that cannot rest and
        finds nothing to take, or a FOK that could not fill completely. Such an order never
        adds to its side, so the cuts risk asked for on its account (`cmd.trims`) are not
        made. (An IOC that fills only part is cut for all: its fills may trigger stops.)"""
        if _is_stop(cmd.ord_type) or (_is_priced(cmd.ord_type) and _is_resting_tif(cmd.tif)):
            return False
        opposite = book.opposite(cmd.side)
        if cmd.tif is _FOK:
            return not self._fok_fillable(opposite, cmd.side, cmd.price, cmd.qty, cmd.account)
        return not opposite.crosses(cmd.price, cmd.side)

    def _enter(self, cmd: SubmitOrder, book: OrderBook) -> list:
        """Number a valid new order, file it and work it."""
        order_id = self._next_order_id
        self._next_order_id = order_id + 1
        order = _entered(order_id, cmd)
        # One string object per symbol and per account, shared by all their orders: the
        # events of a sweep or a cancel copy references to these, and a reference to a
        # string every order had its own copy of is a cache miss on a cold order.
        order.symbol = book.instrument.symbol
        account = self._accounts.get(cmd.account)
        if account is None:
            account = self._accounts[cmd.account] = cmd.account
        order.account = account
        self._orders.append(order)
        self._by_clordid.add(cmd.owner, cmd.cl_ord_id, order)
        ts_ns = cmd.ts_ns
        if cmd.tif is _GTD:
            heapq.heappush(self._gtd, (cmd.expire_ns, order_id))
        events = [self._snap(OrderAccepted.__new__(OrderAccepted), order, ts_ns)]
        if _is_stop(cmd.ord_type):
            order.triggered = False
            order.priority = self._next_priority
            self._next_priority += 1
            book.stops.add(order)
            if book.last_px is not None:
                self._trigger_stops(book, events, ts_ns)
            return events
        self._work(book, order, events, ts_ns)
        return events

    def _validate(self, cmd: SubmitOrder, book: OrderBook) -> tuple[RejectReason, str] | None:
        inst = book.instrument
        if cmd.qty < inst.min_lots:
            return (RejectReason.MATCH_QTY_BELOW_MIN,
                    f"quantity {inst.qty_text(cmd.qty)} below minimum "
                    f"{inst.qty_text(inst.min_lots)} for {inst.symbol}")
        if inst.max_lots is not None and cmd.qty > inst.max_lots:
            return (RejectReason.MATCH_QTY_ABOVE_MAX,
                    f"quantity {inst.qty_text(cmd.qty)} above maximum "
                    f"{inst.qty_text(inst.max_lots)} for {inst.symbol}")
        if (cmd.ord_type is _LIMIT and cmd.price is not None and cmd.stop_price is None
                and cmd.display_qty is None and not cmd.post_only and cmd.tif is not _GTD
                and cmd.qty > 0):
            return None  # the common plain limit order: no check below can refuse it
        bad = _invalid_shape(cmd, inst)
        if bad is not None:
            return RejectReason.MATCH_INVALID_ORDER, bad
        if cmd.tif is _GTD and cmd.expire_ns <= cmd.ts_ns:
            return (RejectReason.MATCH_EXPIRE_IN_PAST,
                    (f"ExpireTime {time_text(cmd.expire_ns)} is not after the order time "
                     f"{time_text(cmd.ts_ns)}"))
        opposite = book.opposite(cmd.side)
        if cmd.post_only and opposite.crosses(cmd.price, cmd.side):
            return (RejectReason.MATCH_POST_ONLY_WOULD_CROSS,
                    f"post-only price {inst.price_text(cmd.price)} would take liquidity "
                    f"resting at {inst.price_text(opposite.best.price)}")
        return None

    def _work(self, book: OrderBook, order: Order, events: list, ts_ns: int,
              trigger: bool = True) -> int | None:
        """Match an incoming (or re-priced, or triggered) order, then rest or end it.

        Returns its first trade price (None if it did not trade); with `trigger`, also
        releases the stops its prints reached.
        """
        is_buy = order.side is _BUY
        opposite = book.asks if is_buy else book.bids
        if order.tif is _FOK and not self._fok_fillable(opposite, order.side, order.price,
                                                        order.qty - order.cum_qty,
                                                        order.account):
            self._end(order, _CANCELED, EndReason.FOK_UNFILLABLE, events, ts_ns)
            return None
        first_px = None
        best, price = opposite.best, order.price  # opposite.crosses(price), inlined
        if best is not None and (
                price is None or (best.price <= price if is_buy else best.price >= price)):
            first_px = self._match(book, opposite, order, events, ts_ns)
        if is_live_status(order.status):
            if _rests(order):
                if order.display_qty is not None:
                    order.visible = min(order.display_qty, order.qty - order.cum_qty)
                order.priority = self._next_priority
                self._next_priority += 1
                (book.bids if is_buy else book.asks).add(order)
            else:
                self._end(order, _CANCELED, _remainder_reason(order), events, ts_ns)
        if trigger and first_px is not None and book.stops.count:
            self._trigger_stops(book, events, ts_ns, first_px)
        return first_px

    def _end(self, order: Order, status: OrdStatus, reason: EndReason, events: list,
             ts_ns: int) -> None:
        """End a live order that is not (or no longer) in the book."""
        order.set_status(status)
        if status is _EXPIRED:
            expired = OrderExpired.__new__(OrderExpired)
            expired.reason = reason
            events.append(self._snap(expired, order, ts_ns))
        else:
            canceled = OrderCanceled.__new__(OrderCanceled)
            canceled.reason = reason
            events.append(self._snap(canceled, order, ts_ns))

    def _book_of(self, order: Order) -> OrderBook:
        """The book of an order (every order's symbol names one: books are never removed)."""
        # get and a test, not self._books[...]: a Python slot call, about 60 instructions
        book = self._books.get(order.symbol)
        if book is None:
            raise KeyError(order.symbol)
        return book

    def _unfile(self, book: OrderBook, order: Order) -> None:
        """Take a live order out of wherever it is filed (book or stops)."""
        if order.triggered:
            (book.bids if order.side is _BUY else book.asks).remove(order)
        else:
            book.stops.remove(order)

    # -- matching ----------------------------------------------------------------------

    def _stp_mode(self, account: str) -> StpMode:
        return self._stp_by_account.get(account, self._stp_default)

    def _fok_fillable(self, opposite: BookSide, side: Side, price: int | None, need: int,
                      account: str) -> bool:
        """Could a taker of `account` fill `need` lots at `price` (None: any) completely,
        counting what self-trade prevention would allow?"""
        stp = self._stp_mode(account)
        got = 0
        for level in opposite.iter_levels():
            if price is not None and (
                level.price > price if side is _BUY else level.price < price
            ):
                break
            if stp is _STP_OFF:
                got += level.total
            else:
                own = shown = 0
                maker = level.head
                while maker is not None:
                    if maker.account == account:
                        if stp is StpMode.CANCEL_RESTING:
                            own += maker.qty - maker.cum_qty
                            maker = maker.behind
                            continue  # it would be cancelled out of the way
                        # Matching would stop here, having taken only the shown slices
                        # ahead: a refreshed iceberg slice goes behind this order.
                        return got + shown >= need
                    shown += (maker.visible if maker.display_qty is not None
                              else maker.qty - maker.cum_qty)
                    maker = maker.behind
                got += level.total - own
            if got >= need:
                return True
        return got >= need

    def _match(self, book: OrderBook, opposite: BookSide, taker: Order, events: list,
               ts_ns: int) -> int | None:
        """Take liquidity from `opposite` for `taker`. Returns the first trade price, None if
        nothing traded; `book.last_px` becomes the last. A sweep's prints are monotonic, so
        the two bound every price it printed."""
        remaining = taker.qty - taker.cum_qty
        limit = taker.price
        is_buy = taker.side is _BUY
        account = taker.account
        stp = self._stp_mode(account)
        stp_off = stp is _STP_OFF
        append = events.append
        first_px = last_px = None
        while remaining:
            level = opposite.best
            if level is None:
                break
            px = level.price
            if limit is not None and (px > limit if is_buy else px < limit):
                break
            # The front of the queue, read anew for every trade: a fill, a refreshed iceberg
            # slice or self-trade prevention may have changed it.
            while remaining and (maker := level.head) is not None:
                if cython.compiled and maker.behind is not None:
                    # The next maker, entered a while ago and likely out of cache, loads
                    # while this one trades.
                    prefetch_object(maker.behind)  # noqa: F821 (compiled only: prefetch.pxd)
                if not stp_off and maker.account == account:
                    remaining = self._prevent_self_trade(stp, opposite, level, maker, taker,
                                                         remaining, events, ts_ns)
                    continue
                iceberg = maker.display_qty is not None
                avail = maker.visible if iceberg else maker.qty - maker.cum_qty
                q = avail if avail < remaining else remaining
                remaining -= q
                level.total -= q
                notional = px * q
                maker.cum_qty += q
                maker.cum_notional += notional
                taker.cum_qty += q
                taker.cum_notional += notional
                if maker.cum_qty == maker.qty:
                    level.unlink(maker)
                    maker.visible = 0
                    maker.set_status(_FILLED)
                else:
                    if maker.status is not _PARTIAL:
                        maker.set_status(_PARTIAL)
                    if iceberg:
                        maker.visible -= q
                        if maker.visible == 0:
                            self._refresh_slice(level, maker)
                if remaining == 0:
                    taker.set_status(_FILLED)
                elif taker.status is not _PARTIAL:
                    taker.set_status(_PARTIAL)
                trade_id = self._next_trade_id
                self._next_trade_id = trade_id + 1
                append(self._filled(maker, ts_ns, q, px, trade_id, False, taker.order_id))
                append(self._filled(taker, ts_ns, q, px, trade_id, True, maker.order_id))
                last_px = px
            if level.head is None:
                opposite.close_level(level)
            if first_px is None:
                first_px = last_px
            if not is_live_status(taker.status):
                break
        if last_px is not None:
            book.last_px = last_px
        return first_px

    def _refresh_slice(self, level: PriceLevel, maker: Order) -> None:
        """An iceberg's slice is used up: show a new one from the reserve, at the back."""
        refill = min(maker.display_qty, maker.qty - maker.cum_qty)
        maker.visible = refill
        level.hidden -= refill
        level.unlink(maker)
        level.append(maker)
        maker.priority = self._next_priority
        self._next_priority += 1

    def _prevent_self_trade(self, stp: StpMode, opposite: BookSide, level: PriceLevel,
                            maker: Order, taker: Order, remaining: int, events: list,
                            ts_ns: int) -> int:
        """Apply the account's STP mode to a match that would trade with itself.

        Returns the taker's remaining quantity: 0 when the taker was cancelled.
        """
        cancel_maker = stp in (StpMode.CANCEL_RESTING, StpMode.CANCEL_BOTH)
        cancel_taker = stp in (StpMode.CANCEL_AGGRESSOR, StpMode.CANCEL_BOTH)
        if stp is StpMode.DECREMENT_AND_CANCEL:
            # The smaller side is cancelled, the larger loses the smaller's quantity.
            maker_leaves = maker.qty - maker.cum_qty
            cut = min(maker_leaves, remaining)
            cancel_maker = cut == maker_leaves
            cancel_taker = cut == remaining
            if not cancel_maker:
                opposite.reduce(maker, maker.qty - cut)
                events.append(self._restated(maker, ts_ns, _STP_DECREMENTED))
            if not cancel_taker:
                taker.qty -= cut
                remaining -= cut
                events.append(self._restated(taker, ts_ns, _STP_DECREMENTED))
        if cancel_maker:
            opposite.detach(level, maker)
            self._end(maker, _CANCELED, EndReason.SELF_TRADE, events, ts_ns)
        if cancel_taker:
            self._end(taker, _CANCELED, EndReason.SELF_TRADE, events, ts_ns)
            return 0
        return remaining

    def _trigger_stops(self, book: OrderBook, events: list, ts_ns: int,
                       first_px: int | None = None) -> None:
        """Release every stop a print has reached: the last trade price, and every price of
        a sweep that began at `first_px`. Triggers cascade: a triggered stop's own prints
        widen the range. A loop, not recursion, so a long cascade cannot overflow the stack."""
        last = book.last_px
        if last is None:
            return
        low = high = last
        if first_px is not None:
            low, high = min(last, first_px), max(last, first_px)
        while (order_id := book.stops.pop_triggered(low, high)) is not None:
            order = self._known(order_id)
            order.triggered = True
            trigger_px = high if order.side is _BUY else low
            if order.collar is not None:
                # A stop (market) order: protected by the collar around the price now, and
                # never beyond the price risk valued it at (its price until now).
                order.price = order.collar.protection(book.last_px, order.side is _BUY,
                                                      order.price)
            triggered = OrderTriggered.__new__(OrderTriggered)
            triggered.trigger_px = trigger_px
            events.append(self._snap(triggered, order, ts_ns))
            first = self._work(book, order, events, ts_ns, trigger=False)
            if first is not None:
                last = book.last_px
                low, high = min(low, first, last), max(high, first, last)

    # -- cancel and replace ------------------------------------------------------------

    def find(self, owner: str, cl_ord_id: str | None, order_id: int | None) -> Order | None:
        """The owner's order named by any ClOrdID it has had, or by OrderID (both given: they
        must agree). Another owner's order is not found: to its caller it is unknown."""
        order = None
        if cl_ord_id is not None:
            order = self._by_clordid.get(owner, cl_ord_id)
        if order is None and order_id is not None:
            order = self.order(order_id)
        if order is None or order.owner != owner:
            return None
        if order_id is not None and order.order_id != order_id:
            return None
        return order

    def _unknown(self, owner: str, cl_ord_id: str | None, order_id: int | None) -> str:
        """Why `find` found no order: none is named, or the two names disagree."""
        if cl_ord_id is None:
            return f"unknown order {order_id}"
        named = self._by_clordid.get(owner, cl_ord_id)
        if named is None or order_id is None:
            return f"unknown order {cl_ord_id}"
        return (f"OrderID {order_id} does not name order {cl_ord_id}, whose OrderID is "
                f"{named.order_id}")

    def _cancel_reject(self, cmd: CancelOrder | ReplaceOrder, order: Order | None,
                       reason: CancelRejectReason, text: str) -> list:
        return [CancelRejected(
            cmd.owner, cmd.cl_ord_id, cmd.orig_cl_ord_id,
            order.order_id if order else None, order.status if order else None,
            isinstance(cmd, ReplaceOrder), reason, text, cmd.ts_ns,
        )]

    def _precheck(self, cmd: CancelOrder | ReplaceOrder, owner: str, cl_ord_id: str,
                  orig_cl_ord_id: str | None, order_id: int | None,
                  symbol: str | None) -> Order | list:
        """Shared refusals of cancel and replace: unknown, duplicate ClOrdID, too late.

        Returns the order to work on, or the refusal (a list of one CancelRejected). The
        fields come in as arguments so that the compiled core reads them from the typed
        command rather than through Python attribute lookups."""
        # The new ClOrdID's duplicate check below probes elsewhere in the index: started
        # now, its cache miss overlaps those of finding the order.
        self._by_clordid.prefetch(owner, cl_ord_id)
        order = self.find(owner, orig_cl_ord_id, order_id)
        if order is None:
            return self._cancel_reject(cmd, None, CancelRejectReason.UNKNOWN_ORDER,
                                       self._unknown(owner, orig_cl_ord_id, order_id))
        if symbol is not None and symbol != order.symbol:
            return self._cancel_reject(cmd, order, CancelRejectReason.MISMATCH,
                                       f"order {order.order_id} is for {order.symbol}; the "
                                       f"request says {symbol}")
        used_by = self._by_clordid.get(owner, cl_ord_id)
        if used_by is not None:
            if used_by is order and cmd.poss_resend:
                # A resent request that was carried out: its ClOrdID is the order's since.
                # Answered with the order's state (150=I), not refused as a duplicate.
                return [self.status_report(order, cmd.ts_ns, _RESEND_CARRIED_OUT)]
            return self._cancel_reject(cmd, order, CancelRejectReason.DUPLICATE_CLORDID,
                                       f"ClOrdID {cl_ord_id} already used")
        if not is_live_status(order.status):
            return self._cancel_reject(cmd, order, CancelRejectReason.TOO_LATE,
                                       f"order {order.order_id} is {order.status.value}")
        return order

    def _rename(self, order: Order, cl_ord_id: str) -> None:
        order.orig_cl_ord_id = order.cl_ord_id
        order.cl_ord_id = cl_ord_id
        self._by_clordid.add(order.owner, cl_ord_id, order)

    def _cancel(self, cmd: CancelOrder) -> list:
        found = self._precheck(cmd, cmd.owner, cmd.cl_ord_id, cmd.orig_cl_ord_id, cmd.order_id,
                               cmd.symbol)
        if type(found) is list:
            return found
        order = found
        if cmd.side is not None and cmd.side is not order.side:
            return self._cancel_reject(
                cmd, order, CancelRejectReason.MISMATCH,
                f"order {order.order_id} is a {order.side.name.lower()} order; the request "
                f"says {cmd.side.name.lower()}")
        self._unfile(self._book_of(order), order)
        self._rename(order, cmd.cl_ord_id)
        events: list = []
        self._end(order, _CANCELED, _REASON_REQUESTED, events, cmd.ts_ns)
        return events

    def _replace(self, cmd: ReplaceOrder) -> list:
        found = self._precheck(cmd, cmd.owner, cmd.cl_ord_id, cmd.orig_cl_ord_id, cmd.order_id,
                               cmd.symbol)
        if type(found) is list:
            return found
        order = found
        book = self._book_of(order)
        inst = book.instrument
        invalid = _invalid_replace(cmd, order, inst)
        if invalid is None and cmd.post_only and order.triggered and book.opposite(
                order.side).crosses(cmd.price, order.side):
            invalid = f"post-only price {inst.price_text(cmd.price)} would take liquidity"
        if invalid is not None:
            return self._cancel_reject(cmd, order, CancelRejectReason.INVALID_REPLACE, invalid)

        events: list = self._trim(cmd.trims, cmd.ts_ns) if cmd.trims else []
        ts = cmd.ts_ns
        side = book.bids if order.side is _BUY else book.asks
        self._rename(order, cmd.cl_ord_id)
        if cmd.qty <= order.cum_qty:
            # Nothing left to work: the order ends with what it has filled.
            self._unfile(book, order)
            order.qty = order.cum_qty
            order.set_status(_FILLED)
            events.append(self._replaced(order, ts, True))
            return events
        order.post_only = cmd.post_only
        if not order.triggered:
            book.stops.remove(order)
            price = cmd.price
            if price is None and order.ord_type is _STOP:
                # A stop (market) order's price is the protection risk valued it at: a
                # replace that risk gave none keeps it (risk/engine.py check_replace).
                price = order.price
            order.qty, order.price, order.stop_price = cmd.qty, price, cmd.stop_price
            book.stops.add(order)
            events.append(self._replaced(order, ts, False))
            self._trigger_stops(book, events, ts)
            return events
        if cmd.price == order.price and cmd.qty <= order.qty:
            # Same price, not larger: reduced in place, keeps its queue priority.
            side.reduce(order, cmd.qty)
            events.append(self._replaced(order, ts, False))
            return events
        # A new price or a larger quantity loses priority and re-enters, matching if it crosses.
        side.remove(order)
        order.qty, order.price = cmd.qty, cmd.price
        events.append(self._replaced(order, ts, False))
        self._work(book, order, events, ts)
        return events

    def _trim(self, trims: tuple[Trim, ...], ts_ns: int) -> list:
        """Cut reduce-only orders back as risk asked, before the order that asked enters
        (risk/reduce_only.py): in place, keeping queue priority, or cancelled when nothing
        is left. An order that has ended, or has no more left than the cut leaves, is
        passed over."""
        events: list = []
        for trim in trims:
            order = self.order(trim.order_id)
            if order is None or not order.is_live or trim.leaves >= order.leaves_qty:
                continue
            book = self._book_of(order)
            if trim.leaves <= 0:
                self._unfile(book, order)
                self._end(order, _CANCELED, EndReason.REDUCE_ONLY, events, ts_ns)
                continue
            new_qty = order.cum_qty + trim.leaves
            if order.triggered:
                book.side(order.side).reduce(order, new_qty)
            else:
                order.qty = new_qty  # a pending stop: where it waits does not depend on it
            events.append(self._restated(order, ts_ns, trim.text))
        return events

    # -- mass actions and time ---------------------------------------------------------

    def _mass_cancel(self, cmd: MassCancel) -> list:
        # A counterparty's request has a ClOrdID; a disconnect's or an operator's has none.
        key = (cmd.owner, cmd.request_id) if cmd.owner is not None and cmd.request_id else None
        if key is not None and cmd.poss_resend:
            done = self._mass_cancels.get(key) or self._mass_cancels_before.get(key)
            if done is not None:
                return [dataclasses.replace(done, text=_RESEND_CARRIED_OUT)]
        events: list = []
        victims = [
            o for o in self._live(cmd.symbol)
            if (cmd.owner is None or o.owner == cmd.owner)
            and (cmd.account is None or o.account == cmd.account)
        ]
        for order in victims:
            self._unfile(self._book_of(order), order)
            self._end(order, _CANCELED, cmd.reason, events, cmd.ts_ns)
        done = MassCancelDone(cmd.owner, cmd.request_id, cmd.account, cmd.symbol, len(victims),
                              cmd.reason, cmd.ts_ns)
        if key is not None:
            self._mass_cancels[key] = done  # a repeat, not flagged, was carried out anew
        events.append(done)
        return events

    def _advance_time(self, cmd: AdvanceTime) -> list:
        events: list = []
        heap = self._gtd
        while heap and heap[0][0] <= cmd.ts_ns:
            expire_ns, order_id = heapq.heappop(heap)
            order = self._known(order_id)
            if is_live_status(order.status):
                self._unfile(self._book_of(order), order)
                # It expired at its ExpireTime, which this command's time has passed: the
                # report's TransactTime says when it expired, not when the tick came.
                self._end(order, _EXPIRED, EndReason.GTD_EXPIRED, events, expire_ns)
        return events

    def _end_of_day(self, cmd: EndOfDay) -> list:
        events: list = []
        day = [o for o in self._live(cmd.symbol) if o.tif is TimeInForce.DAY]
        for order in day:
            self._unfile(self._book_of(order), order)
            self._end(order, _EXPIRED, EndReason.DAY_END, events, cmd.ts_ns)
        return events

    def _new_day(self) -> None:
        """Forget the orders that are over and every ClOrdID they used: the store has their
        history, and a FIX ClOrdID need only be unique within a day, so a counterparty may
        use one again from the next day on (a possible resend of one of the day before is
        still recognised). Live orders (GTC, GTD, stops waiting) carry over with every
        ClOrdID they have had. The engine then holds what is live plus the new day, not
        every order since it started, and so do its snapshots. Order, exec and trade ids
        go on from where they were: never handed out twice."""
        carried = {o.order_id: o for o in self._live(None)}
        live = ClOrdIds()
        day = self._by_clordid
        for owner, cl_ord_id, order in day.items():
            if order.order_id in carried:
                live.add(owner, cl_ord_id, order)
        # The day's index becomes the day before's as it is, each entry naming its order
        # by id only, so that the orders themselves are let go. (The live orders' entries
        # stay in it too, unread: today's index answers for them first.)
        day.map_values(_ORDER_ID)
        self._carried = carried
        self._orders = []
        self._first_order_id = self._next_order_id
        self._by_clordid = live
        self._day_before = day
        self._mass_cancels_before = self._mass_cancels
        self._mass_cancels = {}
        self._gtd = [entry for entry in self._gtd if entry[1] in carried]
        heapq.heapify(self._gtd)


def _as_of(ev: _E, o: Order, ts_ns: int) -> _E:
    """`ev` with every field of OrderEvent but its exec id taken from `o` as it is now: the
    one place that knows which order fields an event carries (MatchingEngine._snap)."""
    ev.order_id = o.order_id
    ev.owner = o.owner
    ev.account = o.account
    ev.cl_ord_id = o.cl_ord_id
    ev.orig_cl_ord_id = o.orig_cl_ord_id
    ev.symbol = o.symbol
    ev.side = o.side
    ev.ord_type = o.ord_type
    ev.tif = o.tif
    ev.price = o.price
    ev.stop_price = o.stop_price
    ev.qty = qty = o.qty
    ev.cum_qty = cum_qty = o.cum_qty
    ev.status = status = o.status
    ev.leaves_qty = qty - cum_qty if is_live_status(status) else 0
    ev.cum_notional = o.cum_notional
    ev.ts_ns = ts_ns
    ev.expire_ns = o.expire_ns
    ev.display_qty = o.display_qty
    ev.post_only = o.post_only
    ev.reduce_only = o.reduce_only
    return ev


def _entered(order_id: int, cmd: SubmitOrder) -> Order:
    """The new Order for an accepted `cmd`: the same as `Order(order_id, cmd.owner, ...,
    cmd.display_qty)` with every later field at its default, and `ts_ns` from the command.

    Built on a bare instance like the events (see MatchingEngine._snap): about half the cost
    of calling Order(...) here. Keep it in step with the fields of Order; a unit test
    compares the two."""
    o = Order.__new__(Order)
    o.order_id = order_id
    o.owner = cmd.owner
    o.account = cmd.account
    o.cl_ord_id = cmd.cl_ord_id
    o.symbol = cmd.symbol
    o.side = cmd.side
    o.ord_type = cmd.ord_type
    o.tif = cmd.tif
    o.qty = cmd.qty
    o.price = cmd.price
    o.stop_price = cmd.stop_price
    o.expire_ns = cmd.expire_ns
    o.post_only = cmd.post_only
    o.display_qty = cmd.display_qty
    o.orig_cl_ord_id = None
    o.status = _NEW
    o.cum_qty = 0
    o.cum_notional = 0
    o.visible = 0
    o.triggered = True
    o.priority = 0
    o.ts_ns = cmd.ts_ns
    o.reduce_only = cmd.reduce_only
    o.collar = cmd.collar
    return o


# -- validation helpers (pure functions of the command) --------------------------------------


# What each order type and time in force implies, as identity tests rather than set lookups:
# compiled, they cost a fraction of one, and the common paths ask on every command.


def _is_priced(t: OrdType) -> bool:
    """Has a limit price (once triggered, for a stop-limit)."""
    return t is _LIMIT or t is _STOP_LIMIT


def _is_stop(t: OrdType) -> bool:
    """Waits for a trigger."""
    return t is _STOP or t is _STOP_LIMIT


def _is_market(t: OrdType) -> bool:
    """Sweeps and never rests (once triggered, for a stop)."""
    return t is _MARKET or t is _STOP


def _is_resting_tif(tif: TimeInForce) -> bool:
    return tif is _GTC or tif is _DAY or tif is _GTD


def _rests(order: Order) -> bool:
    """Does what is left of `order` rest on the book (a priced order of a resting TIF)?"""
    return _is_priced(order.ord_type) and _is_resting_tif(order.tif)


def _remainder_reason(order: Order) -> EndReason:
    if order.tif is _FOK:
        return _REASON_FOK
    if _is_market(order.ord_type):
        return _REASON_MARKET
    return _REASON_IOC


def _invalid_shape(cmd: SubmitOrder, inst: Instrument) -> str | None:
    """Why this combination of order fields cannot be worked, or None."""
    t = cmd.ord_type
    if cmd.qty <= 0:
        return "quantity must be positive"
    if _is_priced(t) and cmd.price is None:
        return f"{t.value} order needs a price"
    if _is_stop(t) and cmd.stop_price is None:
        return f"{t.value} order needs a stop price"
    resting = _is_priced(t) and _is_resting_tif(cmd.tif)
    if cmd.post_only and (not resting or _is_stop(t)):
        return "post-only needs a resting limit order (GTC, DAY or GTD)"
    if cmd.display_qty is not None:
        if not resting:
            return "iceberg needs a resting limit order (GTC, DAY or GTD)"
        if not 0 < cmd.display_qty <= cmd.qty:
            return (f"display quantity {inst.qty_text(cmd.display_qty)} must be positive and "
                    f"at most the order quantity {inst.qty_text(cmd.qty)}")
    if cmd.tif is _GTD and cmd.expire_ns is None:
        return "GTD order needs an expire time"
    return None


def _changed_by_replace(cmd: ReplaceOrder, order: Order, inst: Instrument) -> str | None:
    """What the request says differently of what a replace keeps, as the text names it."""
    if cmd.side is not None and cmd.side is not order.side:
        return f"side of order {order.order_id} ({order.side.name.lower()})"
    if cmd.ord_type is not None and cmd.ord_type is not order.ord_type:
        return f"type of order {order.order_id} ({order.ord_type.value})"
    if cmd.tif is not None and cmd.tif is not order.tif:
        return f"time in force of order {order.order_id} ({order.tif.value})"
    if cmd.account is not None and cmd.account != order.account:
        return f"account of order {order.order_id} ({order.account})"
    if cmd.display_qty is not None and cmd.display_qty != order.display_qty:
        shown = "none" if order.display_qty is None else inst.qty_text(order.display_qty)
        return f"display quantity of order {order.order_id} ({shown})"
    if cmd.reduce_only is not None and cmd.reduce_only != order.reduce_only:
        held = "reduce-only" if order.reduce_only else "not reduce-only"
        return f"reduce-only instruction of order {order.order_id} ({held})"
    # An ExpireTime means something only on a GTD order, as on a new order.
    if cmd.expire_ns is not None and order.tif is _GTD and cmd.expire_ns != order.expire_ns:
        return f"expire time of order {order.order_id} ({time_text(order.expire_ns)})"
    return None


def _invalid_replace(cmd: ReplaceOrder, order: Order, inst: Instrument) -> str | None:
    if cmd.qty <= 0:
        return "quantity must be positive"
    unchangeable = _changed_by_replace(cmd, order, inst)
    if unchangeable is not None:
        return f"a replace cannot change the {unchangeable}"
    if _is_priced(order.ord_type) and cmd.price is None:
        return f"{order.ord_type.value} order needs a price"
    if _is_stop(order.ord_type) and not order.triggered and cmd.stop_price is None:
        return "stop order needs a stop price"
    if _is_stop(order.ord_type) and order.triggered and cmd.stop_price not in (
            None, order.stop_price):
        return "stop price of a triggered stop order cannot change"
    if cmd.qty < inst.min_lots and cmd.qty > order.cum_qty:
        return (f"quantity {inst.qty_text(cmd.qty)} below minimum "
                f"{inst.qty_text(inst.min_lots)} for {inst.symbol}")
    if inst.max_lots is not None and cmd.qty > inst.max_lots:
        return (f"quantity {inst.qty_text(cmd.qty)} above maximum "
                f"{inst.qty_text(inst.max_lots)} for {inst.symbol}")
    if cmd.post_only and (not _is_resting_tif(order.tif) or not order.triggered):
        # A pending stop's post-only would never be checked when it triggers.
        return "post-only needs a resting limit order"
    if order.display_qty is not None and order.display_qty > cmd.qty > order.cum_qty:
        return (f"quantity {inst.qty_text(cmd.qty)} below the iceberg display quantity "
                f"{inst.qty_text(order.display_qty)}")
    return None
