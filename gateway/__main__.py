"""Command line: `python -m gateway run [--config FILE]`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from loguru import logger

from config.settings import ConfigError, load_default_settings, load_settings
from gateway import logs

EXIT_CONFIG = 2
EXIT_FATAL = 1


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config) if args.config else load_default_settings()
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG
    logs.configure(settings.data_dir / "log", args.log_level)
    from gateway.app import Gateway  # imports quickfix: only once the config is good

    stopping = threading.Event()
    failure: list[BaseException] = []

    def fatal(exc: BaseException) -> None:
        failure.append(exc)
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: stopping.set())
    gateway = Gateway(settings, on_fatal=fatal)
    try:
        gateway.start()
    except Exception as error:  # e.g. the port is taken: one line, non-zero exit
        logger.error("cannot start: {}", error)
        gateway.stop()
        return EXIT_FATAL
    while not stopping.wait(0.5):
        pass
    logger.info("stopping ({})", "core failure" if failure else "signal")
    gateway.stop()
    logger.complete()
    return EXIT_FATAL if failure else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway",
                                     description="FIX gateway and matching service")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the gateway until SIGINT/SIGTERM")
    run.add_argument("--config", type=Path, help="YAML settings (default: the embedded demo)")
    run.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    parser.error(f"unknown command {args.command}")
    return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
