"""Pre-trade risk: limits, checks, trading state and throttles, pure like the core."""
