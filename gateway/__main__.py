"""Command line: `python -m gateway run [--config FILE]`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

from loguru import logger

from config.settings import (
    ConfigError,
    GatewaySettings,
    load_default_settings,
    load_settings,
)
from gateway import collector, logs, memory

EXIT_CONFIG = 2
EXIT_FATAL = 1


def _settings(args: argparse.Namespace) -> GatewaySettings | None:
    """The settings of --config (default: the embedded demo), or None once the one-line
    error naming file, key and problem is printed."""
    try:
        return load_settings(args.config) if args.config else load_default_settings()
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return None


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings is None:
        return EXIT_CONFIG
    logs.configure(settings.data_dir / "log", args.log_level)
    from gateway.app import Gateway  # imports quickfix: only once the config is good

    stopping = threading.Event()  # set by the core thread on a fatal failure
    failure: list[BaseException] = []
    # A signal handler only appends to a list: Event.set takes a lock, and a second signal
    # handled while the first handler holds it (two SIGTERMs at once) deadlocked the stop.
    signalled: list[int] = []

    def fatal(exc: BaseException) -> None:
        failure.append(exc)
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: signalled.append(signum))
    touching = time.perf_counter()
    try:  # for the whole process, before recovery rebuilds the day
        kept = memory.keep(settings.memory.pretouch_mib)
    except MemoryError as error:
        logger.error("cannot start: {} (memory.pretouch_mib in {})", error, settings.source)
        return EXIT_FATAL
    touched_s = time.perf_counter() - touching
    try:
        gateway = Gateway(settings, on_fatal=fatal)  # opens the database and recovers
    except ConfigError as error:  # e.g. an instrument changed since the journal was written
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG
    except Exception as error:  # e.g. unreachable database, schema of another version
        logger.error("cannot start: {}", error)
        return EXIT_FATAL
    frozen = collector.freeze_start_up()  # its collection keeps no session waiting yet
    try:
        gateway.start()
    except Exception as error:  # e.g. the port is taken: one line, non-zero exit
        logger.error("cannot start: {}", error)
        gateway.stop()
        return EXIT_FATAL
    if kept:  # said once started: a refusal to start stays one line
        touched = memory.arena_counts().touched_mib
        logger.info("freed memory is kept for reuse (small-object arenas{}{}): fewer page "
                    "faults in the order path; the process keeps its peak memory",
                    ", malloc's heap" if memory.malloc_kept() else "",
                    f"; {touched} MiB of arenas touched at start in {touched_s:.2f}s"
                    if touched else "")
    logger.info("{} objects of start-up and recovery frozen out of the cyclic collector "
                "(gc.freeze): a full collection no longer walks them", frozen)
    while not signalled and not stopping.wait(0.2):
        pass
    logger.info("stopping ({})", "core failure" if failure else "signal")
    gateway.stop()
    logger.complete()
    return EXIT_FATAL if failure else 0


def _read_only(args: argparse.Namespace) -> int:
    """audit / report: read the database of a (running or stopped) gateway."""
    settings = _settings(args)
    if settings is None:
        return EXIT_CONFIG
    from gateway.audit import order_history
    from gateway.report import day_report
    from gateway.store import Store

    instruments = {s: i.to_instrument() for s, i in settings.instruments.items()}
    store = Store(settings.database.url)
    try:
        if args.command == "audit":
            lines = order_history(store, settings.data_dir / "log" / "messages", args.order,
                                  instruments)
            if lines is None:
                print(f"order {args.order} not found in {settings.database.display_url}",
                      file=sys.stderr)
                return 1
        else:
            lines = day_report(store, args.day, instruments)
    finally:
        store.close()
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway",
                                     description="FIX gateway and matching service")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the gateway until SIGINT/SIGTERM")
    run.add_argument("--config", type=Path, help="YAML settings (default: the embedded demo)")
    run.add_argument("--log-level", default="INFO")
    audit = sub.add_parser("audit", help="print one order's full history")
    audit.add_argument("--order", type=int, required=True, metavar="ORDER_ID")
    audit.add_argument("--config", type=Path, help="YAML settings (default: the embedded demo)")
    report = sub.add_parser("report", help="per-account trades, volume and positions of a day")
    report.add_argument("--day", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--config", type=Path, help="YAML settings (default: the embedded demo)")
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command in ("audit", "report"):
        return _read_only(args)
    parser.error(f"unknown command {args.command}")
    return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
