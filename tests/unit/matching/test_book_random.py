"""Seeded random command streams: the book's invariants hold after every command, ids are
never reused, and a replay of the same commands yields the same state and the same events.

Every command type takes part (upstream refusals too): limits of each time in force, market, stop and stop-limit,
post-only, icebergs, cancels and replaces (good, unknown, finished, other owner's),
PossResend, mass cancels, time advances past GTD expiries and end of day, under mixed
self-trade prevention modes.
"""

from __future__ import annotations

import random

import pytest

from matching.commands import (
    AdvanceTime,
    CancelOrder,
    EndOfDay,
    MassCancel,
    NewDay,
    RejectOrder,
    ReplaceOrder,
    SubmitOrder,
)
from matching.engine import MatchingEngine
from matching.events import OrderAccepted, OrderEvent, OrderFilled, OrderRestated
from matching.model import Instrument, Order, OrdStatus, OrdType, Side, StpMode, TimeInForce
from matching.reasons import RejectReason
from tests.unit.matching.conftest import btc

SEEDS = [348290254, 7, 2024, 99991]
COMMANDS = 2_500
SYMBOLS = {"BTC-USD": 10_000, "ETH-USD": 3_000}  # mid prices in ticks
OWNERS = ["o0", "o1", "o2", "o3"]
# Each owner trades for two accounts; "shared" is used by o0 and o1 so STP spans owners.
ACCOUNTS = {"o0": ["a0", "shared"], "o1": ["a1", "shared"], "o2": ["a2", "a2b"], "o3": ["a3", "a3"]}


def _engine(rng: random.Random) -> MatchingEngine:
    accounts = sorted({a for accs in ACCOUNTS.values() for a in accs})
    modes = list(StpMode)
    return MatchingEngine(
        [btc(), Instrument.create("ETH-USD", "0.01", "0.001", "0.001", "5000")],
        stp_default=rng.choice(modes),
        stp_by_account={a: rng.choice(modes) for a in accounts if rng.random() < 0.6},
    )


