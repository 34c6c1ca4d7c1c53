"""Persistence with SQLAlchemy: the journal that replay rebuilds state from, and the tables
people query (orders and their changes, executions, positions, risk and admin actions).

One transaction per core batch (group commit), committed before any answer of the batch is
sent. SQLite (WAL, synchronous FULL) by default, PostgreSQL by URL, the same code for both.
The store records; it decides nothing and never changes what the core did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from gateway import codec
from matching.events import (
    OrderAccepted,
    OrderEvent,
    OrderFilled,
    OrderRejected,
)

SCHEMA_VERSION = 1
_LAST_ENTRIES = 16  # journal entries read for the time of the last: more than lack a time


metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

# The source of truth: every command the core applied, in order. Replay = apply them again.
journal = Table(
    "journal", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_ns", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
)

# Everything the core said, for audit: one row per event, in order.
events_table = Table(
    "events", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False, index=True),  # the journal entry behind it
    Column("ts_ns", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("order_id", BigInteger, index=True),
    Column("owner", String(64)),
    Column("payload", JSON, nullable=False),
)

orders = Table(
    "orders", metadata,
    Column("order_id", BigInteger, primary_key=True, autoincrement=False),
    Column("owner", String(64), nullable=False, index=True),
    Column("account", String(64), nullable=False, index=True),
    Column("cl_ord_id", String(128), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("ord_type", String(16), nullable=False),
    Column("tif", String(8), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("price", BigInteger),
    Column("stop_price", BigInteger),
    Column("status", String(24), nullable=False),
    Column("cum_qty", BigInteger, nullable=False),
    Column("cum_notional", BigInteger, nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

# Every state change of every order (and every reject), with its time and reason.
order_changes = Table(
    "order_changes", metadata,
    Column("exec_id", BigInteger, primary_key=True, autoincrement=False),
    Column("order_id", BigInteger, index=True),
    Column("owner", String(64), nullable=False),
    Column("cl_ord_id", String(128), nullable=False),
    Column("change", String(32), nullable=False),
    Column("status", String(24), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("price", BigInteger),
    Column("cum_qty", BigInteger, nullable=False),
    Column("leaves_qty", BigInteger, nullable=False),
    Column("reason", String(64)),
    Column("text", String(512)),
    Column("ts_ns", BigInteger, nullable=False),
)

executions = Table(
    "executions", metadata,
    Column("exec_id", BigInteger, primary_key=True, autoincrement=False),
    Column("trade_id", BigInteger, nullable=False, index=True),
    Column("order_id", BigInteger, nullable=False, index=True),
    Column("owner", String(64), nullable=False),
    Column("account", String(64), nullable=False, index=True),
    Column("symbol", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("last_qty", BigInteger, nullable=False),
    Column("last_px", BigInteger, nullable=False),
    Column("aggressor", Boolean, nullable=False),
    Column("contra_order_id", BigInteger, nullable=False),
    Column("ts_ns", BigInteger, nullable=False, index=True),
)

positions = Table(
    "positions", metadata,
    Column("account", String(64), primary_key=True),
    Column("symbol", String(32), primary_key=True),
    Column("net_qty", BigInteger, nullable=False),  # lots, + long
    Column("bought_qty", BigInteger, nullable=False),
    Column("sold_qty", BigInteger, nullable=False),
    Column("bought_notional", BigInteger, nullable=False),  # ticks * lots
    Column("sold_notional", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

risk_changes = Table(
    "risk_changes", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("ts_ns", BigInteger, nullable=False),
)

admin_actions = Table(
    "admin_actions", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("ts_ns", BigInteger, nullable=False),
)

# How far answers have been handed to QuickFIX: journal entries after it may not have been.
delivery = Table(
    "delivery", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
)

# Per session, the MsgSeqNum of the last message the core has made durable with what it
# became: QuickFIX counts a message on receipt, so after a crash the numbers after this one
# are asked for again (gateway/app.py).
inbound = Table(
    "inbound", metadata,
    Column("session", String(64), primary_key=True),
    Column("seq_num", BigInteger, nullable=False),
)

# Each instrument as the gateway first ran with it: the journal holds prices and quantities
# in its ticks and lots, and orders validated against its min and max (gateway/app.py).
INSTRUMENT_FIELDS = ("tick", "lot", "min_qty", "max_qty")  # its columns besides the symbol
instruments_table = Table(
    "instruments", metadata,
    Column("symbol", String(32), primary_key=True),
    Column("tick", String(64), nullable=False),  # decimal strings, exact
    Column("lot", String(64), nullable=False),
    Column("min_qty", String(64), nullable=False),
    Column("max_qty", String(64), nullable=False),
)

# Built once: with every commit, and a statement built anew costs more than it does.
_INSERT_RECEIVED = insert(inbound)
_UPDATE_RECEIVED = update(inbound).where(inbound.c.session == bindparam("b_session"))

# Snapshots of the core's state (gateway/snapshots.py): files beside the database, each named
# here once it is complete. (They used to be blobs in a table "snapshots", now unused and
# left alone in a database that has it: writing one held the core thread for seconds.)
snapshots = Table(
    "snapshot_files", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("code_version", String(64), nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("file", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
)


def connect(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # durability of every commit, WAL for speed
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    return engine


# Open exposure per account, instrument and side, from the live orders: a view, so it can never
# disagree with them. Quantities in lots, notional in ticks * lots (as everywhere in the store).
_EXPOSURES_VIEW = """exposures AS
SELECT account, symbol, side,
       COUNT(*) AS open_orders,
       SUM(qty - cum_qty) AS open_qty,
       SUM((qty - cum_qty) * COALESCE(price, stop_price, 0)) AS open_notional
