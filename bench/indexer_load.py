"""Marketplace activity for the indexer benchmark: ≥ 100,000 real fairkey escrow events, fast.

Everything goes through the deployed contracts with real data: merchants create listings and
commit Merkle-rooted stock batches (tagged with suppliers, bonded), buyers pay with per-order
keys, merchants deliver sealed keys with Merkle proofs, and orders end every way the escrow
allows. The chain is built in rounds of one marketplace day (about 25 h of chain time, moved with
explicit block timestamps, never by sleeping):

  P0  listing upkeep: restocks, price changes, a listing paused for a day, a supplier recall,
      a new merchant, a fee change, the escrow paused and resumed once
  P1  payments
  P2  deliveries, spread over four slots (+45 s … +40 min) by each merchant's speed; wrong keys
      for misdeliveries; refunds of orders the merchant cannot serve
  P3  buyers: confirm, dispute, or prove a misdelivery
  P4  answers: replacement, refund, court case (contest), verifier verdict; buyers withdrawing
      their dispute by confirming
  P5  confirmations of replacements; the court's rulings
  P6  24 h later, a keeper: settle, refund undelivered / unanswered, execute verifier refunds,
      resolve arbitrations stalled for 30 days
  P7  withdrawals (merchants, buyers with credits, the treasury), listings reopened

How orders end (weights, suppliers, fraudsters, the listing whose after-sales rate jumps) is in
bench/indexer_market.py. Seeded: the same parameters give the same activity (up to the random
salts and ephemeral keys of the crypto). See `generate` and bench/README.md ("Indexer").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from eth_abi import encode
from eth_utils import event_abi_to_log_topic, keccak
from web3 import Web3

from bench.indexer_chain import ChainWriter, LoadError, MinedBlock, Tx, load_rpc
from bench.indexer_market import (
    BAD,
    BASE_WEIGHTS,
    DELIVERED,
    DELIVERY_SLOTS,
    DISPUTED,
    SUPPLIERS,
    Buyer,
    Fate,
    ListingModel,
    Merchant,
    OrderPlan,
    Stock,
)
from fairkey.chain.abi_codec import AbiCodec
from fairkey.chain.anvil import dev_accounts
from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.deploy import Deployment, deploy_stack
from fairkey.chain.escrow_client import supplier_tag
from fairkey.chain.sender import Sender
from fairkey.chain.session import ChainSession, http_web3
from fairkey.chain.types import ETH, DisputeReason, ListingTerms, Ruling, Verdict
from fairkey.crypto.keys import StockUnit, new_salt, normalise_key
from fairkey.crypto.merkle import build_stock_tree
from fairkey.flows.merchant import seal_unit

HOUR = 3600
DAY = 24 * HOUR
ARBITRATION_FEE = 10**15
ARBITRATION_TIMEOUT = 30 * DAY  # FairkeyEscrow.ARBITRATION_TIMEOUT
FEE_BPS = 100
GAS = {  # per-transaction gas limits: generous (unused gas is not charged)
    "createListing": 400_000,
    "commitStock": 200_000,
    "setPrice": 100_000,
    "setActive": 80_000,
    "revokeBatch": 120_000,
    "setPaused": 80_000,
    "setFee": 80_000,
    "pay": 200_000,
    "deliver": 300_000,
    "replace": 300_000,
    "refund": 150_000,
    "confirm": 150_000,
    "dispute": 150_000,
    "proveMisdelivery": 300_000,
    "submitVerdict": 200_000,
    "contest": 400_000,
    "giveRuling": 250_000,
    "settle": 150_000,
    "refundUndelivered": 150_000,
    "refundUnanswered": 150_000,
    "executeVerifierRefund": 150_000,
    "resolveStalledArbitration": 150_000,
    "withdraw": 100_000,
}
VERDICT_TYPEHASH = keccak(
    text="KeyVerdict(uint256 orderId,uint256 deliveryNo,bytes32 fingerprint,uint8 verdict,"
    "uint64 deadline)"
)
EIP712_DOMAIN_TYPEHASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)


@dataclass(frozen=True)
class LoadParams:
    """What shapes the generated chain (and keys its cache)."""

    target_events: int = 100_000  # rounds continue until the escrow emitted at least this many
    orders_per_round: int = 1_000
    max_rounds: int = 200
    merchants: int = 6
    listings_per_merchant: int = 2
    buyers: int = 400
    fraudsters: int = 8  # buyers who dispute often and lose in court
    batch_size: int = 1_500  # stock units per committed batch
    txs_per_block: int = 150
    seed: int = 20261123

    def describe(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadResult:
    """The generated chain: where the stack is, which blocks hold the load, what it emitted."""

    deployment: Deployment
    first_block: int  # the escrow's creation block (its constructor's events): start here
    last_block: int
    events: int  # escrow logs from the deployment to last_block
    events_by_name: dict[str, int]
    transactions: int
    blocks: int
    rounds: int
    orders: int
    fates: dict[str, int]
    seconds: float  # generation wall time (deploy included, Anvil start excluded)
    chain_days: float  # chain time the load spans

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["deployment"] = asdict(self.deployment)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadResult:
        values = dict(data)
        values["deployment"] = Deployment(**data["deployment"])
        return cls(**values)


# ---------------------------------------------------------------------------- the generator


class LoadGenerator:
    """Plays the marketplace (bench/indexer_market.py) on a fresh Anvil, one day per round."""

    def __init__(
        self,
        url: str,
        params: LoadParams,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.url = url
        self.params = params
        self.rng = random.Random(params.seed)
        self.rpc = load_rpc(url)
        self.progress = progress or (lambda events: None)
        artifacts = load_artifacts()
        escrow_abi = artifacts["FairkeyEscrow"].abi
        self.escrow_codec = AbiCodec(escrow_abi)
        self.court_codec = AbiCodec(artifacts["TestArbitrator"].abi)
        self.event_names = {
            "0x" + event_abi_to_log_topic(item).hex(): item["name"]
            for item in escrow_abi
            if item.get("type") == "event"
        }
        self.orders = 0
        self.fates: dict[str, int] = {f.name: 0 for f in Fate}
        self.stalled: list[tuple[int, OrderPlan]] = []  # (arbitration timeout, order)
        self.listings: list[ListingModel] = []
        self._units_made = 0

    # ------------------------------------------------------------------ set-up

    def deploy(self) -> None:
        """Roles from Anvil's dev accounts (deployer/owner, treasury, keeper, two verifiers,
        merchants); buyers are fresh keys funded with anvil_setBalance."""
        p = self.params
        w3 = http_web3(self.url)
        chain_id = w3.eth.chain_id
        accounts = dev_accounts(dev_account_count(p))
        session = ChainSession(w3, accounts[0])
        self.deployment = deploy_stack(
            session,
            treasury=accounts[1].address,
            fee_bps=FEE_BPS,
            arbitrator=session.deploy("TestArbitrator", ARBITRATION_FEE),  # bench court
        )
        self.escrow = self.deployment.escrow
        self.court = self.deployment.arbitrator

        def signer(account) -> Sender:
            return Sender(
                bytes(account.key), chain_id, nonce=w3.eth.get_transaction_count(account.address)
            )

        self.owner, self.treasury, self.keeper_signer = (signer(a) for a in accounts[:3])
        self.verifiers = [signer(a) for a in accounts[3:5]]
        self.owner.self_check()
        self.merchants = [
            Merchant(signer(a), self._slot_weights(i)) for i, a in enumerate(accounts[5:])
        ]
        self.late_merchant = self.merchants.pop()  # joins the marketplace mid-run
        self.buyers = []
        for i in range(p.buyers):
            key = keccak(text=f"fairkey indexer bench buyer {i}")
            self.buyers.append(
                Buyer(
                    Sender(key, chain_id, nonce=0),
                    keccak(text=f"fairkey indexer bench buyer seed {i}"),
                    fraudster=i % max(1, p.buyers // max(1, p.fraudsters)) == 7,
                )
            )
        self.rpc.batch_all(
            [("anvil_setBalance", [b.signer.address, hex(10**24)]) for b in self.buyers]
        )
        # Buyers are drawn with a long tail: a few buy often, most rarely.
        self.buyer_weights = [1 / (i + 1) ** 0.7 for i in range(p.buyers)]
        self.rng.shuffle(self.buyer_weights)
        domain = encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                EIP712_DOMAIN_TYPEHASH,
                keccak(text="fairkey"),
                keccak(text="1"),
                chain_id,
                self.escrow,
            ],
        )
        self.domain_separator = keccak(domain)
        check = w3.eth.contract(self.escrow, abi=load_artifacts()["FairkeyEscrow"].abi)
        if bytes(check.functions.domainSeparator().call()) != self.domain_separator:
            raise LoadError("EIP-712 domain separator differs from the escrow's")
        gas_price = max(2 * w3.eth.gas_price, 2 * 10**9)
        self.writer = ChainWriter(
            self.rpc,
            self.escrow,
            self.event_names,
            txs_per_block=p.txs_per_block,
            gas_price=gas_price,
            on_block=self._on_block,
        )
        self.writer.start()
        self._count_constructor_events(w3)

    def _count_constructor_events(self, w3: Web3) -> None:
        """The escrow's constructor emits events too (owner, treasury, fee, court): count them,
        and start the indexed range at their block. `Deployment.block` is the stack's last
        deployment (the demo token's), one block after the escrow's."""
        logs = w3.eth.get_logs(
            {"fromBlock": 0, "toBlock": self.deployment.block, "address": self.escrow}
        )
        for log in logs:
            name = self.event_names.get("0x" + bytes(log["topics"][0]).hex(), "?")
            self.writer.events[name] += 1
        self.first_block = min((log["blockNumber"] for log in logs), default=self.deployment.block)

    def _slot_weights(self, i: int) -> tuple[float, ...]:
        profiles = ((8, 2, 1, 0), (4, 4, 2, 1), (2, 3, 3, 2), (1, 2, 4, 4))
        return tuple(float(w) for w in profiles[i % len(profiles)])

    def _on_block(self, block: MinedBlock) -> None:
        self.progress(sum(self.writer.events.values()))

    # ------------------------------------------------------------------ encoding helpers

    def call(self, signer: Sender, fn: str, *args: Any, value: int = 0, what: str = "") -> Tx:
        data = self.escrow_codec.fn(fn).encode(*args)
        return Tx(signer, self.escrow, data, GAS[fn], value, what or fn)

    def court_call(self, fn: str, *args: Any) -> Tx:
        data = self.court_codec.fn(fn).encode(*args)
        return Tx(self.owner, self.court, data, GAS[fn], 0, fn)

    def sign_verdict(self, verifier: Sender, plan: OrderPlan, verdict: int, deadline: int) -> bytes:
        struct = encode(
            ["bytes32", "uint256", "uint256", "bytes32", "uint8", "uint64"],
            [VERDICT_TYPEHASH, plan.order_id, 0, plan.record.fingerprint, verdict, deadline],
        )
        digest = keccak(b"\x19\x01" + self.domain_separator + keccak(struct))
        return verifier.sign_digest(digest)

    # ------------------------------------------------------------------ listings and stock

    def new_stock(self, listing: ListingModel, supplier: str) -> Stock:
        units = []
        base = self._units_made
        for i in range(self.params.batch_size):
            key = normalise_key(f"BENCH-{listing.id:03d}-{base + i:07d}-{supplier[:4].upper()}")
            units.append(StockUnit(i, key, new_salt()))
        self._units_made += self.params.batch_size
        tree = build_stock_tree(units, listing.merchant.signer.address)
        return Stock(tree.root, units, tree, supplier)

    def commit_tx(self, listing: ListingModel, supplier: str) -> Tx:
        stock = self.new_stock(listing, supplier)
        listing.stocks.append(stock)
        listing.available += len(stock.units)
        return self.call(
            listing.merchant.signer,
            "commitStock",
            listing.id,
            stock.root,
            len(stock.units),
            supplier_tag(supplier),
            value=len(stock.units) * listing.bond,
            what=f"commitStock listing {listing.id}",
        )

    def create_listings(self, merchant: Merchant, count: int) -> list[ListingModel]:
        """Listings of one merchant, created in their own block (ids come from the logs)."""
        models, txs = [], []
        for _ in range(count):
            price = self.rng.choice((5, 10, 10, 20, 25, 50)) * 10**15
            verifier = self.rng.choice(self.verifiers)
            terms = ListingTerms(
                token=ETH,
                price=price,
                bond_per_unit=price // 2,
                dispute_bond=10**15,
                delivery_window=HOUR,
                confirm_window=DAY,
                response_window=12 * HOUR,
                appeal_window=2 * HOUR,
                max_replacements=2,
                verifier=verifier.address,
                description_hash=Web3.keccak(text=f"bench product {len(self.listings) + len(txs)}"),
            )
            txs.append(self.call(merchant.signer, "createListing", terms.as_tuple(), 0))
            suppliers = self.rng.sample(sorted(SUPPLIERS), 2)
            models.append(
                ListingModel(
                    0,
                    merchant,
                    price,
                    price // 2,
                    10**15,
                    verifier,
                    self.rng.uniform(0.4, 2.0),
                    suppliers,
                )
            )
        logs = self.writer.mine(txs, after=12)
        ids = [int(log["topics"][1], 16) for log in logs]
        if len(ids) != count:
            raise LoadError(f"expected {count} ListingCreated events, got {len(ids)}")
        for model, listing_id in zip(models, sorted(ids), strict=True):
            model.id = listing_id
        self.listings += models
        return models

    # ------------------------------------------------------------------ planning one order

    def choose_fate(self, listing: ListingModel, buyer: Buyer, round_no: int) -> Fate:
        supplier = listing.next_stock().supplier
        weights = {}
        for fate, weight in BASE_WEIGHTS.items():
            if fate in BAD:
                weight *= SUPPLIERS[supplier]
                if listing.jump_from_round is not None and round_no >= listing.jump_from_round:
                    weight *= 6
            if fate in DISPUTED and buyer.fraudster:
                weight *= 10
            if fate is Fate.STALLED and round_no > 1:
                weight = 0  # only early court cases can reach their 30-day timeout in the run
            weights[fate] = weight
        fates = list(weights)
        return self.rng.choices(fates, [weights[f] for f in fates])[0]

    def plan_order(self, listing: ListingModel, round_no: int) -> OrderPlan:
        buyer = self.rng.choices(self.buyers, self.buyer_weights)[0]
        fate = self.choose_fate(listing, buyer, round_no)
        weights = listing.merchant.slot_weights
        slot = self.rng.choices(range(len(weights)), weights)[0]
        plan = OrderPlan(buyer, listing, fate, buyer.new_key(), slot)
        if fate in DELIVERED:
            stock = listing.next_stock()
            plan.unit = (stock, stock.take())
        if fate is Fate.REPLACED:
            stock = listing.next_stock()
            plan.replacement = (stock, stock.take())
            listing.available -= 1  # replace() takes a unit from sale
        if fate in DISPUTED:
            if fate is Fate.VERIFIER_REFUND:
                plan.reason = DisputeReason.KEY_INVALID
            else:
                plan.reason = self.rng.choice(
                    (
                        DisputeReason.KEY_INVALID,
                        DisputeReason.NOT_AS_DESCRIBED,
                        DisputeReason.DUPLICATE,
                        DisputeReason.OTHER,
                    )
                )
        if fate is Fate.CONTESTED:
            plan.reason = DisputeReason.NOT_AS_DESCRIBED
            if buyer.fraudster:
                plan.ruling = Ruling.PAY_MERCHANT
            else:
                plan.ruling = self.rng.choice(
                    (Ruling.PAY_MERCHANT, Ruling.REFUND_BUYER, Ruling.REFUND_BUYER, Ruling.SPLIT)
                )
        listing.available -= 1  # pay() reserves a unit
        self.fates[fate.name] += 1
        self.orders += 1
        return plan

    def seal(self, plan: OrderPlan, stock: Stock, unit: StockUnit, *, wrong: bool = False):
        plaintext = unit.plaintext
        if wrong:  # the committed unit's (c, f) and proof, but another key encrypted
            other = normalise_key(unit.key.decode().replace("BENCH", "WRONG"))
            plaintext = StockUnit(unit.index, other, new_salt()).plaintext
        return seal_unit(
            plan.order_id,
            plan.key.point,
            root=stock.root,
            index=unit.index,
            plaintext=plaintext,
            commitment=unit.commitment,
            fingerprint=unit.fingerprint,
        )

    # ------------------------------------------------------------------ one marketplace day

    def round(self, round_no: int, total_rounds_hint: int) -> None:
        """One marketplace day, P0 – P7 (see the module docstring)."""
        self.upkeep(round_no, total_rounds_hint)
        open_listings = [listing for listing in self.listings if listing.active]
        weights = [listing.popularity for listing in open_listings]
        picks = self.rng.choices(open_listings, weights, k=self.params.orders_per_round)
        counts = dict.fromkeys((listing.id for listing in open_listings), 0)
        for listing in picks:
            counts[listing.id] += 1
        self.restock(counts)
        plans = [self.plan_order(listing, round_no) for listing in picks]
        self.payments(plans)
        delivered_at = self.deliveries(plans)
        self.buyers_act(plans)
        contested, logs = self.answers(plans)
        self.replies_confirmed_and_ruled(plans, contested, logs)
        self.keeper(plans, delivered_at)
        self.wrap_up(round_no)

    def payments(self, plans: list[OrderPlan]) -> None:
        """P1."""
        txs = [
            self.call(
                p.buyer.signer,
                "pay",
                p.listing.id,
                p.listing.price,
                p.key.x,
                p.key.y,
                value=p.listing.price,
                what=f"pay listing {p.listing.id}",
            )
            for p in plans
        ]
        self.writer.submit(txs, after=60)

    def deliveries(self, plans: list[OrderPlan]) -> int:
        """P2: deliveries by slot (the merchant's speed), refunds of orders the merchant will not
        serve. Returns the time of the last delivery block."""
        for slot, offset in enumerate(DELIVERY_SLOTS):
            txs = []
            for p in plans:
                if p.slot != slot:
                    continue
                if p.fate is Fate.UNSERVED:
                    txs.append(self.call(p.listing.merchant.signer, "refund", p.order_id))
                    p.listing.available += 1  # never delivered: the reserved unit goes back
                    p.buyer.credit = True
                elif p.unit is not None:
                    stock, unit = p.unit
                    p.record = self.seal(p, stock, unit, wrong=p.fate is Fate.MISDELIVERED)
                    proof = stock.tree.proof(unit.index)
                    signer = p.listing.merchant.signer
                    txs.append(
                        self.call(signer, "deliver", p.order_id, p.record.as_struct(), proof)
                    )
            previous = DELIVERY_SLOTS[slot - 1] if slot else 0
            self.writer.submit(txs, after=offset - previous)
        return self.writer.time

    def buyers_act(self, plans: list[OrderPlan]) -> None:
        """P3: confirm, prove a misdelivery, or dispute (with the dispute bond)."""
        txs = []
        for p in plans:
            if p.fate is Fate.HAPPY:
                txs.append(self.call(p.buyer.signer, "confirm", p.order_id))
                p.listing.merchant.credit = True
            elif p.fate is Fate.MISDELIVERED:
                record = p.record.as_struct()
                txs.append(
                    self.call(p.buyer.signer, "proveMisdelivery", p.order_id, p.key.secret, record)
                )
                p.buyer.credit = True
            elif p.fate in DISPUTED:
                evidence = keccak(text=f"evidence {p.order_id}")
                txs.append(
                    self.call(
                        p.buyer.signer,
                        "dispute",
                        p.order_id,
                        int(p.reason),
                        evidence,
                        value=p.listing.dispute_bond,
                    )
                )
        self.writer.submit(txs, after=90 * 60)

    def answers(self, plans: list[OrderPlan]) -> tuple[dict[int, OrderPlan], list[dict]]:
        """P4: replacement, refund, verifier verdict, court case; buyers withdrawing their
        dispute. Waits for the block: the court's case ids are in its logs."""
        txs = []
        contested: dict[int, OrderPlan] = {}
        verdict_deadline = self.writer.time + DAY
        for p in plans:
            merchant = p.listing.merchant
            if p.fate is Fate.REPLACED:
                stock, unit = p.replacement
                record = self.seal(p, stock, unit).as_struct()
                proof = stock.tree.proof(unit.index)
                txs.append(self.call(merchant.signer, "replace", p.order_id, record, proof))
                p.buyer.credit = merchant.credit = True  # dispute bond back; the unit's bond
            elif p.fate is Fate.DISPUTE_REFUNDED:
                txs.append(self.call(merchant.signer, "refund", p.order_id))
                p.buyer.credit = merchant.credit = True
            elif p.fate is Fate.DISPUTE_WITHDRAWN:
                txs.append(self.call(p.buyer.signer, "confirm", p.order_id))
                p.buyer.credit = merchant.credit = True
            elif p.fate is Fate.VERIFIER_REFUND:
                verdict = int(self.rng.choice((Verdict.INVALID, Verdict.REDEEMED)))
                signature = self.sign_verdict(p.listing.verifier, p, verdict, verdict_deadline)
                record = p.record.as_struct()
                args = (p.order_id, record, verdict, verdict_deadline, signature)
                txs.append(self.call(p.listing.verifier, "submitVerdict", *args))
            elif p.fate in (Fate.CONTESTED, Fate.STALLED):
                evidence = keccak(text=f"merchant evidence {p.order_id}")
                fee = ARBITRATION_FEE
                txs.append(self.call(merchant.signer, "contest", p.order_id, evidence, value=fee))
                contested[p.order_id] = p
        return contested, self.writer.mine(txs, after=3 * HOUR)

    def replies_confirmed_and_ruled(
        self, plans: list[OrderPlan], contested: dict[int, OrderPlan], logs: list[dict]
    ) -> None:
        """P5: buyers confirm replacements; the court rules (stalled cases wait 30 days)."""
        txs = [
            self.call(p.buyer.signer, "confirm", p.order_id)
            for p in plans
            if p.fate is Fate.REPLACED
        ]
        requested = self.event_topic("ArbitrationRequested")
        for log in logs:
            if log["topics"][0] != requested:
                continue
            order_id, dispute_id = int(log["topics"][1], 16), int(log["topics"][3], 16)
            p = contested[order_id]
            if p.fate is Fate.STALLED:
                self.stalled.append((self.writer.time + ARBITRATION_TIMEOUT, p))
                continue
            txs.append(self.court_call("giveRuling", dispute_id, int(p.ruling)))
            p.buyer.credit = p.ruling is not Ruling.PAY_MERCHANT or p.buyer.credit
            p.listing.merchant.credit = True
        self.writer.submit(txs, after=HOUR)

    def keeper(self, plans: list[OrderPlan], delivered_at: int) -> None:
        """P6, after the confirm window of the last delivery: the deadline rules, by anyone."""
        rule = {
            Fate.SETTLED: "settle",
            Fate.UNDELIVERED: "refundUndelivered",
            Fate.SILENT: "refundUnanswered",
            Fate.VERIFIER_REFUND: "executeVerifierRefund",
        }
        txs = []
        for p in plans:
            if p.fate in rule:
                txs.append(self.call(self.keeper_signer, rule[p.fate], p.order_id))
                if p.fate is Fate.SETTLED:
                    p.listing.merchant.credit = True
                else:
                    p.buyer.credit = True
        after = delivered_at + DAY + 60 - self.writer.time
        due = self.writer.time + after
        for timeout, p in [s for s in self.stalled if s[0] < due]:
            txs.append(self.call(self.keeper_signer, "resolveStalledArbitration", p.order_id))
            p.buyer.credit = p.listing.merchant.credit = True  # the split pays both
            self.stalled.remove((timeout, p))
        self.writer.submit(txs, after=after)

    def event_topic(self, name: str) -> str:
        for topic, event in self.event_names.items():
            if event == name:
                return topic
        raise KeyError(name)

    def upkeep(self, round_no: int, total_rounds_hint: int) -> None:
        """P0: price changes, a paused listing, the late merchant, a fee change, a pause."""
        txs = []
        if round_no == 3:
            self.writer.submit([self.call(self.owner, "setPaused", True)], after=600)
            self.writer.submit([self.call(self.owner, "setPaused", False)], after=1800)
        if round_no == 5:
            txs.append(self.call(self.owner, "setFee", 150))
        if round_no == max(6, total_rounds_hint // 3):
            self.merchants.append(self.late_merchant)
            for listing in self.create_listings(self.late_merchant, 2):
                txs.append(self.commit_tx(listing, listing.suppliers[0]))
        for i, listing in enumerate(self.listings):
            if (round_no + i) % 7 == 6:
                listing.price = max(
                    10**15, listing.price * self.rng.choice((90, 95, 105, 110)) // 100
                )
                txs.append(
                    self.call(listing.merchant.signer, "setPrice", listing.id, listing.price)
                )
            if round_no % 9 == 4 and i == round_no % len(self.listings):
                listing.active = False
                txs.append(self.call(listing.merchant.signer, "setActive", listing.id, False))
        self.writer.submit(txs, after=600)

    def restock(self, counts: dict[int, int]) -> None:
        """Commit a batch wherever the day's orders (plus replacements) might run out."""
        txs = []
        for listing in self.listings:
            # pay() reserves a unit per order, replace() one more (up to ~25 % of a bad listing's)
            need = counts.get(listing.id, 0) * 3 // 2 + 10
            while listing.available < need or listing.deliverable < need:
                supplier = self.rng.choice(listing.suppliers)
                txs.append(self.commit_tx(listing, supplier))
        self.writer.submit(txs, after=60)

    def wrap_up(self, round_no: int) -> None:
        """P7: merchants withdraw, some buyers withdraw their refunds, the treasury every 4 days;
        a closed listing reopens; a supplier recall revokes a bad batch every 8 days."""
        txs = []
        for merchant in self.merchants:
            if merchant.credit:
                txs.append(self.call(merchant.signer, "withdraw", ETH))
                merchant.credit = False
        for buyer in self.buyers:
            if buyer.credit and self.rng.random() < 0.4:
                txs.append(self.call(buyer.signer, "withdraw", ETH))
                buyer.credit = False
        if round_no % 4 == 3:
            txs.append(self.call(self.treasury, "withdraw", ETH))
        for listing in self.listings:
            if not listing.active:
                listing.active = True
                txs.append(self.call(listing.merchant.signer, "setActive", listing.id, True))
        if round_no % 8 == 7:
            for listing in self.listings:
                stock = next((s for s in listing.stocks if s.supplier == "cheapkeys"), None)
                if stock is None or not stock.deliverable or not listing.available:
                    continue
                # No order is open here (all of today's ended at P6), so the escrow releases
                # min(unsold, stockAvailable), exactly as mirrored.
                released = min(stock.deliverable, listing.available)
                stock.revoked += released
                listing.available -= released
                listing.merchant.credit = True
                txs.append(
                    self.call(listing.merchant.signer, "revokeBatch", listing.id, stock.root)
                )
                break
        self.writer.submit(txs, after=600)

    # ------------------------------------------------------------------ the whole load

    def run(self) -> LoadResult:
        started = time.monotonic()
        self.deploy()
        p = self.params
        for merchant in self.merchants:
            self.create_listings(merchant, p.listings_per_merchant)
        jumpy = self.rng.choice(self.listings)
        start_time = self.writer.time
        events_per_round = 3.2 * p.orders_per_round
        rounds_hint = int(p.target_events / events_per_round) + 1
        jumpy.jump_from_round = max(2, rounds_hint * 2 // 3)
        rounds = 0
        while sum(self.writer.events.values()) < p.target_events:
            if rounds >= p.max_rounds:
                raise LoadError(f"{p.max_rounds} rounds did not reach {p.target_events} events")
            self.round(rounds, rounds_hint)
            self.writer.flush()  # the event count decides whether another day is needed
            rounds += 1
        events = sum(self.writer.events.values())
        return LoadResult(
            deployment=self.deployment,
            first_block=self.first_block,
            last_block=self.writer.head,
            events=events,
            events_by_name=dict(sorted(self.writer.events.items())),
            transactions=self.writer.transactions,
            blocks=self.writer.blocks,
            rounds=rounds,
            orders=self.orders,
            fates=self.fates,
            seconds=round(time.monotonic() - started, 2),
            chain_days=round((self.writer.time - start_time) / DAY, 2),
        )

    def close(self) -> None:
        if hasattr(self, "writer"):
            self.writer.stop()
        self.rpc.close()


def dev_account_count(params: LoadParams) -> int:
    """Anvil dev accounts the load uses (start the node with at least this many)."""
    return 5 + params.merchants + 1


def generate(
    url: str, params: LoadParams, progress: Callable[[int], None] | None = None
) -> LoadResult:
    """Build the load on the (fresh, automine) Anvil at `url`; returns what was built."""
    generator = LoadGenerator(url, params, progress)
    try:
        return generator.run()
    finally:
        generator.close()
