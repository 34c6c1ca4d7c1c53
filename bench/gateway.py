"""End-to-end throughput over FIX: one QuickFIX initiator sends NewOrderSingles as fast as it
can and waits for every ExecutionReport. Prints one JSON line per mode.

    python -m bench.gateway [--orders 20000] [--mode gateway|no-journal|bare ...] [--no-freeze]

Modes, measured the same way in one process (initiator and acceptor share the 2 cores):
  gateway     the real gateway: risk, matching, SQLite journal committed before each answer
  no-journal  the same gateway with the journal switched off (what durability costs)
  bare        a bare QuickFIX acceptor answering each order with one ExecutionReport
              (the ceiling any gateway on this binding starts from)
Before the orders, what the process holds is frozen out of the cyclic garbage collector,
as `python -m gateway run` does once started (gateway/collector.py); --no-freeze leaves it
in, to measure what that changes. Each line says how many objects were frozen (`gc_frozen`,
0 with --no-freeze), counts the full collections during the orders and gives the longest
and their total (`gc_full`, `gc_full_max_ms`, `gc_full_total_ms`).
Benchmarks report; they assert nothing.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import socket
import tempfile
import threading
import time
from pathlib import Path

import quickfix as fix
import yaml

from config.settings import load_settings
from fixspec import tags
from gateway import collector
from gateway.core_loop import NoJournal

DEMO = Path(__file__).resolve().parent.parent / "config" / "gateway.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Counter(fix.Application):
    """Initiator side: counts ExecutionReports, signals when all have arrived."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected, self.count = expected, 0
        self.logged_on, self.done = threading.Event(), threading.Event()
        self.session_id = None

    def onCreate(self, sid): self.session_id = sid
    def onLogon(self, sid): self.logged_on.set()
    def onLogout(self, sid): pass
    def fromAdmin(self, msg, sid): pass
    def toApp(self, msg, sid): pass

    def toAdmin(self, msg, sid):
        if msg.getHeader().getField(tags.MsgType) == tags.MSG_Logon:
            msg.setField(tags.Username, "CLIENT1")
            msg.setField(tags.Password, "client1-demo")

    def fromApp(self, msg, sid):
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


class _Echo(fix.Application):
    """The bare acceptor: one ExecutionReport per NewOrderSingle, nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def onCreate(self, sid): pass
    def onLogon(self, sid): pass
    def onLogout(self, sid): pass
    def toAdmin(self, msg, sid): pass
    def fromAdmin(self, msg, sid): pass
    def toApp(self, msg, sid): pass

    def fromApp(self, msg, sid):
        self.n += 1
        er = fix.Message()
        er.getHeader().setField(tags.MsgType, tags.MSG_ExecutionReport)
        for tag, value in ((tags.OrderID, str(self.n)), (tags.ExecID, str(self.n)),
                           (tags.ExecType, "0"), (tags.OrdStatus, "0"),
                           (tags.Symbol, msg.getField(tags.Symbol)),
                           (tags.Side, msg.getField(tags.Side)), (tags.LeavesQty, "1"),
                           (tags.CumQty, "0"), (tags.AvgPx, "0")):
            er.setField(tag, value)
        fix.Session.sendToTarget(er, sid)


def _settings_text(role: str, port: int, store: Path, extra: str = "") -> str:
    target = "GATEWAY" if role == "initiator" else "CLIENT1"
    sender = "CLIENT1" if role == "initiator" else "GATEWAY"
    connect = (f"SocketConnectHost=127.0.0.1\nSocketConnectPort={port}\n"
               if role == "initiator" else f"SocketAcceptPort={port}\n")
    return (f"[DEFAULT]\nConnectionType={role}\nFileStorePath={store}\nStartTime=00:00:00\n"
            f"EndTime=00:00:00\nHeartBtInt=30\nReconnectInterval=1\nUseDataDictionary=N\n"
            f"{extra}\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID={sender}\n"
            f"TargetCompID={target}\n{connect}")


def _drive(port: int, workdir: Path, orders: int) -> float:
    """Send `orders` resting limit orders, wait for all acks; seconds from first send."""
    app = _Counter(orders)
    settings = fix.SessionSettings()
    settings.setFromString(_settings_text("initiator", port, workdir / "client"))
    store = fix.FileStoreFactory(settings)
    initiator = fix.SocketInitiator(app, store, settings)
    initiator.start()
    try:
        if not app.logged_on.wait(10):
            raise RuntimeError("initiator did not log on")
        stamp = time.strftime("%Y%m%d-%H:%M:%S", time.gmtime())
        started = time.perf_counter()
        for i in range(orders):
            msg = fix.Message()
            msg.getHeader().setField(tags.MsgType, tags.MSG_NewOrderSingle)
            side, price = ("1", 59_000 + i % 500) if i % 2 else ("2", 61_000 + i % 500)
            for tag, value in ((tags.ClOrdID, f"b{i}"), (tags.Symbol, "BTC-USD"),
                               (tags.Side, side), (tags.OrderQty, "0.01"),
                               (tags.OrdType, "2"), (tags.Price, str(price)),
                               (tags.TimeInForce, "1"), (tags.TransactTime, stamp)):
                msg.setField(tag, value)
            fix.Session.sendToTarget(msg, app.session_id)
        if not app.done.wait(300):
            raise RuntimeError(f"only {app.count} of {orders} reports arrived")
        return time.perf_counter() - started
    finally:
        initiator.stop(True)


def _gateway(port: int, workdir: Path, journal: bool):
    from gateway.app import Gateway

    data = yaml.safe_load(DEMO.read_text())
    data["data_dir"] = str(workdir / "var")
    data["acceptor"]["port"] = port
    data["risk"]["throttle"] = {"rate": 1_000_000, "burst": 1_000_000}
    data["risk"]["account_defaults"]["max_open_orders"] = 10_000_000
    path = workdir / "gateway.yaml"
    path.write_text(yaml.safe_dump(data))
    gw = Gateway(load_settings(path))
    if not journal:
        gw.core._journal = NoJournal()  # the benchmark's one switch: same gateway, no journal
    gw.start()
    return gw


def run(mode: str, orders: int, freeze: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        workdir, port = Path(tmp), _free_port()
        if mode == "bare":
            settings = fix.SessionSettings()
            settings.setFromString(_settings_text("acceptor", port, workdir / "server"))
            app, store = _Echo(), fix.FileStoreFactory(settings)
            server = fix.ThreadedSocketAcceptor(app, store, settings)
            server.start()
            stop = functools.partial(server.stop, True)
        else:
            gw = _gateway(port, workdir, journal=mode == "gateway")
            stop = gw.stop
        try:
            frozen = collector.freeze_start_up() if freeze else 0
            with collector.Pauses() as pauses:
                seconds = _drive(port, workdir, orders)
        finally:
            stop()
            gc.unfreeze()  # the next mode starts from what it holds itself
    return {"mode": mode, "orders": orders, "seconds": round(seconds, 3),
            "orders_per_s": round(orders / seconds), "gc_frozen": frozen, **pauses.report()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--mode", action="append", choices=("gateway", "no-journal", "bare"))
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the process's objects in the cyclic collector's sight")
    args = parser.parse_args(argv)
    from loguru import logger

    logger.remove()  # one decision line per order would measure the log, not the gateway
    for mode in args.mode or ["bare", "no-journal", "gateway"]:
        print(json.dumps(run(mode, args.orders, freeze=not args.no_freeze)), flush=True)


if __name__ == "__main__":
    main()
