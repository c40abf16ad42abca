"""A client for every FairkeyEscrow function: typed arguments in, decoded results out."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from web3 import Web3

from fairkey.chain.abi_codec import AbiCodec
from fairkey.chain.artifacts import PROJECT_ROOT, ArtifactsMissing
from fairkey.chain.errors import ContractRevert
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.session import ChainSession, Event, TxResult
from fairkey.chain.types import (
    ETH,
    Batch,
    DeliveryRecord,
    DisputeReason,
    EscrowConfig,
    KeyAlphabet,
    Listing,
    ListingTerms,
    Order,
    PricePoint,
)

_ZERO32 = b"\0" * 32
# The most one settleMany item can cost beyond a refusal of it: cold order, price point and
# listing reads plus first-time credits of merchant and treasury (measured ~55k; with margin).
SETTLE_ITEM_GAS = 70_000
# The unlimited allowance; the SDK never grants it (tests and benches do, deliberately).
ERC20_MAX = 2**256 - 1


# OpenZeppelin's own compiled interfaces, from the npm package the contracts are built against:
# ape's build holds only this project's contracts, and a contracts/test/ ABI is no product ABI.
OZ_ARTIFACTS = PROJECT_ROOT / "node_modules" / "@openzeppelin" / "contracts" / "build" / "contracts"


@lru_cache(maxsize=8)
def openzeppelin_abi(name: str) -> list[dict[str, Any]]:
    """The ABI of OpenZeppelin's compiled ``name``: ``IERC20`` (what the escrow needs a token to
    do), ``IERC20Metadata`` (with symbol and decimals)."""
    path = OZ_ARTIFACTS / f"{name}.json"
    if not path.exists():
        raise ArtifactsMissing(f"no OpenZeppelin artifact {name} at {path}; run `make build`")
    return json.loads(path.read_text())["abi"]


def supplier_tag(name: str | bytes) -> bytes:
    """A supplier name as the bytes32 tag stored with a batch (UTF-8, at most 32 bytes)."""
    raw = name.encode() if isinstance(name, str) else name
    if len(raw) > 32:
        raise ValueError(f"supplier tag is {len(raw)} bytes; at most 32")
    return raw.ljust(32, b"\0")


class EscrowClient:
    def __init__(self, session: ChainSession, address: str, first_block: int = 0) -> None:
        """`first_block`: the escrow's deployment block (the deployment file's `block`). Its
        events start there, so a lookup by order or key reads no logs of older blocks: on a
        long-lived public chain those are millions of blocks asked for in chunks."""
        self.session = session
        self.address = Web3.to_checksum_address(address)
        self.contract = session.contract("FairkeyEscrow", self.address)
        self.first_block = first_block
        self._codec: AbiCodec | None = None

    def as_account(self, account) -> EscrowClient:
        """The same escrow, signing as `account`."""
        return EscrowClient(self.session.with_account(account), self.address, self.first_block)

    @property
    def f(self):
        return self.contract.functions

    @property
    def codec(self) -> AbiCodec:
        """Precompiled encoders/decoders of the escrow's functions (for hot paths)."""
        if self._codec is None:
            self._codec = AbiCodec(self.contract.abi)
        return self._codec

    def _send(self, fn, value: int = 0) -> TxResult:
        return self.session.send(fn, value)

    # ------------------------------------------------------------------ money in

    def _prepare_payment(self, token: str, amount: int) -> int:
        """ETH goes as msg.value; an ERC-20 gets an allowance of exactly `amount` first (never
        an unlimited one: a wallet's allowance is only ever what the next call takes).
        Returns msg.value."""
        if token == ETH or int(token, 16) == 0:
            return amount
        if amount:
            erc20 = self.session.w3.eth.contract(
                address=Web3.to_checksum_address(token), abi=openzeppelin_abi("IERC20")
            )
            owner = self.session.account.address
            if erc20.functions.allowance(owner, self.address).call() != amount:
                self.session.send(erc20.functions.approve(self.address, amount))
        return 0

    # ------------------------------------------------------------------ listings and stock

    def create_listing(
        self, terms: ListingTerms, key_alphabet: KeyAlphabet = KeyAlphabet.TEXT
    ) -> int:
        result = self._send(self.f.createListing(terms.as_tuple(), int(key_alphabet)))
        return result.event("ListingCreated").args["listingId"]

    def set_price(self, listing_id: int, price: int) -> TxResult:
        return self._send(self.f.setPrice(listing_id, price))

    def set_active(self, listing_id: int, active: bool) -> TxResult:
        return self._send(self.f.setActive(listing_id, active))

    def commit_stock(
        self, listing_id: int, root: bytes, count: int, supplier: str | bytes = b""
    ) -> TxResult:
        listing = self.listing(listing_id)
        value = self._prepare_payment(listing.token, count * listing.bond_per_unit)
        return self._send(
            self.f.commitStock(listing_id, root, count, supplier_tag(supplier)), value
        )

    def revoke_batch(self, root: bytes, listing_id: int | None = None) -> TxResult:
        """Revokes the signer's batch `root` (its listing looked up when not given)."""
        if listing_id is None:
            own = self.batch(root, self.session.account.address)
            listing_id = own.listing_id if own.count else self.batch(root).listing_id
        return self._send(self.f.revokeBatch(listing_id, root))

    # ------------------------------------------------------------------ orders

    def pay(
        self,
        listing_id: int,
        buyer_key_x: int,
        buyer_key_y: int,
        price: int | None = None,
        max_price: int | None = None,
    ) -> TxResult:
        """Pays for one key. `max_price` is the price the buyer agreed to (what a UI showed);
        by default the price read just now, so a price raised while the payment waits in the
        mempool makes it revert instead of costing more. `price` overrides the amount sent."""
        listing = self.listing(listing_id)
        limit = listing.price if max_price is None else max_price
        value = self._prepare_payment(listing.token, listing.price if price is None else price)
        return self._send(self.f.pay(listing_id, limit, buyer_key_x, buyer_key_y), value)

    def pay_basket(
        self,
        listing_id: int,
        buyer_keys: list[tuple[int, int]],
        max_price: int | None = None,
        price: int | None = None,
    ) -> TxResult:
        """Pays for `len(buyer_keys)` keys in one transaction, one unit order per fresh buyer
        key. `max_price` is the agreed price per key (as in `pay`); an ERC-20 allowance is
        exactly price × N. `price` overrides the per-key amount sent."""
        listing = self.listing(listing_id)
        limit = listing.price if max_price is None else max_price
        each = listing.price if price is None else price
        value = self._prepare_payment(listing.token, each * len(buyer_keys))
        keys = [(int(x), int(y)) for x, y in buyer_keys]
        return self._send(self.f.payBasket(listing_id, limit, keys), value)

    def deliver(self, order_id: int, record: DeliveryRecord, proof: list[bytes]) -> TxResult:
        return self._send(self.f.deliver(order_id, record.as_struct(), proof))

    def deliver_many(self, items: list[tuple[int, DeliveryRecord, list[bytes]]]) -> TxResult:
        """Delivers (order id, record, proof) items in one transaction; an item the escrow
        refuses is skipped and reported (`refusals`), the others deliver."""
        deliveries = [(oid, record.as_struct(), list(proof)) for oid, record, proof in items]
        return self._send(self.f.deliverMany(deliveries))

    def confirm(self, order_id: int) -> TxResult:
        return self._send(self.f.confirm(order_id))

    def confirm_many(self, order_ids: list[int]) -> TxResult:
        return self._send(self.f.confirmMany(list(order_ids)))

    def settle(self, order_id: int) -> TxResult:
        return self._send(self.f.settle(order_id))

    def settle_many(self, order_ids: list[int]) -> TxResult:
        """Settles the due ones; the gas limit leaves room for every item to settle, because the
        estimate runs at the latest block's time and an order whose deadline is that second is
        refused there (cheap) but due in the next block (not)."""
        ids = list(order_ids)
        return self.session.send(self.f.settleMany(ids), extra_gas=SETTLE_ITEM_GAS * len(ids))

    def refusals(self, result: TxResult) -> dict[int, ContractRevert]:
        """The orders a batch call skipped, each with the named error the single-order call
        would have reverted with (BatchItemRefused events of `result`)."""
        return {
            e.args["orderId"]: self.session.errors.decode(e.args["reason"])
            for e in result.events
            if e.name == "BatchItemRefused"
        }

    def refund_undelivered(self, order_id: int) -> TxResult:
        return self._send(self.f.refundUndelivered(order_id))

    def refund(self, order_id: int) -> TxResult:
        return self._send(self.f.refund(order_id))

    def dispute(
        self, order_id: int, reason: DisputeReason, evidence_hash: bytes = b"\0" * 32
    ) -> TxResult:
        order = self.order(order_id)
        listing = self.listing(order.listing_id)
        value = self._prepare_payment(listing.token, listing.dispute_bond)
        return self._send(self.f.dispute(order_id, int(reason), evidence_hash), value)

    def prove_misdelivery(
        self, order_id: int, buyer_secret: int, record: DeliveryRecord
    ) -> TxResult:
        return self._send(self.f.proveMisdelivery(order_id, buyer_secret, record.as_struct()))

    def submit_verdict(
        self, order_id: int, record: DeliveryRecord, verdict: int, deadline: int, signature: bytes
    ) -> TxResult:
        return self._send(
            self.f.submitVerdict(order_id, record.as_struct(), verdict, deadline, signature)
        )

    def prove_duplicate(self, order_id: int, record: DeliveryRecord) -> TxResult:
        """The order's current delivery was displaced by an older batch's delivery of its key."""
        return self._send(self.f.proveDuplicate(order_id, record.as_struct()))

    def execute_verifier_refund(self, order_id: int) -> TxResult:
        return self._send(self.f.executeVerifierRefund(order_id))

    def replace(self, order_id: int, record: DeliveryRecord, proof: list[bytes]) -> TxResult:
        return self._send(self.f.replace(order_id, record.as_struct(), proof))

    def contest(
        self, order_id: int, evidence_hash: bytes = b"\0" * 32, fee: int | None = None
    ) -> TxResult:
        if fee is None:
            fee = self.arbitration_cost(order_id)
        return self._send(self.f.contest(order_id, evidence_hash), fee)

    def refund_unanswered(self, order_id: int) -> TxResult:
        return self._send(self.f.refundUnanswered(order_id))

    def resolve_stalled_arbitration(self, order_id: int) -> TxResult:
        return self._send(self.f.resolveStalledArbitration(order_id))

    def withdraw(self, token: str = ETH) -> TxResult:
        return self._send(self.f.withdraw(Web3.to_checksum_address(token)))

    def withdraw_to(self, token: str, to: str) -> TxResult:
        return self._send(
            self.f.withdrawTo(Web3.to_checksum_address(token), Web3.to_checksum_address(to))
        )

    # ------------------------------------------------------------------ administration

    def set_paused(self, paused: bool) -> TxResult:
        return self._send(self.f.setPaused(paused))

    def set_fee(self, fee_bps: int) -> TxResult:
        return self._send(self.f.setFee(fee_bps))

    def set_treasury(self, treasury: str) -> TxResult:
        return self._send(self.f.setTreasury(treasury))

    # ------------------------------------------------------------------ views

    def listing(self, listing_id: int) -> Listing:
        return Listing(*self.session.call(self.f.listing(listing_id)))

    def order(self, order_id: int) -> Order:
        return Order.from_tuple(self.session.call(self.f.order(order_id)))

    def batch(self, root: bytes, merchant: str | None = None) -> Batch:
        """`merchant`'s batch `root` (batches are keyed per merchant). Without `merchant`: the
        merchant whose listing committed `root` (from its StockCommitted event); a root that
        several merchants committed must be asked with the merchant named."""
        if merchant is None:
            merchant = self._committer_of(root)
        return Batch(*self.session.call(self.f.batch(Web3.to_checksum_address(merchant), root)))

    def _committer_of(self, root: bytes) -> str:
        listings = {e.args["listingId"] for e in self.events("StockCommitted", root=root)}
        merchants = {self.listing(listing_id).merchant for listing_id in listings}
        if len(merchants) > 1:
            raise LookupError(f"root 0x{root.hex()} was committed by several merchants: name one")
        return merchants.pop() if merchants else ETH

    def price_point(self, point_id: int) -> PricePoint:
        return PricePoint(*self.session.call(self.f.pricePoint(point_id)))

    def config(self) -> EscrowConfig:
        return EscrowConfig(*self.session.call(self.f.config()))

    def credit_of(self, token: str, account: str) -> int:
        return self.session.call(self.f.creditOf(Web3.to_checksum_address(token), account))

    def registry_entry(self, fingerprint: bytes) -> bytes:
        """The registry's entry for this key (its batch's seq and record hash, packed); 32 zero
        bytes if it was never delivered."""
        return self.session.call(self.f.deliveryOf(fingerprint))

    def delivery_of(self, fingerprint: bytes) -> bytes:
        """Hash of the record that holds this key in the registry; 32 zero bytes if it was never
        delivered. The registry keeps 192 bits of it: the full hash comes from the key's
        KeyDelivered events, checked against the entry."""
        entry = self.registry_entry(fingerprint)
        if entry == _ZERO32:
            return entry
        found = self.delivery_with_entry(fingerprint, entry)
        if found is None:
            raise LookupError(f"no KeyDelivered event matches the registry entry 0x{entry.hex()}")
        order_id, delivery_no, record = found
        return record.record_hash(order_id, delivery_no)

    def delivery_with_entry(
        self, fingerprint: bytes, entry: bytes
    ) -> tuple[int, int, DeliveryRecord] | None:
        """(order id, delivery number, record) of the delivery of `fingerprint` whose registry
        entry is `entry` (e.g. the one a KeyDisplaced event names), from its KeyDelivered event."""
        for event in reversed(self.events("KeyDelivered", fingerprint=fingerprint)):
            record = _record_of(event.args)
            order_id, delivery_no = event.args["orderId"], event.args["deliveryNo"]
            if record.record_hash(order_id, delivery_no)[:24] == entry[8:]:
                return order_id, delivery_no, record
        return None

    def is_displaced(self, entry: bytes) -> bool:
        return self.session.call(self.f.isDisplaced(entry))

    def price_of(self, order_id: int) -> int:
        order = self.order(order_id)
        return self.session.call(self.f.priceAt(order.listing_id, order.price_version))

    def is_unit_used(self, root: bytes, index: int) -> bool:
        return self.session.call(self.f.isUnitUsed(root, index))

    def arbitration_cost(self, order_id: int) -> int:
        order = self.order(order_id)
        listing = self.listing(order.listing_id)
        court = self.session.contract("IArbitrator", self.session.call(self.f.arbitrator()))
        parties = self.session.w3.codec.encode(
            ["address", "address", "address"], [order.buyer, listing.merchant, listing.merchant]
        )
        return court.functions.arbitrationCost(parties).call()

    def verdict_digest(
        self, order_id: int, delivery_no: int, fingerprint: bytes, verdict: int, deadline: int
    ) -> bytes:
        return self.session.call(
            self.f.verdictDigest(order_id, delivery_no, fingerprint, verdict, deadline)
        )

    # ------------------------------------------------------------------ events

    def events(
        self,
        name: str,
        from_block: int | None = None,
        to_block: int | str = "latest",
        **filters: Any,
    ) -> list:
        """Decoded `name` events (from the escrow's first block unless `from_block` says),
        optionally filtered by indexed arguments. Any range works on any node: a provider that
        refuses a wide range or a large answer is asked in narrower spans
        (`chain/log_ranges.py`)."""
        if from_block is None or from_block < self.first_block:
            from_block = self.first_block
        event = getattr(self.contract.events, name)
        last = self.session.w3.eth.block_number if to_block == "latest" else int(to_block)
        if from_block > last:
            return []
        decoded = fetch_in_ranges(
            lambda a, b: event.get_logs(from_block=a, to_block=b, argument_filters=filters or None),
            from_block,
            last,
        )
        return [
            Event(
                d["event"],
                dict(d["args"]),
                d["address"],
                d["blockNumber"],
                d["transactionHash"].hex(),
                d["logIndex"],
            )
            for d in decoded
        ]

    def order_paid(self, order_id: int):
        found = self.events("OrderPaid", orderId=order_id)
        if not found:
            raise LookupError(f"order {order_id} has no OrderPaid event")
        return found[0]

    def current_delivery(self, order_id: int) -> tuple[DeliveryRecord, int] | None:
        """The order's latest delivered key as posted on chain, with its delivery number."""
        found = self.events("KeyDelivered", orderId=order_id)
        if not found:
            return None
        latest = max(found, key=lambda e: e.args["deliveryNo"])
        return _record_of(latest.args), latest.args["deliveryNo"]


def _record_of(a: dict) -> DeliveryRecord:
    """The delivery record a KeyDelivered event carries."""
    return DeliveryRecord(
        root=a["root"],
        unit_index=a["unitIndex"],
        commitment=a["commitment"],
        fingerprint=a["fingerprint"],
        eph_x=int.from_bytes(a["ephemeralX"], "big"),
        eph_parity=a["ephemeralParity"],
        ciphertext=a["ciphertext"],
    )
