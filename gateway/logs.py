"""Ops logging with loguru: one readable line per decision, to stderr and a rotating file."""

from __future__ import annotations

import sys
from pathlib import Path

from loguru import logger

_FORMAT = ("<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> <level>{level: <7}</level> "
           "<cyan>{extra[session]: <8}</cyan> {message}")


def configure(log_dir: Path | None, level: str = "INFO") -> None:
    """Replace loguru's default sink. `session` is bound per line ('-' when none).

    `diagnose=False`: by default loguru prints the value of every variable in each frame of
    a logged traceback, which puts whatever a failing function held (a configured Logon
    password, a database URL's credentials) into the ops log. The file is written with
    undecodable characters escaped: a counterparty's stray byte must not cost a log line."""
    logger.remove()
    logger.configure(extra={"session": "-"})
    logger.add(sys.stderr, level=level, format=_FORMAT, colorize=None, enqueue=True,
               diagnose=False)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        logger.add(log_dir / "gateway.log", level=level, format=_FORMAT, colorize=False,
                   rotation="100 MB", retention=10, enqueue=True, diagnose=False,
                   encoding="utf-8", errors="backslashreplace")
