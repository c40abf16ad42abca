"""A private chain for indexer tests: its own Anvil (reorgs and rollbacks would upset the shared
one), the deployed stack, marketplace activity, fast bulk events, and the chain's canonical logs
read fresh from the node to compare the index against."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic
from sqlalchemy import Engine, select
from web3 import Web3

from fairkey.chain.anvil import AnvilNode, dev_accounts
from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.deploy import Deployment, deploy_stack
from fairkey.chain.errors import ContractRevert
from fairkey.chain.jsonrpc import JsonRpc
from fairkey.chain.session import ChainSession, http_web3
from fairkey.chain.types import DisputeReason
from indexer import projections
from indexer.config import IndexerConfig
from indexer.models import RawLog
from tests.support.market import HOUR, Market

ROLES = ["deployer", "treasury", "merchant", "buyer", "stranger", "verifier", "merchant2", "buyer2"]
GAS = 200_000  # explicit gas: bulk transactions skip estimation


@dataclass
class Chain:
    node: AnvilNode
    w3: Web3
    deployment: Deployment
    market: Market
    client: JsonRpc  # the SDK's JSON-RPC client, on the node
    _codec: Any = None

    @property
    def url(self) -> str:
        return self.node.url

    def rpc(self, method: str, *params: Any) -> Any:
        return self.client.call(method, params)

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def config(self, db_url: str, **overrides: Any) -> IndexerConfig:
        values: dict[str, Any] = dict(
            rpc_url=self.url,
            db_url=db_url,
            escrow=self.deployment.escrow,
            start_block=self.deployment.block,
        )
        values.update(overrides)
        return IndexerConfig(**values)

    # ------------------------------------------------------------------ chain control

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def reorg(self, depth: int, txs: list[tuple[dict[str, Any], int]] = ()) -> None:
        """Replaces the last `depth` blocks (same height) holding `txs` (tx, block offset)."""
        self.rpc("anvil_reorg", depth, [[tx, offset] for tx, offset in txs])

    def rollback(self, depth: int) -> None:
        """Removes the last `depth` blocks (the chain gets shorter)."""
        self.rpc("anvil_rollback", depth)

    def set_price_tx(self, listing_id: int, price: int, merchant: str = "merchant") -> dict:
        if self._codec is None:
            self._codec = self.market.client(merchant).codec
        return {
            "from": self.market.address(merchant),
            "to": self.deployment.escrow,
            "data": "0x" + self._codec.fn("setPrice").encode(listing_id, price).hex(),
            "gas": hex(GAS),
        }

    def bulk_price_changes(self, listing_id: int, count: int, per_block: int = 50) -> None:
        """`count` ListingPriceChanged events, `per_block` per block, without signing or waiting
        (Anvil's dev accounts are unlocked; automine is paused while a block fills)."""
        sender = self.market.address("merchant")
        nonce = int(self.rpc("eth_getTransactionCount", sender, "pending"), 16)
        self.rpc("evm_setAutomine", False)
        try:
            done = 0
            while done < count:
                n = min(per_block, count - done)
                # explicit nonces: Anvil serves a batch concurrently
                batch = [
                    (
                        "eth_sendTransaction",
                        [
                            dict(
                                self.set_price_tx(listing_id, 10**15 + done + i),
                                nonce=hex(nonce + done + i),
                            )
                        ],
                    )
                    for i in range(n)
                ]
                self.client.batch_all(batch)
                self.rpc("evm_mine")
                done += n
        finally:
            self.rpc("evm_setAutomine", True)

    # ------------------------------------------------------------------ ground truth

    def canonical_logs(self) -> list[dict[str, Any]]:
        """The logs of the escrow and of every arbitrator it named (ArbitratorChanged), from the
        deployment block to the head, straight from the node: what the index must hold."""
        return self.rpc("eth_getLogs", self._logs_query([self.deployment.escrow, *self.courts()]))

    def courts(self) -> list[str]:
        """Every arbitrator the escrow named on the canonical chain (lowercase)."""
        topic = "0x" + event_abi_to_log_topic(self._escrow_event("ArbitratorChanged")).hex()
        named = self.rpc("eth_getLogs", self._logs_query([self.deployment.escrow], [topic]))
        courts = {"0x" + log["data"][-40:].lower() for log in named}
        return sorted(courts - {"0x" + "00" * 20})

    def _logs_query(self, addresses: list[str], topics: list[str] | None = None) -> dict:
        query: dict[str, Any] = {
            "address": addresses,
            "fromBlock": hex(self.deployment.block),
            "toBlock": "latest",
        }
        if topics:
            query["topics"] = topics
        return query

    @staticmethod
    def _escrow_event(name: str) -> dict[str, Any]:
        abi = load_artifacts()["FairkeyEscrow"].abi
        return next(e for e in abi if e.get("type") == "event" and e["name"] == name)


def log_keys(logs: list[dict[str, Any]]) -> list[tuple[int, str, int, str, str, str]]:
    """What identifies a log and its content, in canonical order."""
    return sorted(
        (
            int(x["blockNumber"], 16),
            x["blockHash"].lower(),
            int(x["logIndex"], 16),
            x["transactionHash"].lower(),
            json.dumps([t.lower() for t in x["topics"]], separators=(",", ":")),
            x["data"].lower(),
        )
        for x in logs
    )


def stored_keys(engine: Engine) -> list[tuple[int, str, int, str, str, str]]:
    t = RawLog.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.c.block_number, t.c.block_hash, t.c.log_index, t.c.tx_hash, t.c.topics, t.c.data
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def derived_rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every derived table's rows, sorted (surrogate autoincrement ids left out)."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in projections.DERIVED_TABLES:
            cols = [
                c
                for c in table.columns
                if not (c.primary_key and c.autoincrement is True and len(table.primary_key) == 1)
            ]
            rows = conn.execute(select(*cols)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@contextmanager
def private_chain() -> Iterator[Chain]:
    """A fresh Anvil with the fairkey stack deployed and a listing with stock to sell."""
    with AnvilNode(accounts=len(ROLES)) as node:
        w3 = http_web3(node.url)
        accounts = dict(zip(ROLES, dev_accounts(len(ROLES)), strict=True))
        session = ChainSession(w3, accounts["deployer"])
        court = session.deploy("TestArbitrator", 10**15)  # tests only: anyone can make it rule
        deployment = deploy_stack(
            session, treasury=accounts["treasury"].address, arbitrator=court, fee_bps=100
        )
        market = Market.of(w3, session, deployment, accounts)
        client = JsonRpc(node.url, max_batch=1_000)
        try:
            yield Chain(node, w3, deployment, market, client)
        finally:
            client.close()


# ---------------------------------------------------------------------------- activity


class Activity:
    """Random but seeded marketplace activity covering every order path the indexer sees:
    listings, stock, orders (single and in baskets), deliveries, confirms, disputes and their
    outcomes, late refunds, and batch calls that skip some of their orders (BatchItemRefused).
    After a reorg some of what the test remembers is gone from the chain: an action that the
    escrow now refuses is simply skipped."""

    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain = chain
        self.market = chain.market
        self.rng = rng
        self.stocks: list[Any] = []
        self.orders: list[tuple[int, Any]] = []  # (order id, stock)

    def _try(self, action, *args: Any) -> bool:
        try:
            action(*args)
            return True
        except (ContractRevert, LookupError, IndexError):
            return False

    def listing(self) -> None:
        merchant = self.rng.choice(["merchant", "merchant2"])
        listing = self.market.make_listing(merchant)
        supplier = self.rng.choice(["supplier-a", "supplier-b"])
        self.stocks.append(self.market.make_stock(listing, 6, merchant=merchant, supplier=supplier))

    def order(self) -> None:
        if not self.stocks:
            self.listing()
        stock = self.rng.choice(self.stocks)
        buyer = self.rng.choice(["buyer", "buyer2"])
        order_id, _ = self.market.make_order(stock.listing_id, buyer)
        self.orders.append((order_id, stock, buyer))

    def basket(self) -> None:
        """2 or 3 orders paid in one payBasket."""
        if not self.stocks:
            self.listing()
        stock = self.rng.choice(self.stocks)
        buyer = self.rng.choice(["buyer", "buyer2"])
        keys = [self.market.new_order_key() for _ in range(self.rng.randint(2, 3))]
        result = self.market.client(buyer).pay_basket(stock.listing_id, [(k.x, k.y) for k in keys])
        for event in result.events:
            if event.name == "OrderPaid":
                self.orders.append((event.args["orderId"], stock, buyer))

    def deliver_many(self) -> None:
        """One deliverMany by the merchant of a random order, of up to 3 random orders: those
        delivered already, refunded, or of the other merchant are refused, the others deliver."""
        picked = self.rng.sample(self.orders, min(3, len(self.orders)))
        items, taken = [], set()
        for order_id, stock, _ in picked:
            try:
                unit = self._free_unit(stock, {i for root, i in taken if root == stock.root})
                record = self.market.sealed_record(order_id, stock, unit)
            except (LookupError, IndexError):  # gone with a reorg, or out of stock
                continue
            taken.add((stock.root, unit.index))
            items.append((order_id, record, stock.tree.proof(unit.index)))
        if items:
            self.market.client(self._merchant_of(picked[0][1])).deliver_many(items)

    def _merchant_of(self, stock) -> str:
        merchant = self.market.client("stranger").listing(stock.listing_id).merchant
        return "merchant" if merchant == self.market.address("merchant") else "merchant2"

    def _free_unit(self, stock, taken: set[int] = frozenset()):
        """A unit of `stock` the chain has not delivered (nor `taken` by the same call): what the
        test remembers handing out may be undone by a reorg or a refused item."""
        client = self.market.client("stranger")
        for unit in stock.units:
            if unit.index not in taken and not client.is_unit_used(stock.root, unit.index):
                return unit
        raise IndexError("out of stock")

    def deliver(self, order_id: int, stock) -> None:
        unit = self._free_unit(stock)
        self.market.deliver(order_id, stock, unit, merchant=self._merchant_of(stock))

    def random_action(self) -> str:
        """One action, chosen at random among those that make sense now; its name."""
        m, rng = self.market, self.rng
        choices = ["listing", "order", "order", "basket", "price"]
        if self.orders:
            choices += ["deliver", "deliver", "confirm", "dispute", "late", "refund"]
            choices += ["deliver_many", "settle_many"]
        name = rng.choice(choices)
        if name == "listing":
            self.listing()
        elif name == "order":
            self._try(self.order)
        elif name == "basket":
            self._try(self.basket)
        elif name == "deliver_many":
            self._try(self.deliver_many)
        elif name == "settle_many":  # mostly refused: not due yet, or settled already
            picked = rng.sample(self.orders, min(3, len(self.orders)))
            self._try(m.client("stranger").settle_many, [order_id for order_id, _, _ in picked])
        elif name == "price" and self.stocks:
            stock = rng.choice(self.stocks)
            self._try(
                m.client(self._merchant_of(stock)).set_price,
                stock.listing_id,
                10**16 + rng.randrange(10**15),
            )
        elif self.orders:
            order_id, stock, buyer = rng.choice(self.orders)
            if name == "deliver":
                self._try(self.deliver, order_id, stock)
            elif name == "confirm":
                self._try(m.client(buyer).confirm, order_id)
            elif name == "dispute":
                reason = rng.choice([DisputeReason.KEY_INVALID, DisputeReason.NOT_AS_DESCRIBED])
                self._try(m.client(buyer).dispute, order_id, reason)
            elif name == "refund":  # the merchant answers a dispute with a refund
                self._try(m.client(self._merchant_of(stock)).refund, order_id)
            elif name == "late":
                m.clock.advance(2 * HOUR)
                self._try(m.client("stranger").refund_undelivered, order_id)
        return name
