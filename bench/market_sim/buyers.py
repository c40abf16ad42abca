"""The buyers: they pay through the SDK's buying flow (`fairkey.flows.buyer.buy_keys`), let the
real buyer watch (fairkey/services/buyer_watch.py) prove a misdelivered key by itself, and then
redeem the key some hours later:

- honest: a key that redeems is confirmed (or left to settle); a key the issuer says is used or
  invalid is disputed (key-invalid) and sent to the listing's verifier (`VerifierClient`);
- fraud: like honest, but a share of the keys that do redeem are disputed anyway, with a reason
  picked at random (key-invalid, which the verifier will find valid, or one no verifier can
  check), hoping for a refund.

What a buyer finds in each delivery is written into the ledger (ground truth).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3

from bench.market_sim.ledger import Delivery, Ledger, OrderTruth
from bench.market_sim.populations import BuyerMix
from bench.market_sim.world import World
from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import DisputeReason, Order, OrderStatus
from fairkey.crypto.order_keys import OrderKey
from fairkey.flows.buyer import buy_keys, open_delivery
from fairkey.services.buyer_watch import BuyerWatch
from fairkey.verifier.client import VerifierClient, VerifierError

HOUR = 3600
FALSE_REASONS = (DisputeReason.KEY_INVALID, DisputeReason.OTHER, DisputeReason.NOT_AS_DESCRIBED)


class MemoryIndexes:
    """The buyer's device list of used order-key indices (`KeyIndexes`), in memory."""

    def __init__(self) -> None:
        self._next = 0

    def next_index(self) -> int:
        return self._next

    def reserve(self, end: int) -> None:
        self._next = max(self._next, end)


@dataclass
class Held:
    """One of the buyer's open orders."""

    key: OrderKey
    merchant: str
    handled: int = -1  # the last delivery number opened
    act_at: int | None = None  # chain time the buyer redeems the current key


@dataclass
class BuyerAgent:
    name: str
    mix: BuyerMix
    account: LocalAccount
    client: EscrowClient
    watch: BuyerWatch
    rng: random.Random
    indexes: MemoryIndexes = field(default_factory=MemoryIndexes)
    open: dict[int, Held] = field(default_factory=dict)
    errors: int = 0
    disputed: list[str] = field(default_factory=list)  # merchants disputed this step

    @property
    def population(self) -> str:
        return self.mix.population

    def buy(self, listing_id: int, merchant: str, price: int, now: int, ledger: Ledger) -> int:
        purchase = buy_keys(self.client, self.watch.seed, self.indexes, listing_id, 1, price)
        order_id, key = purchase.order_ids[0], purchase.keys[0]
        self.open[order_id] = Held(key, merchant)
        self.watch.keys[order_id] = key  # the watch would find it by scanning the seed's keys
        ledger.orders[order_id] = OrderTruth(order_id, merchant, self.name, purchase.price, now)
        return order_id

    # ------------------------------------------------------------------ each tick

    def new_deliveries(self, orders: dict[int, Order]) -> bool:
        """Whether any open order has a delivery this buyer has not opened yet."""
        return any(
            o.deliveries - 1 > self.open[i].handled for i, o in orders.items() if i in self.open
        )

    def step(self, orders: dict[int, Order], now: int, world: World, ledger: Ledger) -> None:
        if self.new_deliveries(orders):
            self.watch.step()  # proves a misdelivery at once (the real service)
        for order_id, order in orders.items():
            held = self.open.get(order_id)
            if held is None:
                continue
            if order.status.terminal:
                del self.open[order_id]
                continue
            try:
                self._act(order_id, order, held, now, world, ledger)
            except (ContractRevert, VerifierError) as exc:  # a race with a deadline: next tick
                self.errors += 1
                world.log(f"{self.name}: order {order_id:#x}: {exc}")

    def _act(self, order_id: int, order: Order, held: Held, now: int, world, ledger) -> None:
        truth = ledger.orders[order_id]
        if order.deliveries - 1 > held.handled:
            opened = open_delivery(self.client, order_id, held.key)
            key = opened.key_text
            state = world.issuer.keys.get(key.strip()) if key else None
            truth.deliveries[opened.delivery_no] = Delivery(
                opened.delivery_no, key, opened.check.ok, state.value if state else "invalid"
            )
            held.handled = opened.delivery_no
            held.act_at = None
            if opened.check.ok:  # a failed check is the watch's to prove
                delay = self.rng.randint(1, 12) * HOUR
                held.act_at = min(now + delay, order.deadline - HOUR)
        if order.status is not OrderStatus.DELIVERED or held.act_at is None or now < held.act_at:
            return
        held.act_at = None
        current = truth.current()
        if current is None or not current.check_ok:
            return
        if not current.good:
            self._dispute(order_id, DisputeReason.KEY_INVALID, current.key, world)
            self.disputed.append(held.merchant)
        elif self.rng.random() < self.mix.false_dispute_share:
            truth.false_disputes += 1
            reason = self.rng.choice(FALSE_REASONS)
            self._dispute(order_id, reason, current.key, world)
            self.disputed.append(held.merchant)
        elif self.rng.random() < self.mix.confirm_share:
            self.client.confirm(order_id)

    def _dispute(self, order_id: int, reason: DisputeReason, key: str, world) -> None:
        self.client.dispute(order_id, reason, Web3.keccak(text=f"{self.name} {order_id}"))
        if reason is DisputeReason.KEY_INVALID:
            with VerifierClient(world.verifier_url, timeout=30) as verifier:
                verifier.check_key(order_id, key, expect_verifier=world.verifier.address)


def make_buyers(world: World, mixes, ledger: Ledger, rng: random.Random) -> list[BuyerAgent]:
    from bench.market_sim.ledger import Party

    buyers = []
    for mix in mixes:
        for i in range(mix.count):
            name = f"buyer-{mix.population}-{i}"
            account = world.account(name)
            client = world.escrow_as(account)
            seed = Web3.keccak(text=f"fairkey.market.{world.seed}.{name}.orders")
            watch = BuyerWatch(client, seed, account.address, world.deployment.block)
            agent_rng = random.Random(f"{world.seed}.{name}")
            buyers.append(BuyerAgent(name, mix, account, client, watch, agent_rng))
            ledger.add_party(Party(name, "buyer", mix.population, account.address))
    return buyers
