"""The marketplace the indexer benchmark's load generator plays: how orders end (fates and
their weights), suppliers, and the generator's mirror of merchants, buyers, listings and stock.

Order outcomes follow fixed weights per 1,000 orders, shifted for realism: a supplier whose keys
often go bad (disputes, misdeliveries, verifier verdicts), a few fraudster buyers who dispute
often (and lose in court), and one listing whose after-sales rate jumps late in the run (the
issue's 2 % → 15 % alert). The mirror counts stock exactly as the escrow does (`available` is
its `stockAvailable`), so every planned transaction succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from bench.indexer_chain import LoadError
from fairkey.chain.sender import Sender
from fairkey.chain.types import DisputeReason, Ruling
from fairkey.crypto.keys import StockUnit
from fairkey.crypto.merkle import MerkleTree
from fairkey.crypto.order_keys import OrderKey, derive_order_key
from fairkey.crypto.records import DeliveryRecord

# Supplier name -> how much more often its keys end badly (disputes, misdeliveries, verdicts).
SUPPLIERS = {"acme-keys": 1.0, "global-cards": 1.0, "keyhub": 1.5, "cheapkeys": 4.0}
DELIVERY_SLOTS = (45, 3 * 60, 12 * 60, 40 * 60)  # seconds after the last payment block


class Fate(Enum):
    """How an order ends (and which transactions it takes)."""

    HAPPY = "confirmed by the buyer"
    SETTLED = "settled after the confirm window"
    UNDELIVERED = "refunded: not delivered in time"
    UNSERVED = "refunded by the merchant before delivery"
    REPLACED = "disputed, replaced, confirmed"
    DISPUTE_REFUNDED = "disputed, refunded by the merchant"
    DISPUTE_WITHDRAWN = "disputed, then confirmed by the buyer"
    MISDELIVERED = "wrong key proven on chain"
    VERIFIER_REFUND = "disputed, verifier verdict, refunded after the appeal window"
    SILENT = "disputed, merchant silent, refunded"
    CONTESTED = "disputed, contested, court ruling"
    STALLED = "disputed, contested, court silent 30 days, split"


# Base weights (per 1,000 orders). "Bad" fates are scaled by supplier, buyer and listing.
BASE_WEIGHTS = {
    Fate.HAPPY: 790,
    Fate.SETTLED: 110,
    Fate.UNDELIVERED: 15,
    Fate.UNSERVED: 15,
    Fate.REPLACED: 15,
    Fate.DISPUTE_REFUNDED: 10,
    Fate.DISPUTE_WITHDRAWN: 7,
    Fate.MISDELIVERED: 10,
    Fate.VERIFIER_REFUND: 10,
    Fate.SILENT: 4,
    Fate.CONTESTED: 5,
    Fate.STALLED: 5,
}
BAD = {
    Fate.REPLACED,
    Fate.DISPUTE_REFUNDED,
    Fate.MISDELIVERED,
    Fate.VERIFIER_REFUND,
    Fate.SILENT,
    Fate.CONTESTED,
}
DISPUTED = {
    Fate.REPLACED,
    Fate.DISPUTE_REFUNDED,
    Fate.DISPUTE_WITHDRAWN,
    Fate.VERIFIER_REFUND,
    Fate.SILENT,
    Fate.CONTESTED,
    Fate.STALLED,
}
DELIVERED = set(Fate) - {Fate.UNDELIVERED, Fate.UNSERVED}


@dataclass
class Stock:
    """A committed batch: units handed out in index order; revoked units come off the end."""

    root: bytes
    units: list[StockUnit]
    tree: MerkleTree
    supplier: str
    used: int = 0
    revoked: int = 0

    @property
    def deliverable(self) -> int:
        return len(self.units) - self.used - self.revoked

    def take(self) -> StockUnit:
        unit = self.units[self.used]
        self.used += 1
        return unit


@dataclass
class Merchant:
    signer: Sender
    slot_weights: tuple[float, ...]  # how its deliveries spread over DELIVERY_SLOTS
    credit: bool = False  # the escrow holds money for it (withdraw at P7)


@dataclass
class Buyer:
    signer: Sender
    seed: bytes  # wallet seed of its per-order keys
    fraudster: bool
    next_key: int = 0
    credit: bool = False

    def new_key(self) -> OrderKey:
        key = derive_order_key(self.seed, self.next_key)
        self.next_key += 1
        return key


@dataclass
class ListingModel:
    """The generator's mirror of a listing (stock counted exactly as the escrow counts it)."""

    id: int
    merchant: Merchant
    price: int
    bond: int
    dispute_bond: int
    verifier: Sender
    popularity: float
    suppliers: list[str]
    stocks: list[Stock] = field(default_factory=list)
    available: int = 0  # the escrow's stockAvailable
    active: bool = True
    jump_from_round: int | None = None  # after-sales rate jumps from this round on

    def next_stock(self) -> Stock:
        for stock in self.stocks:
            if stock.deliverable:
                return stock
        raise LoadError(f"listing {self.id}: no deliverable unit left (restock missing)")

    @property
    def deliverable(self) -> int:
        return sum(s.deliverable for s in self.stocks)


@dataclass
class OrderPlan:
    buyer: Buyer
    listing: ListingModel
    fate: Fate
    key: OrderKey
    slot: int  # delivery slot (index into DELIVERY_SLOTS)
    unit: tuple[Stock, StockUnit] | None = None
    replacement: tuple[Stock, StockUnit] | None = None
    record: DeliveryRecord | None = None
    reason: DisputeReason = DisputeReason.NONE
    ruling: Ruling = Ruling.SPLIT
    order_id: int = 0  # the escrow's id: the per-order key's address (set once: it is hashed)

    def __post_init__(self) -> None:
        self.order_id = int(self.key.address, 16)
