"""Read a workload file (see ../shared/bench/README.md) and turn it into engine commands.

The file is line 1 `#` + JSON metadata, then `op,sym,oid,side,price,qty,acct` rows. This
module parses it, builds the core's commands up front, maps the core's fill events back
to workload oids, folds fills into the reference checksum and has the untimed replays the
checks use. It does not time anything and does not match orders itself.

Conventions for the core: one owner `W` for everything (the workload has no sessions),
account = str(acct), ClOrdID = str(oid) for new orders, `c<line>` / `r<line>` for cancels
and replaces, ts_ns = file line number, lot 1 (workload quantities are lots already).
The ClOrdID and OrigClOrdID of every command are string objects of their own, as the FIX
decoder makes one per field of every message, so the engine hashes and compares them as it
does live; symbol and account are the one object per name that the decoder hands over
(gateway/decode.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from matching.commands import CancelOrder, ReplaceOrder, SubmitOrder
from matching.events import OrderEvent, OrderFilled, OrderRejected
from matching.model import Instrument, Order, OrdType, Side, TimeInForce
from matching.reasons import RejectReason

OWNER = "W"
HASH_MOD = (1 << 61) - 1
FIRST_ROW_LINE = 2  # line 1 is the metadata


class Row(NamedTuple):
    """One workload command, fields as in the file (side as a bool)."""

    op: str
    sym: int
    oid: int
    is_buy: bool
    price: int
    qty: int
    acct: int


class Fill(NamedTuple):
    """One trade in workload terms: resting order, aggressor, price (ticks), lots."""

    maker: int
    taker: int
    px: int
    qty: int


@dataclass(frozen=True, slots=True)
class Workload:
    meta: dict[str, Any]
    rows: list[Row]
    # acct -> its account name: the one string per name that the gateway's configuration
    # holds, which the decoder hands over and risk's limits are keyed by
    accounts: dict[int, str]

    @property
    def prefill(self) -> int:
        return int(self.meta["prefill"])

    @property
    def expected(self) -> dict[str, int]:
        return self.meta["expected"]

    def instruments(self) -> list[Instrument]:
        """Metadata symbols as instruments: tick from the file, lot 1, no size limits."""
        return [Instrument.create(s["name"], s["tick"], "1") for s in self.meta["symbols"]]


def read_workload(path: str | Path) -> Workload:
    with open(path, encoding="ascii") as f:
        header = f.readline()
        if not header.startswith("#"):
            raise ValueError(f"{path}: line 1 is not '#'+JSON metadata")
        meta = json.loads(header[1:])
        rows = []
        for line in f:
            op, sym, oid, side, price, qty, acct = line.rstrip("\n").split(",")
            rows.append(Row(op, int(sym), int(oid), side == "B", int(price), int(qty), int(acct)))
    if len(rows) != meta["total_lines"]:
        raise ValueError(f"{path}: {len(rows)} rows, metadata says {meta['total_lines']}")
    accounts = {acct: str(acct) for acct in sorted({r.acct for r in rows})}
    return Workload(meta, rows, accounts)


# -- Checksum -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Checksum:
    trades: int
    qty: int
    notional: int
    seqhash: int

    @staticmethod
    def of(fills: Iterable[Fill]) -> Checksum:
        """The README's fold over fills in execution order."""
        trades = qty = notional = h = 0
        for maker, taker, px, lots in fills:
            trades += 1
            qty += lots
            notional += px * lots
            h = (h * 1_000_003 + maker * 7 + taker * 13 + px * 17 + lots) % HASH_MOD
        return Checksum(trades, qty, notional, h)

    def matches(self, expected: dict[str, int]) -> bool:
        return (self.trades, self.qty, self.notional, self.seqhash) == (
            expected["trades"], expected["qty"], expected["notional"], expected["seqhash"])


# -- Core adapter ---------------------------------------------------------------------

class OrderLookup(Protocol):
    def order_by_clordid(self, owner: str, cl_ord_id: str) -> Order | None: ...


