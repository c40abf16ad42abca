"""`stock revoke` keeps the vault and the chain in agreement (issue 8, section 2).

The chain's `revokeBatch` releases at most the listing's `stockAvailable`: units that paid,
undelivered orders rely on stay deliverable, and an order refunded before delivery puts its unit
back on sale. The vault must mark revoked exactly what the chain released and keep the rest
deliverable. A plain regression test of the case a new user hit (via the real `fairkey` command),
then a stateful property test over random pay / reserve / deliver / refund / dispute /
respond-refund / replace / late-refund / revoke sequences, comparing after every step.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import ClassVar

import hypothesis.strategies as st
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from typer.testing import CliRunner
from web3 import Web3

from fairkey.chain.deploy import Deployment
from fairkey.chain.types import DisputeReason, OrderStatus, parse_order_ref
from fairkey.flows.merchant import deliver_assigned
from fairkey.merchant.vault_sync import revoke_committed
from fairkey.services.keeper import KeeperService
from fairkey.vault import BatchState, UnitState, Vault
from fairkey.vault.cipher import KdfParams
from scripts.demo_data import write_demo_keys
from tests.cli.conftest import LISTING_ARGS, Cli
from tests.services.conftest import KDF_N, PASSPHRASE
from tests.support.disputes import credited_since, credits
from tests.support.market import Market

EVIDENCE = Web3.keccak(text="the key does not work")


def cli_for(market: Market, home: Path) -> Cli:
    Deployment(
        chain_id=market.w3.eth.chain_id,
        escrow=market.escrow_address,
        arbitrator=market.arbitrator_address,
        token=market.token_address,
        block=0,
    ).save(home / "deployment.json")
    return Cli(home, market.w3.provider.endpoint_uri, CliRunner())


def test_revoke_after_respond_refund_keeps_the_key_a_paid_order_relies_on(market, tmp_path):
    """Two paid orders; the merchant refunds one (`respond refund`), then revokes the batch. The
    chain keeps one key on sale for the other order; the vault used to mark every key revoked, so
    that order could not be delivered and the keeper refunded it out of the merchant's bond."""
    cli = cli_for(market, tmp_path / "home")
    out = cli("merchant", *LISTING_ARGS).output
    listing_id = int(re.search(r"listing (\d+) created", out).group(1))
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(f"KEY-{i}-ABCDE-FGHIJ\n" for i in range(3)))
    cli("merchant", "stock", "import", str(keys), "--supplier", "acme")
    cli("merchant", "stock", "commit", "1", "--listing", str(listing_id))
    refunded, waiting = cli.buy(listing_id), cli.buy(listing_id, role="buyer2")
    assert "refunded" in cli("merchant", "respond", refunded, "refund").output

    out = cli("merchant", "stock", "revoke", "1").output

    assert "revoked on chain: 2 key(s) off sale" in out
    assert "vault: 2 unsold key(s) of batch 1 marked revoked" in out
    assert "1 key(s) of batch 1 stay deliverable" in out
    chain = market.client("stranger")
    batch = chain.batch(chain.events("StockCommitted", 0)[0].args["root"])
    assert (batch.count, batch.used, batch.revoked) == (3, 0, 2)
    out = cli("merchant", "deliver", waiting).output
    assert f"order {waiting}: delivered key 0 of batch 1" in out
    order_id = parse_order_ref(waiting)
    assert chain.order(order_id).status is OrderStatus.DELIVERED
    # The keeper finds nothing to refund out of the merchant's bond.
    market.clock.advance_past(chain.order(order_id).deadline - 1)
    before = credits(market)
    KeeperService(market.client("stranger")).step()
    assert "buyer2" not in credited_since(market, before)
    # Nothing is left for sale on chain, and nothing in the vault.
    assert "revoked" in cli("merchant", "stock", "list").output
    assert chain.listing(listing_id).stock_available == 0


