"""`python -m gateway report --day YYYY-MM-DD`: per account, the day's trades, volume and the
positions at the end of the day, read from the database. Read-only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from gateway.store import Store, executions
from matching.model import Instrument


@dataclass(slots=True)
class _Line:
    trades: int = 0
    bought: int = 0  # lots
    sold: int = 0
    bought_notional: int = 0  # ticks * lots
    sold_notional: int = 0


@dataclass(slots=True)
class _Account:
    day: dict[str, _Line] = field(default_factory=dict)  # symbol -> the day's activity
    position: dict[str, int] = field(default_factory=dict)  # symbol -> net lots at day end


def _ns(d: date) -> int:
    return int(datetime.combine(d, datetime.min.time(), tzinfo=timezone.utc).timestamp()) \
        * 1_000_000_000


def day_report(store: Store, day: date, instruments: Mapping[str, Instrument]) -> list[str]:
    start, end = _ns(day), _ns(day + timedelta(days=1))
    accounts: dict[str, _Account] = {}
    e = executions.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(e.account, e.symbol, e.side, e.last_qty, e.last_px, e.ts_ns)
                            .where(e.ts_ns < end).order_by(e.exec_id))
        for r in rows:
            acct = accounts.setdefault(r.account, _Account())
            signed = r.last_qty if r.side == "BUY" else -r.last_qty
            acct.position[r.symbol] = acct.position.get(r.symbol, 0) + signed
            if r.ts_ns < start:
                continue
            line = acct.day.setdefault(r.symbol, _Line())
            line.trades += 1
            if r.side == "BUY":
                line.bought += r.last_qty
                line.bought_notional += r.last_qty * r.last_px
            else:
                line.sold += r.last_qty
                line.sold_notional += r.last_qty * r.last_px
    out = [f"report for {day.isoformat()} (UTC)"]
    if not accounts:
        return out + ["no executions"]
    for name in sorted(accounts):
        acct = accounts[name]
        trades = sum(line.trades for line in acct.day.values())
        out.append(f"account {name}: {trades} trades")
        for symbol in sorted(set(acct.day) | set(acct.position)):
            inst = instruments[symbol]
            line = acct.day.get(symbol, _Line())
            currency = symbol.partition("-")[2] or "quote"
            volume = inst.notional_text(line.bought_notional + line.sold_notional)
            out.append(
                f"  {symbol}: trades {line.trades}, bought {inst.qty_text(line.bought)}, "
                f"sold {inst.qty_text(line.sold)}, volume {volume} {currency}, "
                f"position {_signed(inst, acct.position.get(symbol, 0))}")
    return out


def _signed(inst: Instrument, lots: int) -> str:
    return ("-" if lots < 0 else "") + inst.qty_text(abs(lots)) if lots else "0"
