"""`python -m gateway audit --order ORDER_ID`: one order's full history, read-only.

Merges, in time order, the order's state changes from the database (with reason) and the FIX
messages in and out that name it (from the per-session message logs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from gateway.store import Store, order_changes, orders
from matching.model import Instrument

_ORDER_ID = re.compile(r"\|37=([^|]*)\|")
_CL_ORD_ID = re.compile(r"\|11=([^|]*)\|")
# How long before the change it asked for a request may have come in: a request is
# stamped as it is received, the change when the core takes it, milliseconds apart unless
# the core is far behind.
_MARGIN_NS = 60_000_000_000


def _stamp(ts_ns: int) -> str:
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, tz=timezone.utc):%Y%m%d-%H:%M:%S}.{ns // 1000:06d}"


def order_history(store: Store, message_dir: Path, order_id: int,
                  instruments: Mapping[str, Instrument]) -> list[str] | None:
    """Lines of the history, oldest first; None if the order is unknown."""
    with store.engine.connect() as conn:
        order = conn.execute(select(orders).where(orders.c.order_id == order_id)).first()
        if order is None:
            return None
        changes = conn.execute(select(order_changes).where(order_changes.c.order_id == order_id)
                               .order_by(order_changes.c.exec_id)).all()
    inst = instruments[order.symbol]
    head = (f"order {order_id} of {order.owner} account {order.account}: {order.side} "
            f"{order.ord_type} {order.tif} {order.symbol}; now {order.status} "
            f"qty {inst.qty_text(order.qty)} cum {inst.qty_text(order.cum_qty)} "
            f"avg {inst.avg_price_text(order.cum_notional, order.cum_qty)}")
    entries: list[tuple[str, str]] = []
    for c in changes:
        px = "-" if c.price is None else inst.price_text(c.price)
        why = f" reason={c.reason}" if c.reason else ""
        text = f" text={c.text!r}" if c.text else ""
        entries.append((_stamp(c.ts_ns), f"STATE exec={c.exec_id} {c.change} -> {c.status} "
                        f"cl={c.cl_ord_id} qty={inst.qty_text(c.qty)} px={px} "
                        f"cum={inst.qty_text(c.cum_qty)} leaves={inst.qty_text(c.leaves_qty)}"
                        f"{why}{text}"))
    # Per ClOrdID of the order, when a request under it may have come in: up to a margin
    # before each change the order made under it.
    asked: dict[str, list[tuple[str, str]]] = {}
    for cl_ord_id, ts_ns in [(order.cl_ord_id, order.created_ns),
                             *((c.cl_ord_id, c.ts_ns) for c in changes)]:
        asked.setdefault(cl_ord_id, []).append((_stamp(ts_ns - _MARGIN_NS), _stamp(ts_ns)))
    live = order.status in ("NEW", "PARTIALLY_FILLED")
    lifetime = (_stamp(order.created_ns - _MARGIN_NS),
                None if live else _stamp(order.updated_ns))
    entries += _messages(message_dir, order.owner, order_id, asked, lifetime)
    entries.sort(key=lambda e: e[0])
    return [head] + [f"{stamp} {what}" for stamp, what in entries]


def _messages(message_dir: Path, owner: str, order_id: int,
              asked: dict[str, list[tuple[str, str]]],
              lifetime: tuple[str, str | None]) -> list[tuple[str, str]]:
    """Application messages of the owner's sessions about the order: those naming its
    OrderID, and the requests naming its ClOrdIDs (`asked`: each ClOrdID of the order and
    the spans, in message-log stamps, in which a request under it came in).

    A ClOrdID is unique within a trading day only: the same one may name an order of
    another day. So a message naming an OrderID belongs to that order; a request belongs
    to this order if the order changed under the request's own ClOrdID (11) soon after it
    came in, or, naming only an OrigClOrdID (41) of this order (a refused cancel or
    replace), if it came in while the order lived (`lifetime`: end None while live)."""
    ids = "|".join(re.escape(c) for c in sorted(asked))
    naming = re.compile(rf"\|(?:37={order_id}|(?:11|41)=(?:{ids}))\|")
    since, until = lifetime
    out = []
    for path in sorted(message_dir.glob(f"*{owner}*.messages.log")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not naming.search(line):
                    continue
                stamp, _, rest = line.rstrip("\n").partition(" ")
                named = _ORDER_ID.search(line)
                own = _CL_ORD_ID.search(line)
                if named is not None:
                    ours = named.group(1) == str(order_id)
                elif own is not None and own.group(1) in asked:
                    ours = any(low <= stamp <= high for low, high in asked[own.group(1)])
                else:
                    ours = since <= stamp and (until is None or stamp <= until)
                if ours:
                    out.append((stamp, f"MSG {rest}"))
    return out