def test_a_key_refunded_in_a_batch_being_revoked_is_sold_again_then_revoked(market, tmp_path):
    """The rest of a partly revoked batch: an order refunded before delivery gives its unit back
    to sale (on chain and in the vault); `stock revoke` again withdraws it."""
    cli = cli_for(market, tmp_path / "home")
    out = cli("merchant", *LISTING_ARGS).output
    listing_id = int(re.search(r"listing (\d+) created", out).group(1))
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(f"KEY-{i}-ABCDE-FGHIJ\n" for i in range(2)))
    cli("merchant", "stock", "import", str(keys), "--supplier", "acme")
    cli("merchant", "stock", "commit", "1", "--listing", str(listing_id))
    order = cli.buy(listing_id)
    cli("merchant", "stock", "revoke", "1")
    assert "revoking" in cli("merchant", "stock", "list").output
    cli("merchant", "respond", order, "refund")
    chain = market.client("stranger")
    assert chain.listing(listing_id).stock_available == 1

    out = cli("merchant", "stock", "revoke", "1").output

    assert "revoked on chain: 1 key(s) off sale" in out
    assert "vault: 1 unsold key(s) of batch 1 marked revoked" in out
    assert "already revoked" in cli("merchant", "stock", "revoke", "1", code=1).output
    assert chain.listing(listing_id).stock_available == 0


def test_a_revoke_the_vault_missed_is_caught_up(market, tmp_path):
    """The revoke transaction landed, the vault update did not (crash): `stock revoke` again
    counts what the chain withdrew instead of failing or revoking twice."""
    cli = cli_for(market, tmp_path / "home")
    out = cli("merchant", *LISTING_ARGS).output
    listing_id = int(re.search(r"listing (\d+) created", out).group(1))
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(f"KEY-{i}-ABCDE-FGHIJ\n" for i in range(3)))
    cli("merchant", "stock", "import", str(keys), "--supplier", "acme")
    cli("merchant", "stock", "commit", "1", "--listing", str(listing_id))
    cli.buy(listing_id)
    root = market.client("stranger").events("StockCommitted", 0)[0].args["root"]
    market.client("merchant").revoke_batch(root)  # 2 of 3 released; the vault never heard

    out = cli("merchant", "stock", "revoke", "1").output

    assert "already revoked on chain; updating the vault" in out
    assert "vault: 2 unsold key(s) of batch 1 marked revoked" in out
    with Vault.open(cli.home / "accounts" / market.address("merchant") / "vault.sqlite",
                    "correct horse battery staple") as vault:  # fmt: skip
        [batch] = vault.batches()
    assert batch.state is BatchState.revoking and batch.deliverable == 1


def test_the_bot_brings_the_vault_in_line_with_a_revoke_made_elsewhere(make_shop, market):
    """Revoked on chain by another tool (not `stock revoke`): the bot reads StockRevoked and marks
    revoked exactly the units the chain withdrew, then serves the paid orders from the rest."""
    from fairkey.services.merchant_bot import MerchantBot

    shop = make_shop(stock=4)
    orders = shop.pay(2)
    root = bytes.fromhex(shop.vault.batches()[0].root)
    market.client("merchant").revoke_batch(root)  # releases 2: two paid orders rely on 2 units

    report = MerchantBot(shop.client, shop.vault, None, 0, home=shop.home).step()

    assert report.delivered == 2 and report.failed == 0
    assert all(shop.status(o) is OrderStatus.DELIVERED for o in orders)
    assert shop.counts() == {"unsold": 0, "assigned": 0, "delivered": 2, "revoked": 2, "dead": 0}
    assert shop.vault.batches()[0].state is BatchState.revoked


# ---------------------------------------------------------------------------- property test


