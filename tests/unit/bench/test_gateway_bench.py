"""bench.gateway runs end to end over real QuickFIX sessions on loopback and reports what it
promises: every order answered, and the full collections counted with and without start-up
frozen, leaving nothing frozen behind. Nothing here looks at how fast anything was."""

from __future__ import annotations

import gc

import pytest

from bench import gateway

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("freeze", [True, False], ids=["frozen", "not-frozen"])
def test_reports_orders_and_full_collections(freeze: bool) -> None:
    out = gateway.run("gateway", 200, freeze=freeze)

    assert out["mode"] == "gateway" and out["orders"] == 200 and out["orders_per_s"] > 0
    if freeze:  # the gateway, QuickFIX, SQLAlchemy and this test run: tens of thousands
        assert out["gc_frozen"] > 10_000
    else:
        assert out["gc_frozen"] == 0
    assert out["gc_full"] >= 0
    assert 0 <= out["gc_full_max_ms"] <= out["gc_full_total_ms"]
    assert gc.get_freeze_count() == 0  # unfrozen again: the next mode starts as this one did