@dataclass(frozen=True, slots=True)
class LeavesReplace:
    """A workload `R`, which names the new *leaves*; ReplaceOrder wants the new total qty.

    The total depends on what the order has filled by then, so it is resolved against the
    engine just before the command is handled: qty = cum_qty + leaves.
    """

    template: ReplaceOrder  # qty holds the new leaves

    def resolve(self, engine: OrderLookup) -> ReplaceOrder:
        t = self.template
        order = engine.order_by_clordid(t.owner, t.orig_cl_ord_id or "")
        cum = order.cum_qty if order is not None else 0
        return ReplaceOrder(t.owner, t.cl_ord_id, t.orig_cl_ord_id, None, cum + t.qty,
                            t.price, t.ts_ns, symbol=t.symbol, side=t.side,
                            ord_type=t.ord_type, tif=t.tif, reduce_only=t.reduce_only)


CoreStep = SubmitOrder | CancelOrder | LeavesReplace

_NEW_ORDER = {  # op -> (ord_type, tif, post_only)
    "L": (OrdType.LIMIT, TimeInForce.GTC, False),
    "I": (OrdType.LIMIT, TimeInForce.IOC, False),
    "M": (OrdType.MARKET, TimeInForce.IOC, False),  # price = protection price
    "F": (OrdType.LIMIT, TimeInForce.FOK, False),
    "P": (OrdType.LIMIT, TimeInForce.GTC, True),
}


def core_steps(workload: Workload, *, by_first_cl_ord_id: bool = False,
               replace_qtys: Sequence[int] | None = None) -> list[CoreStep]:
    """One step per row. C and R name the order by its latest ClOrdID, as a FIX client does,
    or with `by_first_cl_ord_id` by the one it was entered with (an alias in the engine).

    An R is a LeavesReplace, resolved against the engine when it is replayed; given
    `replace_qtys` (from `replace_quantities`), it is the ReplaceOrder a client sends, with
    the new total quantity it worked out from its execution reports."""
    symbols = [s["name"] for s in workload.meta["symbols"]]
    accounts = workload.accounts
    latest: dict[int, str] = {}  # oid -> latest ClOrdID of its replace chain
    resolved = iter(replace_qtys) if replace_qtys is not None else None
    steps: list[CoreStep] = []
    for line, r in enumerate(workload.rows, FIRST_ROW_LINE):
        sym = symbols[r.sym]
        side = Side.BUY if r.is_buy else Side.SELL
        if r.op == "C":
            # The decoder passes a cancel's symbol on as the message's own copy, and the Side
            # FIX 4.4 requires.
            steps.append(CancelOrder(OWNER, f"c{line}", _fresh(latest[r.oid]), None, line,
                                     symbol=_fresh(sym), side=side))
        elif r.op == "R":
            cl = f"r{line}"
            qty = r.qty if resolved is None else next(resolved, None)  # new leaves, or total
            if qty is None:
                raise ValueError(f"fewer replace quantities than R rows (line {line})")
            # A client restates what the replace keeps (Side and OrdType are required, the
            # decoder always says whether ExecInst holds reduce-only): the core compares them.
            replace = ReplaceOrder(OWNER, cl, _fresh(latest[r.oid]), None, qty, r.price, line,
                                   symbol=sym, side=side, ord_type=OrdType.LIMIT,
                                   tif=TimeInForce.GTC, reduce_only=False)
            steps.append(replace if resolved is not None else LeavesReplace(replace))
            if not by_first_cl_ord_id:
                latest[r.oid] = cl
        else:
            ord_type, tif, post_only = _NEW_ORDER[r.op]
            cl = str(r.oid)
            latest[r.oid] = cl
            steps.append(SubmitOrder(OWNER, accounts[r.acct], cl, sym, side, ord_type, tif,
                                     r.qty, r.price, line, post_only=post_only))
    if resolved is not None and next(resolved, None) is not None:
        raise ValueError("more replace quantities than R rows")
    return steps