class RevokeMachine(RuleBasedStateMachine):
    """One listing, a vault with up to three committed batches, random merchant and buyer moves.
    After every step the vault's deliverable units per batch equal the chain's
    `count - used - revoked`, its revoked and delivered units equal the chain's, and the listing's
    `stockAvailable` equals the vault's deliverable units minus the paid, undelivered orders (and
    minus the units whose bond went to a late order's buyer: the chain no longer sells those)."""

    market: Market
    tmp: Path

    @initialize()
    def setup(self) -> None:
        self.snapshot = self.market.clock.snapshot()
        self.examples = getattr(type(self), "examples", 0) + 1
        type(self).examples = self.examples
        home = self.tmp / f"example-{self.examples}"
        self.vault = Vault.create(home / "vault.sqlite", PASSPHRASE, kdf=KdfParams(n=KDF_N))
        self.home = home
        self.merchant = self.market.client("merchant")
        self.chain = self.market.client("stranger")
        self.listing_id = self.market.make_listing(max_replacements=3)
        self.seen: dict[int, OrderStatus] = {}
        self.stock = 0
        self.unbonded = 0  # units whose bond compensated a late buyer: on chain, not for sale
        self.batches = 0
        self._commit(4)

    def teardown(self) -> None:
        if hasattr(self, "vault"):
            self.vault.close()
            self.market.clock.revert(self.snapshot)

    # ------------------------------------------------------------------ helpers

    # Statuses and stock as of the last check (the invariant runs after every step, before the
    # next rule's precondition): only rules that can do something are drawn.
    def has(self, *statuses: OrderStatus) -> bool:
        return any(s in statuses for s in self.seen.values())

    def pick(self, index: int, *statuses: OrderStatus) -> int:
        found = [o for o, s in self.seen.items() if s in statuses]
        return found[index % len(found)]

    def before_deadline(self, order_id: int) -> bool:
        return self.market.clock.now() < self.chain.order(order_id).deadline

    def _commit(self, count: int) -> None:
        self.batches += 1
        path = write_demo_keys(self.home / f"batch-{self.batches}.txt", count)
        report = self.vault.import_file(path, "acme")
        plan = self.vault.plan_batch(report.batch_id, self.market.address("merchant"))
        tx = self.merchant.commit_stock(self.listing_id, plan.root, plan.count, plan.supplier)
        self.vault.mark_committed(
            plan.batch_id, self.listing_id, tx.receipt["transactionHash"].hex()
        )

    # ------------------------------------------------------------------ moves

    # How often each move is drawn among those possible now (a revoke empties the stock, so it
    # is drawn less than the moves that build up orders, deliveries and disputes).
    WEIGHTS: ClassVar[dict[str, int]] = {
        "add_batch": 1, "pay": 4, "reserve": 1, "deliver": 3, "refund_before_delivery": 2,
        "late_refund": 1, "dispute": 3, "respond_refund": 2, "replace": 3, "revoke": 2,
    }  # fmt: skip

    def possible(self, move: str) -> bool:
        paid, delivered = self.has(OrderStatus.PAID), self.has(OrderStatus.DELIVERED)
        disputed = self.has(OrderStatus.DISPUTED)
        return {
            "add_batch": self.batches < 6 and (self.stock == 0 or self.batches < 3),
            "pay": self.stock > 0,
            "reserve": paid,
            "deliver": paid,
            "refund_before_delivery": paid,
            "late_refund": paid,
            "dispute": delivered,
            "respond_refund": disputed,
            "replace": disputed and self.stock > 0,
            "revoke": any(b.state.deliverable for b in self.vault.batches()),
        }[move]

    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        moves = [m for m, weight in self.WEIGHTS.items() if self.possible(m) for _ in range(weight)]
        if not moves:
            self.market.clock.advance(900)  # nothing to do: time passes
            return
        name = data.draw(st.sampled_from(moves), label="move")
        getattr(self, name)(data.draw(st.integers(0, 20), label="which"))

    def add_batch(self, which: int) -> None:
        self._commit(1 + which % 4)

    def pay(self, which: int) -> None:
        order_id, _ = self.market.make_order(self.listing_id)
        self.seen[order_id] = OrderStatus.PAID

    def reserve(self, which: int) -> None:
        """The bot took a unit for a paid order (its delivery not sent yet)."""
        self.vault.assign_unit(self.listing_id, self.pick(which, OrderStatus.PAID))

    def deliver(self, which: int) -> None:
        order_id = self.pick(which, OrderStatus.PAID)
        if self.before_deadline(order_id):
            unit = self.vault.assign_unit(self.listing_id, order_id)  # never out of stock
            deliver_assigned(self.merchant, unit)
            self.vault.mark_delivered(order_id)

    def refund_before_delivery(self, which: int) -> None:
        """`respond refund` on a paid order: its reserved unit goes back on sale."""
        order_id = self.pick(which, OrderStatus.PAID)
        if self.before_deadline(order_id):
            self.merchant.refund(order_id)
            self.vault.release_assignment(order_id)

    def late_refund(self, which: int) -> None:
        """The keeper refunds every order past its delivery deadline (the bot then releases)."""
        paid = [o for o, s in self.seen.items() if s is OrderStatus.PAID]
        self.market.clock.advance_past(max(self.chain.order(o).deadline for o in paid))
        for order_id in paid:
            self.chain.refund_undelivered(order_id)
            self.vault.release_assignment(order_id)
        self.unbonded += len(paid)

    def dispute(self, which: int) -> None:
        order_id = self.pick(which, OrderStatus.DELIVERED)
        if self.before_deadline(order_id):
            self.market.client("buyer").dispute(order_id, DisputeReason.KEY_INVALID, EVIDENCE)

    def respond_refund(self, which: int) -> None:
        order_id = self.pick(which, OrderStatus.DISPUTED)
        if self.before_deadline(order_id):
            self.merchant.refund(order_id)

    def replace(self, which: int) -> None:
        order_id = self.pick(which, OrderStatus.DISPUTED)
        order = self.chain.order(order_id)
        if order.deliveries <= 3 and self.before_deadline(order_id):
            unit = self.vault.assign_unit(self.listing_id, order_id, delivery_no=order.deliveries)
            deliver_assigned(self.merchant, unit, replacement=True)
            self.vault.mark_delivered(order_id)

    def revoke(self, which: int) -> None:
        """`stock revoke`: as far as the chain lets, and exactly that far in the vault."""
        live = [b for b in self.vault.batches() if b.state.deliverable]
        revoke_committed(self.merchant, self.vault, live[which % len(live)])

    # ------------------------------------------------------------------ the comparison

    @invariant()
    def vault_agrees_with_chain(self) -> None:
        self.seen = {o: self.chain.order(o).status for o in self.seen}
        self.stock = self.chain.listing(self.listing_id).stock_available
        total = 0
        for summary in self.vault.batches():
            batch = self.chain.batch(bytes.fromhex(summary.root), self.market.address("merchant"))
            on_chain = batch.count - batch.used - batch.revoked
            assert summary.deliverable == on_chain, (summary, batch)
            assert summary.units[UnitState.revoked] == batch.revoked, (summary, batch)
            assert summary.units[UnitState.delivered] == batch.used, (summary, batch)
            # Revoked: nothing of it can be delivered any more (and a batch the chain revoked
            # that has nothing deliverable left is shown revoked, not "revoking").
            if summary.state is BatchState.revoked:
                assert on_chain == 0
            if on_chain == 0 and batch.revoked:
                assert summary.state is BatchState.revoked
            total += summary.deliverable
        pending = sum(1 for s in self.seen.values() if s is OrderStatus.PAID)
        assert self.stock == total - pending - self.unbonded
        # Every reserved unit belongs to a paid order (nothing is locked for a finished one).
        with closing(sqlite3.connect(self.vault.path)) as db:  # a raw, read-only look
            reserved = {o for (o,) in db.execute(
                "SELECT order_id FROM units WHERE state = 'assigned'")}  # fmt: skip
        paid = {f"{o:040x}" for o, s in self.seen.items() if s is OrderStatus.PAID}
        assert reserved <= paid


def test_vault_and_chain_agree_after_any_revoke_refund_replace_sequence(market, tmp_path):
    RevokeMachine.market = market
    RevokeMachine.tmp = tmp_path
    run_state_machine_as_test(
        RevokeMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=30,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: each step is transactions
            suppress_health_check=list(HealthCheck),
        ),
    )