FROM orders
WHERE status IN ('NEW', 'PARTIALLY_FILLED')
GROUP BY account, symbol, side
"""


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    seq: int  # the last journal entry the snapshot includes
    code_version: str
    file: str  # name in the snapshot directory
    size: int  # bytes
    sha256: str  # hex digest of the file


class Store:
    """The gateway's database. `write(batch)` is the core loop's journal (one commit)."""

    def __init__(self, url: str, admin_types: Iterable[type] = ()) -> None:
        self.engine = connect(url)
        self._admin_types = tuple(admin_types)
        self._create()
        with self.engine.connect() as conn:
            self.last_seq = conn.scalar(select(func.max(journal.c.seq))) or 0
            self._next_event_id = (conn.scalar(select(func.max(events_table.c.id))) or 0) + 1
            self._next_risk_id = (conn.scalar(select(func.max(risk_changes.c.id))) or 0) + 1
            self._positions = {(r.account, r.symbol) for r in conn.execute(
                select(positions.c.account, positions.c.symbol))}
            self.delivered_seq = conn.scalar(select(delivery.c.seq)) or 0
            self.received: dict[str, int] = {  # as recorded, and as marked since
                r.session: r.seq_num for r in conn.execute(select(inbound))}
        self._delivered_written = self.delivered_seq
        self._received_unwritten: dict[str, int] = {}

    def _create(self) -> None:
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            create = ("CREATE VIEW IF NOT EXISTS" if self.engine.dialect.name == "sqlite"
                      else "CREATE OR REPLACE VIEW")  # neither dialect knows the other's
            conn.exec_driver_sql(f"{create} {_EXPOSURES_VIEW}")
            version = conn.scalar(select(schema_version.c.version))
            if version is None:
                conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
                conn.execute(insert(delivery).values(id=1, seq=0))
            elif version != SCHEMA_VERSION:
                raise RuntimeError(f"database schema version {version}, this code needs "
                                   f"{SCHEMA_VERSION}: migrate before starting")

    def close(self) -> None:
        if self.delivered_seq != self._delivered_written or self._received_unwritten:
            with self.engine.begin() as conn:
                self._write_delivered(conn)
                self._write_received(conn)
        self.engine.dispose()

    def mark_delivered(self) -> None:
        """Everything journaled so far has been handed to QuickFIX. Written with the next
        batch (no commit of its own): a crash loses at most one batch's worth of marking,
        and those answers are sent again as possible resends."""
        self.delivered_seq = self.last_seq

    def _write_delivered(self, conn: Connection) -> None:
        conn.execute(update(delivery).where(delivery.c.id == 1).values(seq=self.delivered_seq))
        self._delivered_written = self.delivered_seq

    def mark_received(self, received: dict[str, int]) -> None:
        """The core has taken in these sessions' messages up to these numbers, with the
        batch about to be written: recorded in its commit."""
        self._received_unwritten.update(received)

    def _write_received(self, conn: Connection) -> None:
        marks = self._received_unwritten
        new = [{"session": k, "seq_num": v} for k, v in marks.items() if k not in self.received]
        known = [{"b_session": k, "seq_num": v} for k, v in marks.items() if k in self.received]
        if new:
            conn.execute(_INSERT_RECEIVED, new)
        if known:
            conn.execute(_UPDATE_RECEIVED, known)
        self.received.update(marks)
        self._received_unwritten = {}

    # -- writing (core thread) ----------------------------------------------------------------

    def write(self, batch: list[tuple[object | None, list]]) -> None:
        """Journal a batch of (applied command, events) and update the query tables, in one
        commit, with the sessions' received marks. Entries without a command (queries,
        refusals) changed nothing: not kept."""
        rows = _Rows()
        for cmd, evs in batch:
            if cmd is None:
                continue
            self.last_seq += 1
            seq = self.last_seq
            type_name, payload = codec.encode(cmd)
            ts = getattr(cmd, "ts_ns", 0)
            rows.journal.append({"seq": seq, "ts_ns": ts, "type": type_name, "payload": payload})
            if isinstance(cmd, self._admin_types):
                rows.admin.append({"seq": seq, "type": type_name, "payload": payload, "ts_ns": ts})
            for ev in evs:
                self._event_rows(rows, seq, ev)
        if not rows.journal and not self._received_unwritten:
            return
        with self.engine.begin() as conn:
            rows.flush(conn, self._positions)
            if self.delivered_seq != self._delivered_written:
                self._write_delivered(conn)
            if self._received_unwritten:
                self._write_received(conn)

    def _event_rows(self, rows: _Rows, seq: int, ev: object) -> None:
        type_name, payload = codec.encode(ev)
        order_id = getattr(ev, "order_id", None) or None
        rows.events.append({"id": self._next_event_id, "seq": seq, "ts_ns": ev.ts_ns,
                            "type": type_name, "order_id": order_id,
                            "owner": getattr(ev, "owner", None), "payload": payload})
        self._next_event_id += 1
        if not isinstance(ev, OrderEvent):
            if type_name in ("TradingStateChanged", "LimitChanged"):
                rows.risk.append({"id": self._next_risk_id, "seq": seq, "type": type_name,
                                  "payload": payload, "ts_ns": ev.ts_ns})
                self._next_risk_id += 1
            return
        if ev.exec_id:
            rows.changes.append({
                "exec_id": ev.exec_id, "order_id": order_id, "owner": ev.owner,
                "cl_ord_id": ev.cl_ord_id, "change": type_name, "status": ev.status.name,
                "qty": ev.qty, "price": ev.price, "cum_qty": ev.cum_qty,
                "leaves_qty": ev.leaves_qty,
                "reason": payload.get("reason"), "text": payload.get("text"), "ts_ns": ev.ts_ns})
        if isinstance(ev, OrderRejected):
            return
        state = {"b_order_id": ev.order_id, "cl_ord_id": ev.cl_ord_id, "qty": ev.qty,
                 "price": ev.price, "stop_price": ev.stop_price, "status": ev.status.name,
                 "cum_qty": ev.cum_qty, "cum_notional": ev.cum_notional, "updated_ns": ev.ts_ns}
        if isinstance(ev, OrderAccepted):
            rows.new_orders[ev.order_id] = {
                "order_id": ev.order_id, "owner": ev.owner, "account": ev.account,
                "symbol": ev.symbol, "side": ev.side.name, "ord_type": ev.ord_type.name,
                "tif": ev.tif.name, "created_ns": ev.ts_ns,
                **{k: v for k, v in state.items() if k != "b_order_id"}}
        elif ev.order_id in rows.new_orders:
            rows.new_orders[ev.order_id].update(
                {k: v for k, v in state.items() if k != "b_order_id"})
        else:
            rows.order_updates[ev.order_id] = state
        if isinstance(ev, OrderFilled):
            rows.executions.append({
                "exec_id": ev.exec_id, "trade_id": ev.trade_id, "order_id": ev.order_id,
                "owner": ev.owner, "account": ev.account, "symbol": ev.symbol,
                "side": ev.side.name, "last_qty": ev.last_qty, "last_px": ev.last_px,
                "aggressor": ev.aggressor, "contra_order_id": ev.contra_order_id,
                "ts_ns": ev.ts_ns})
            rows.add_fill(ev)

    # -- instruments (start-up) ----------------------------------------------------------------

    def instruments(self) -> dict[str, dict[str, str]]:
        """symbol -> {tick, lot, min_qty, max_qty} as first recorded (decimal strings)."""
        with self.engine.connect() as conn:
            return {r.symbol: {key: getattr(r, key) for key in INSTRUMENT_FIELDS}
                    for r in conn.execute(select(instruments_table))}

    def record_instruments(self, definitions: dict[str, dict[str, str]]) -> None:
        """Record instruments not recorded yet (one commit)."""
        if definitions:
            with self.engine.begin() as conn:
                conn.execute(insert(instruments_table),
                             [{"symbol": s, **d} for s, d in definitions.items()])

    def forget_instrument(self, symbol: str) -> None:
        """Drop an instrument's record (one nothing in the journal depends on)."""
        with self.engine.begin() as conn:
            conn.execute(delete(instruments_table).where(instruments_table.c.symbol == symbol))

    def instrument_uses(self, symbol: str) -> tuple[int, int] | None:
        """(how many, the first seq) of the journal entries that depend on instrument
        `symbol`: new orders in it (replayed, each is checked against its increments again,
        accepted or not) and operator actions naming it; None if there is none. Refusals
        made before an order reached the core (an unknown symbol's, a risk denial's) do not
        depend on it, nor does a ClOrdID or Text that happens to spell it."""
        token = json.dumps(symbol)  # as the JSON column serialises it (json.dumps)
        payload = cast(journal.c.payload, Text)
        depends = or_(
            and_(journal.c.type == "SubmitOrder",
                 payload.contains(f'"symbol": {token}', autoescape=True)),
            and_(journal.c.type.in_([t.__name__ for t in self._admin_types]),
                 payload.contains(token, autoescape=True)))
        with self.engine.connect() as conn:
            n, first = conn.execute(
                select(func.count(), func.min(journal.c.seq)).where(depends)).one()
        return (n, first) if n else None

    # -- reading (start-up, audit, reports) ---------------------------------------------------

    def last_journal_ns(self) -> int | None:
        """The time of the latest journal entry (None: the journal is empty). Read from the
        last few entries, as a command without a time of its own is journaled at 0."""
        with self.engine.connect() as conn:
            times = conn.scalars(select(journal.c.ts_ns).order_by(journal.c.seq.desc())
                                 .limit(_LAST_ENTRIES)).all()
        return max(times) if times else None

    def journal_after(self, seq: int) -> Iterator[tuple[int, object]]:
        """(seq, command) for every journal entry after `seq`, in order."""
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                select(journal.c.seq, journal.c.type, journal.c.payload)
                .where(journal.c.seq > seq).order_by(journal.c.seq))
            for row in result:
                yield row.seq, codec.decode(row.type, row.payload)

    def admin_commands(self) -> list[object]:
        """Every operator command ever journaled, in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(admin_actions.c.type, admin_actions.c.payload)
                                .order_by(admin_actions.c.seq))
            return [codec.decode(r.type, r.payload) for r in rows]

    def events_after(self, seq: int) -> list[object]:
        """The events of journal entries after `seq`, in order (answers not known sent)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(events_table.c.type, events_table.c.payload)
                                .where(events_table.c.seq > seq).order_by(events_table.c.id))
            return [codec.decode(r.type, r.payload) for r in rows]

    def record_snapshot(self, seq: int, code_version: str, created_ns: int, file: str,
                        size: int, sha256: str) -> list[str]:
        """Name a complete snapshot file; keep it and the one before (to fall back on) and
        return the files of the older ones, which the caller deletes."""
        with self.engine.begin() as conn:
            conn.execute(insert(snapshots).values(seq=seq, code_version=code_version,
                                                  created_ns=created_ns, file=file, size=size,
                                                  sha256=sha256))
            kept = conn.scalars(select(snapshots.c.seq).order_by(snapshots.c.seq.desc())
                                .limit(2)).all()
            old = snapshots.c.seq < min(kept)
            dropped = conn.scalars(select(snapshots.c.file).where(old)).all()
            conn.execute(snapshots.delete().where(old))
        return list(dropped)

    def snapshot_records(self) -> list[SnapshotRecord]:
        """The snapshots recorded, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(snapshots).order_by(snapshots.c.seq.desc()))
            return [SnapshotRecord(r.seq, r.code_version, r.file, r.size, r.sha256)
                    for r in rows]


class _Rows:
    """What one batch writes, grouped per table for executemany."""

    def __init__(self) -> None:
        self.journal: list[dict] = []
        self.events: list[dict] = []
        self.changes: list[dict] = []
        self.executions: list[dict] = []
        self.new_orders: dict[int, dict] = {}
        self.order_updates: dict[int, dict] = {}
        self.risk: list[dict] = []
        self.admin: list[dict] = []
        self.fills: dict[tuple[str, str], list[int]] = {}  # (account, symbol) -> deltas
        self.fill_ts = 0

    def add_fill(self, ev: OrderFilled) -> None:
        d = self.fills.setdefault((ev.account, ev.symbol), [0, 0, 0, 0, 0])
        notional = ev.last_qty * ev.last_px
        if ev.side.name == "BUY":
            d[0] += ev.last_qty
            d[1] += ev.last_qty
            d[3] += notional
        else:
            d[0] -= ev.last_qty
            d[2] += ev.last_qty
            d[4] += notional
        self.fill_ts = ev.ts_ns

    def flush(self, conn: Connection, known_positions: set[tuple[str, str]]) -> None:
        for table, rows in ((journal, self.journal), (events_table, self.events),
                            (order_changes, self.changes), (executions, self.executions),
                            (risk_changes, self.risk), (admin_actions, self.admin)):
            if rows:
                conn.execute(insert(table), rows)
        if self.new_orders:
            conn.execute(insert(orders), list(self.new_orders.values()))
        if self.order_updates:
            conn.execute(
                update(orders).where(orders.c.order_id == bindparam("b_order_id")),
                list(self.order_updates.values()))
        self._flush_positions(conn, known_positions)

    def _flush_positions(self, conn: Connection, known: set[tuple[str, str]]) -> None:
        for key, (net, bought, sold, bn, sn) in self.fills.items():
            account, symbol = key
            if key in known:
                p = positions.c
                conn.execute(update(positions).where(
                    (p.account == account) & (p.symbol == symbol)).values(
                    net_qty=p.net_qty + net, bought_qty=p.bought_qty + bought,
                    sold_qty=p.sold_qty + sold, bought_notional=p.bought_notional + bn,
                    sold_notional=p.sold_notional + sn, updated_ns=self.fill_ts))
            else:
                conn.execute(insert(positions).values(
                    account=account, symbol=symbol, net_qty=net, bought_qty=bought,
                    sold_qty=sold, bought_notional=bn, sold_notional=sn,
                    updated_ns=self.fill_ts))
                known.add(key)

