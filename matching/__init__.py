"""The matching core: pure, deterministic price-time books. Commands in, events out."""
