"""The tick loop: every tick, buyers whose time has come pay, each real service takes one step
(merchant bots, the buyers' watches and decisions, the keeper, the court's keeper, the court
play of jurors and parties), then the chain clock moves one tick. Deadlines pass by time travel.

After the trading days the loop goes on (no new orders) until every order is final, or the
drain limit is reached; then the ledger reads the chain's events and money.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from arbitration.court_client import Choice
from arbitration.court_keeper import CourtKeeper
from bench.common import BOND, PRICE
from bench.market_sim import populations as pops
from bench.market_sim.appeal_api import AppealApi, appeal_api
from bench.market_sim.buyers import BuyerAgent, make_buyers
from bench.market_sim.court_play import CourtPlay
from bench.market_sim.jurors import JUROR_STAKE, stake_jurors
from bench.market_sim.ledger import Ledger, Party, read_money, read_order_events
from bench.market_sim.merchants import GIVE_UP_AFTER, MerchantAgent, open_shops
from bench.market_sim.world import World, market_world
from fairkey.merchant.policy import MerchantPolicy
from fairkey.services.keeper import KeeperService
from fairkey.services.merchant_bot.rpc import read_orders

HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class SimConfig:
    seed: int = 1
    orders: int = 2000
    days: float = 30.0
    tick: int = HOUR
    drain_days: float = 40.0  # after trading: until every order is final, at most this long
    clique_share: float = pops.JURORS["clique"]
    juror_count: int = pops.JUROR_COUNT
    merchants: tuple = pops.MERCHANTS
    buyers: tuple = pops.BUYERS
    policy_overrides: dict | None = field(default_factory=pops.honest_policy)  # honest bots'
    court_play: bool = True  # False: no jurors (contested cases wait for the court's timeout)
    give_up_after: int | None = GIVE_UP_AFTER  # court losses that stop a fraudster contesting


@dataclass
class SimResult:
    config: SimConfig
    ledger: Ledger
    ticks: int = 0
    unresolved: list[int] = field(default_factory=list)
    court_play: str = "none"  # which court play ran (the court helper's, or none)
    messages: list[str] = field(default_factory=list)


def juror_shares(clique: float) -> dict[str, float]:
    """The juror mix with the clique at `clique` of the stake, the others scaled to the rest."""
    others = {k: v for k, v in pops.JURORS.items() if k != "clique"}
    scale = (1 - clique) / sum(others.values())
    return {**{k: v * scale for k, v in others.items()}, "clique": clique}


def order_schedule(config: SimConfig, start: int, buyers, shops, rng: random.Random):
    """(time, buyer, shop) of every order, sorted by time: buyers equally likely, shops by
    their population's weight."""
    weights = [s.mix.weight for s in shops]
    plan = []
    for _ in range(config.orders):
        at = start + int(rng.random() * config.days * DAY)
        plan.append((at, rng.randrange(len(buyers)), rng.choices(range(len(shops)), weights)[0]))
    plan.sort()
    return plan


def _court_play(
    world: World,
    ledger: Ledger,
    config: SimConfig,
    rng: random.Random,
    parties,
    appeal: AppealApi | None,
) -> CourtPlay | None:
    """The jurors and the parties at the court (bench/market_sim/court_play.py): half the honest
    jurors vote gasless through the appeal API and its relayer, the others with their own
    transactions (the juror service); every party of a case may appeal or defend."""
    if not config.court_play:
        return None
    court = world.court_as(world.session.account)
    jurors = stake_jurors(
        world.session,
        court,
        juror_shares(config.clique_share),
        config.juror_count * JUROR_STAKE,
        random.Random(f"{config.seed}.jurors"),
    )
    return CourtPlay(
        world.session,
        court,
        jurors,
        ledger.truth_of_case,
        rng,
        appeal.url if appeal else None,
        parties={a.address.lower(): a for a in parties},
        relayer=appeal.relayer if appeal else None,
        from_block=world.deployment.block,
    )


