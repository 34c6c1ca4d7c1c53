"""Fixtures for the risk tests (builders are in support.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from risk.engine import RiskEngine
from risk.limits import RiskLimits
from tests.unit.risk.support import BTC, ETH, INSTRUMENTS, REFERENCE, StubMarket, make_limits, px


@pytest.fixture
def market() -> StubMarket:
    return StubMarket(last={BTC.symbol: px(BTC, "60000"), ETH.symbol: px(ETH, "3000")})


@pytest.fixture
def engine_for() -> Callable[..., RiskEngine]:
    def build(limits: RiskLimits | None = None, refs: dict[str, int] | None = None) -> RiskEngine:
        return RiskEngine(limits or make_limits(), INSTRUMENTS,
                          REFERENCE if refs is None else refs)
    return build