class _Stream:
    """Builds one random command at a time; may look at the engine to aim cancels/replaces."""

    def __init__(self, rng: random.Random, engine: MatchingEngine) -> None:
        self.rng = rng
        self.engine = engine
        self.ts = 1_000
        self.n = 0
        self.sent: list[tuple[str, str]] = []  # (owner, ClOrdID) of every new order sent
        self.mid = dict(SYMBOLS)

    def _cl(self) -> str:
        self.n += 1
        return f"c{self.n}"

    def next(self) -> object:
        rng = self.rng
        self.ts += rng.randint(0, 50)
        r = rng.random()
        if r < 0.54:
            return self._new_order()
        if r < 0.55:  # refused by decode or risk before the book
            return RejectOrder.of(self._new_order(), RejectReason.RISK_MAX_QTY, "too big")
        if r < 0.72:
            return self._replace()
        if r < 0.82:
            return self._cancel()
        if r < 0.85:
            return self._resend()
        if r < 0.93:
            self.ts += rng.randint(0, 400)
            return AdvanceTime(self.ts)
        if r < 0.945:
            owner = rng.choice([*OWNERS, *OWNERS, None])
            account = rng.choice([None, None, *ACCOUNTS[owner or "o0"]])
            return MassCancel(owner, self._cl(), self.ts, account=account,
                              symbol=rng.choice([None, *SYMBOLS]))
        if r < 0.95:
            if rng.random() < 0.3:
                return NewDay(self.ts)
            return EndOfDay(self.ts, symbol=rng.choice([None, *SYMBOLS]))
        for sym in self.mid:  # drift so that stops get triggered both ways
            self.mid[sym] += rng.randint(-6, 6)
        return AdvanceTime(self.ts)

    def _new_order(self) -> SubmitOrder:
        rng = self.rng
        owner = rng.choice(OWNERS)
        symbol = rng.choice(list(SYMBOLS))
        side = rng.choice([Side.BUY, Side.SELL])
        mid = self.mid[symbol]
        # Buys mostly below mid and sells above, with a fringe that crosses.
        px = mid + (-1 if side is Side.BUY else 1) * rng.randint(-3, 8)
        qty = rng.randint(1, 20)
        if rng.random() < 0.02:
            qty = rng.choice([0, rng.randint(1, 200)])  # a refusal, or a deep sweep
        kind = rng.random()
        kw: dict = {}
        if kind < 0.60:
            ord_type, price = OrdType.LIMIT, px
            tif = rng.choices(list(TimeInForce), weights=[2, 6, 2, 1, 2])[0]
            if rng.random() < 0.1:
                kw["post_only"] = True
            if rng.random() < 0.15:
                kw["display_qty"] = rng.randint(1, qty) if qty > 0 else 1
        elif kind < 0.75:
            ord_type, tif = OrdType.MARKET, rng.choice([TimeInForce.IOC, TimeInForce.FOK])
            price = px if rng.random() < 0.5 else None
        else:
            last = self.engine.last_trade_px(symbol) or mid
            trigger = last + (1 if side is Side.BUY else -1) * rng.randint(-2, 6)
            if rng.random() < 0.5:
                ord_type, price = OrdType.STOP, None
            else:
                ord_type, price = OrdType.STOP_LIMIT, trigger + rng.randint(-3, 3)
            tif = rng.choice([TimeInForce.GTC, TimeInForce.DAY, TimeInForce.GTD, TimeInForce.IOC])
            kw["stop_price"] = trigger
        if tif is TimeInForce.GTD:
            kw["expire_ns"] = self.ts + rng.randint(-10, 3_000)
        cl = self._cl()
        self.sent.append((owner, cl))
        return SubmitOrder(owner, rng.choice(ACCOUNTS[owner]), cl, symbol, side, ord_type, tif,
                           qty, price, self.ts, **kw)

    def _target(self) -> tuple[str, str | None, int | None, object]:
        """(owner, OrigClOrdID, OrderID, order or None) for a cancel or replace."""
        rng = self.rng
        if not self.sent or rng.random() < 0.05:
            return rng.choice(OWNERS), f"nope{rng.randint(1, 9)}", None, None
        live = list(self.engine.live_orders())
        if live and rng.random() < 0.8:
            order = rng.choice(live)
            owner, cl = order.owner, rng.choice([order.cl_ord_id, order.orig_cl_ord_id or order.cl_ord_id])
        else:
            owner, cl = rng.choice(self.sent[-60:])
            order = self.engine.order_by_clordid(owner, cl)
        if order is not None and rng.random() < 0.08:
            owner = rng.choice(OWNERS)  # maybe someone else's order
        r = rng.random()
        if order is not None and r < 0.25:
            return owner, None, order.order_id, order
        if order is not None and r < 0.35:
            return owner, order.cl_ord_id, order.order_id, order  # latest ClOrdID
        return owner, cl, None, order

    def _cancel(self) -> CancelOrder:
        owner, orig, order_id, _ = self._target()
        return CancelOrder(owner, self._cl(), orig, order_id, self.ts)

    def _replace(self) -> ReplaceOrder:
        rng = self.rng
        owner, orig, order_id, order = self._target()
        if order is None:
            return ReplaceOrder(owner, self._cl(), orig, order_id, rng.randint(1, 20), 1, self.ts)
        r = rng.random()
        if r < 0.15 and order.cum_qty:
            qty = rng.randint(1, order.cum_qty)  # at or below filled: ends the order
        elif r < 0.55:
            qty = max(1, order.qty - rng.randint(0, 5))
        else:
            qty = order.qty + rng.randint(1, 10)
        price = order.price
        if price is not None and rng.random() < 0.5:
            price += rng.randint(-6, 6)
        stop_price = order.stop_price
        if stop_price is not None and not order.triggered and rng.random() < 0.5:
            stop_price += rng.randint(-4, 4)
        post_only = order.post_only if rng.random() < 0.9 else not order.post_only
        return ReplaceOrder(owner, self._cl(), orig, order_id, qty, price, self.ts,
                            stop_price=stop_price, post_only=post_only)

    def _resend(self) -> SubmitOrder:
        """A PossResend of an order already sent (or, rarely, of a new one)."""
        cmd = self._new_order()
        if len(self.sent) > 1:
            self.sent.pop()  # its own fresh ClOrdID is not sent after all
            owner, cl = self.rng.choice(self.sent)
            cmd.owner, cmd.cl_ord_id, cmd.account = owner, cl, ACCOUNTS[owner][0]
        cmd.poss_resend = True
        return cmd


