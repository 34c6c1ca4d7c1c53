"""The ops log as `gateway.logs.configure` sets it up: what a logged failure shows."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from gateway import logs


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The ops log configured into tmp_path; loguru's default sink is back afterwards."""
    logs.configure(tmp_path)
    yield tmp_path / "gateway.log"
    logger.remove()
    logger.add(sys.stderr)


def _check_credentials(given: str, expected: str) -> None:
    if given != expected:
        raise PermissionError("refused")


def test_a_logged_traceback_shows_no_variable_of_its_frames(log_file: Path) -> None:
    # Arrange: values only a frame's variables hold (a traceback also quotes source lines)
    configured, attempt = "configured-S3cret", "guess-0f-client"

    # Act
    try:
        _check_credentials(attempt, configured)
    except PermissionError:
        logger.exception("logon check failed")
    logger.complete()

    # Assert
    text = log_file.read_text(encoding="utf-8")
    assert "logon check failed" in text and "PermissionError: refused" in text
    assert "configured-S3cret" not in text and "guess-0f-client" not in text


def test_a_character_that_was_not_utf8_on_the_wire_is_logged_escaped(
        log_file: Path) -> None:
    # Arrange: b"M\xfcller" as QuickFIX hands it over
    text = b"58=M\xfcller".decode("utf-8", "surrogateescape")

    # Act
    logger.info("refused D: {}", text)
    logger.complete()

    # Assert
    assert "refused D: 58=M\\udcfcller" in log_file.read_text(encoding="utf-8")