def _fresh(text: str) -> str:
    """An equal string that is a new object (with no hash computed yet)."""
    return text.encode().decode()


def replace_quantities(workload: Workload, engine: Any) -> list[int]:
    """The new total quantity of every R, in order, as a FIX client works it out from its
    execution reports (cum + leaves), found by an untimed replay on `engine`, a fresh
    engine. The core is deterministic, so a replay of
    `core_steps(workload, replace_qtys=...)` on another fresh engine meets the same fills
    at every replace, and the timed loop does no client-side work."""
    qtys = []
    for step in core_steps(workload):
        if step.__class__ is LeavesReplace:
            step = step.resolve(engine)
            qtys.append(step.qty)
        engine.handle(step)
    return qtys


class FillMapper:
    """Turns the core's events for one row after another into workload fills.

    Engine order ids are mapped back to workload oids: every event of a new or replaced
    order other than a maker fill is that order's own, so it names the order's engine id
    (which also covers an engine that gives a replaced order a new id). Raises
    AssertionError if a maker fill is not followed by its taker fill.
    """

    def __init__(self) -> None:
        self._oid_of: dict[int, int] = {}

    def __call__(self, row: Row, events: Sequence[object]) -> list[Fill]:
        oid_of = self._oid_of
        if row.op != "C":
            for ev in events:
                if isinstance(ev, OrderEvent) and ev.order_id and not (
                        isinstance(ev, OrderFilled) and not ev.aggressor):
                    oid_of[ev.order_id] = row.oid
        fills: list[Fill] = []
        maker: OrderFilled | None = None
        for ev in events:
            if not isinstance(ev, OrderFilled):
                continue
            if not ev.aggressor:
                if maker is not None:
                    raise AssertionError(f"oid {row.oid}: maker fill without taker fill")
                maker = ev
                continue
            if maker is None or (maker.order_id, maker.last_px, maker.last_qty) != (
                    ev.contra_order_id, ev.last_px, ev.last_qty):
                raise AssertionError(f"oid {row.oid}: taker fill {ev} not paired with {maker}")
            fills.append(Fill(oid_of[maker.order_id], oid_of[ev.order_id], ev.last_px,
                              ev.last_qty))
            maker = None
        if maker is not None:
            raise AssertionError(f"oid {row.oid}: maker fill without taker fill")
        return fills


@dataclass(slots=True)
class CoreRun:
    """What an untimed replay of the core produced, reduced to what the checks need."""

    fills_by_row: list[list[Fill]]
    post_only_rejects: int


def replay_core(workload: Workload, engine: Any, *, by_first_cl_ord_id: bool = False) -> CoreRun:
    """Untimed replay of every row through a core engine, reducing events as they come."""
    to_fills = FillMapper()
    fills_by_row: list[list[Fill]] = []
    post_only_rejects = 0
    steps = core_steps(workload, by_first_cl_ord_id=by_first_cl_ord_id)
    for row, step in zip(workload.rows, steps, strict=True):
        if isinstance(step, LeavesReplace):
            step = step.resolve(engine)
        events = engine.handle(step)
        fills_by_row.append(to_fills(row, events))
        post_only_rejects += sum(
            1 for ev in events if isinstance(ev, OrderRejected)
            and ev.reason is RejectReason.MATCH_POST_ONLY_WOULD_CROSS)
    return CoreRun(fills_by_row, post_only_rejects)


def replay_plain(workload: Workload, engine: Any) -> list[list[Fill]]:
    """Untimed replay of every row through the plain engine; each row's fills."""
    return [engine.handle(row) for row in workload.rows]


def first_divergence(rows: Sequence[Row], got: Sequence[Sequence[Fill]],
                     want: Sequence[Sequence[Fill]]) -> str | None:
    """Describe the first row whose fills differ between two runs, or None if none does."""
    for line, (row, g, w) in enumerate(zip(rows, got, want, strict=True), FIRST_ROW_LINE):
        if list(g) != list(w):
            return f"line {line} {row}: got fills {list(g)}, reference {list(w)}"
    return None