def _check_events(engine: MatchingEngine, events: list, last_exec_id: int) -> int:
    """Per-command event checks; returns the highest exec id seen."""
    for ev in events:
        if not isinstance(ev, OrderEvent):
            continue
        if isinstance(ev, OrderRestated) and ev.exec_id == 0:
            continue  # a status report (PossResend answer) carries no exec id of the core
        assert ev.exec_id == last_exec_id + 1, "exec ids must be consecutive and never reused"
        last_exec_id = ev.exec_id
        assert 0 <= ev.cum_qty <= ev.qty
        if ev.status in (OrdStatus.NEW, OrdStatus.PARTIALLY_FILLED):
            assert ev.leaves_qty == ev.qty - ev.cum_qty > 0
        else:
            assert ev.leaves_qty == 0
        if isinstance(ev, OrderFilled):
            order = engine.order(ev.order_id)
            if ev.aggressor:
                assert not order.post_only, "a post-only order took liquidity"
                if ev.price is not None and order.ord_type is not OrdType.STOP:
                    assert (ev.last_px <= ev.price if ev.side is Side.BUY
                            else ev.last_px >= ev.price), "aggressor traded through its limit"
            else:
                assert ev.last_px == ev.price, "trade must print at the resting price"
    return last_exec_id


def _run(seed: int) -> tuple[list, list, MatchingEngine, dict[int, Order]]:
    """The commands, their events, the engine after them, and every order it accepted (an
    end of day makes the engine forget those that are over)."""
    rng = random.Random(seed)
    engine = _engine(rng)
    stream = _Stream(rng, engine)
    commands, outputs = [], []
    accepted: dict[int, Order] = {}
    last_exec_id = 0
    for _ in range(COMMANDS):
        cmd = stream.next()
        events = engine.handle(cmd)
        engine.check_invariants()
        for order in engine.live_orders():  # every live order reachable by its ClOrdID
            assert engine.order_by_clordid(order.owner, order.cl_ord_id) is order
        last_exec_id = _check_events(engine, events, last_exec_id)
        accepted.update((ev.order_id, engine.order(ev.order_id)) for ev in events
                        if isinstance(ev, OrderAccepted))
        commands.append(cmd)
        outputs.append(events)
    return commands, outputs, engine, accepted


@pytest.mark.parametrize("seed", SEEDS)
def test_random_stream_keeps_invariants_after_every_command_and_replays_identically(
        seed: int) -> None:
    # Arrange / Act: invariants and exec ids are checked after every command inside _run
    commands, outputs, engine, _ = _run(seed)
    replayed = _engine(random.Random(seed))
    replay_outputs = [replayed.handle(cmd) for cmd in commands]

    # Assert
    assert replay_outputs == outputs
    assert replayed.state_hash() == engine.state_hash()
    assert replayed.sequences() == engine.sequences()


@pytest.mark.parametrize("seed", SEEDS)
def test_random_stream_exercises_every_outcome_and_keeps_order_rules(seed: int) -> None:
    # Act
    _, outputs, engine, accepted = _run(seed)

    # Assert: the stream is rich enough to mean something
    kinds = {type(ev).__name__ for events in outputs for ev in events}
    assert kinds >= {"OrderAccepted", "OrderRejected", "OrderFilled", "OrderCanceled",
                     "OrderExpired", "OrderReplaced", "OrderTriggered", "CancelRejected",
                     "MassCancelDone"}
    trade_ids = [ev.trade_id for events in outputs for ev in events
                 if isinstance(ev, OrderFilled) and ev.aggressor]
    assert trade_ids == list(range(1, len(trade_ids) + 1))
    # FOK is all or nothing; market orders and IOC never stay live.
    for order in engine.live_orders():
        assert order.tif not in (TimeInForce.IOC, TimeInForce.FOK) or not order.triggered
        assert order.ord_type is not OrdType.MARKET
    assert sorted(accepted) == list(range(1, engine.sequences().order_id))
    for order in accepted.values():
        if order.tif is TimeInForce.FOK and order.triggered:
            assert (order.status, order.cum_qty) in (
                (OrdStatus.FILLED, order.qty), (OrdStatus.CANCELED, 0)), order