def simulate(
    config: SimConfig, home: Path, progress: Callable[[int, int], None] | None = None
) -> SimResult:
    with market_world(config.seed, home) as world, contextlib.ExitStack() as stack:
        ledger = Ledger()
        escrow = world.escrow_as(None)
        court_address = world.deployment.arbitrator
        ledger.resolve_case = lambda case_id: escrow.session.call(
            escrow.f.orderOfDispute(court_address, case_id)
        )
        shops = open_shops(
            world,
            config.merchants,
            config.orders,
            random.Random(f"{config.seed}.shops"),
            config.policy_overrides,
        )
        for shop in shops:
            ledger.add_party(Party(shop.name, "merchant", shop.population, shop.account.address))
        buyers = make_buyers(world, config.buyers, ledger, random.Random(f"{config.seed}.buy"))
        keeper_account = world.account("keeper")
        keeper = KeeperService(world.escrow_as(keeper_account), world.deployment.block)
        court_keeper = CourtKeeper(world.court_as(keeper_account), world.deployment.block)
        appeal = stack.enter_context(appeal_api(world)) if config.court_play else None
        parties = [s.account for s in shops] + [b.account for b in buyers]
        play = _court_play(
            world, ledger, config, random.Random(f"{config.seed}.court"), parties, appeal
        )
        result = SimResult(config, ledger, court_play=type(play).__name__ if play else "none")
        start = world.clock.now()
        plan = order_schedule(config, start, buyers, shops, random.Random(f"{config.seed}.plan"))
        trading_end = start + int(config.days * DAY)
        limit = trading_end + int(config.drain_days * DAY)
        total_ticks = (limit - start) // config.tick
        reader = world.escrow_as(None)
        next_order = 0
        counted: set[int] = set()  # court cases whose final ruling the merchants have learnt
        now = start
        while True:
            while next_order < len(plan) and plan[next_order][0] <= now:
                _, b, s = plan[next_order]
                _buy(buyers[b], shops[s], now, ledger, world)
                next_order += 1
            day = (now - start) / DAY
            for shop in shops:
                shop.step(day)
            _buyers_step(buyers, reader, now, world, ledger, shops)
            keeper.step()
            court_keeper.step()
            if play is not None:
                play.step()
                _count_court_losses(play, ledger, shops, counted, config.give_up_after)
            result.ticks += 1
            if progress is not None:
                progress(result.ticks, total_ticks)
            if now >= trading_end and next_order >= len(plan) and _all_final(ledger, reader):
                break
            if now >= limit:
                break
            now = world.clock.advance(config.tick)
        _close(ledger, world, shops, play, result)
        for shop in shops:
            shop.close()
        result.messages = world.messages
        return result


def _count_court_losses(
    play: CourtPlay, ledger: Ledger, shops, counted: set[int], give_up_after: int | None
) -> None:
    """Tells each merchant of a case the court finally ruled against it (the fraudsters learn)."""
    by_name = {s.name: s for s in shops}
    for case_id, choice in play.final_rulings().items():
        if case_id in counted:
            continue
        counted.add(case_id)
        ledger.truth_of_case(case_id)  # resolves the case's order
        order = ledger.orders[ledger.case_orders[case_id]]
        if choice is not Choice.PAY_MERCHANT and order.merchant in by_name:
            by_name[order.merchant].lost_in_court(MerchantPolicy(), give_up_after)


def _buy(buyer: BuyerAgent, shop: MerchantAgent, now: int, ledger: Ledger, world: World) -> None:
    try:
        buyer.buy(shop.listing_id, shop.name, PRICE, now, ledger)
        shop.woken = True
    except Exception as exc:  # noqa: BLE001 - out of stock: the order simply does not happen
        world.log(f"{buyer.name} could not buy from {shop.name}: {exc}")


def _buyers_step(buyers, reader, now: int, world: World, ledger: Ledger, shops) -> None:
    ids = [i for b in buyers for i in b.open]
    orders = read_orders(reader, ids)
    by_name = {s.name: s for s in shops}
    for buyer in buyers:
        mine = {i: orders[i] for i in buyer.open if i in orders}
        if mine:
            buyer.step(mine, now, world, ledger)
        for merchant in buyer.disputed:  # wakes the merchant's bot (the OrderDisputed event)
            by_name[merchant].woken = True
        buyer.disputed.clear()


def _all_final(ledger: Ledger, reader) -> bool:
    orders = read_orders(reader, list(ledger.orders))
    return all(o.status.terminal for o in orders.values())


def _close(ledger: Ledger, world: World, shops, play, result: SimResult) -> None:
    reader = world.escrow_as(None)
    orders = read_orders(reader, list(ledger.orders))
    result.unresolved = sorted(i for i, o in orders.items() if not o.status.terminal)
    ledger.end_time = world.clock.now()
    read_order_events(ledger, reader, world.deployment.block)
    bonds = {s.name: reader.listing(s.listing_id).stock_available * BOND for s in shops}
    read_money(ledger, reader, world.court_as(None), bonds)
    if play is not None:
        ledger.juror_earnings = dict(play.earnings())
