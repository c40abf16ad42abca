"""A step's first deliveries packed into as few transactions as a block takes.

A paid order's delivery is one item of `deliverMany`: on chain each item goes through exactly
`deliver`'s rule, and an item the rule refuses is skipped (BatchItemRefused) while the others
deliver, so an order refunded a moment before, or a dead unit, holds back nothing. The step's
deliveries, earliest deadline first, are packed greedily into transactions that each stay within
the services' `Budget` (fairkey/services/tx_budget.py: a share of the block's gas limit, under
EIP-7825's cap, calldata under the nodes' 128 KiB pool limit).

A transaction's gas limit is the sum of its items' estimates (`GasModel`): an upper bound from
each item's calldata size and the measured cost of a delivery, plus what the first item of a
listing, of a stock batch and of a 256-unit word of the batch's bitmap adds (cold slots, a word
going from zero to non-zero). tests/services/test_delivery_batches.py checks the bound against
the gas real batches use (≈ 20 % above it for units in a row of one batch, ≈ 25 % for items that
are each the first of their batch). A delivery that displaces a younger batch's delivery of its
key (KeyDisplaced) costs ≈ 24,000 more, which no estimate can know in advance: the margin
absorbs a few, and a batch that runs out of gas all the same is sent again one order per
transaction (`Tracked.alone`). A single item goes as a plain `deliver` (measured ≈ 700 gas
cheaper than a `deliverMany` of one).

The deliverMany calldata is written here, word by word (`deliver_many_calldata`; a test checks
it byte for byte against eth_abi): eth_abi's generic encoder of the nested, dynamic `Delivery`
tuples cost more per item than everything else the packing does. Pure: no chain, no vault.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from eth_utils import function_signature_to_4byte_selector

from fairkey.services.merchant_bot.work import Action, Tx
from fairkey.services.tx_budget import Budget

CALL_HEAD = 4 + 32 + 32  # deliverMany's selector, the array's offset and its length
DELIVER_MANY = function_signature_to_4byte_selector(
    "deliverMany((uint256,(bytes32,uint256,bytes32,bytes32,bytes32,uint8,bytes),bytes32[])[])"
)


@dataclass(frozen=True)
class GasModel:
    """Upper bounds, in gas, of the parts of a `deliverMany` (measured on Anvil under Prague's
    rules: in a batch of 100 units of one batch, a delivery used ≈ 40,500 besides its calldata;
    ten items of ten fresh batches ≈ 66,000 each)."""

    base: int = 21_000 + 4_000  # intrinsic, plus the call: dispatch, the array's head, the loop
    item: int = 44_000  # one delivery: order, registry slot (zero → entry), bit, counts, event
    proof_hash: int = 150  # per Merkle proof step
    ciphertext_byte: int = 16  # the event's data and the record's hash
    calldata_byte: int = 16  # every calldata byte counted as non-zero (16; a zero costs 4)
    new_listing: int = 12_000  # the first item of a listing: its cold slots
    new_batch: int = 8_000  # the first item of a stock batch: its cold slot and counts
    new_word: int = 25_000  # the first unit of a bitmap word: cold, maybe zero → non-zero

    def item_gas(self, proof_len: int, ciphertext_len: int) -> int:
        """One item's execution and calldata, without the first-of-its-kind additions."""
        return (
            self.item
            + self.proof_hash * proof_len
            + self.ciphertext_byte * ciphertext_len
            + self.calldata_byte * item_bytes(proof_len, ciphertext_len)
        )


def item_bytes(proof_len: int, ciphertext_len: int) -> int:
    """The ABI size of one `Delivery` in deliverMany's array: its offset in the array's head,
    orderId and the offsets of record and proof, the record's seven head words, the ciphertext
    (length word, data padded to 32 bytes) and the proof (length word, hashes)."""
    return 32 * (1 + 3 + 7 + 1 + 1 + proof_len) + 32 * -(-ciphertext_len // 32)


@dataclass
class _Pack:
    """One transaction being filled, with what its items made warm."""

    model: GasModel
    actions: list[Action] = field(default_factory=list)
    gas: int = 0
    calldata: int = CALL_HEAD
    listings: set[int] = field(default_factory=set)
    batches: set[bytes] = field(default_factory=set)
    words: set[tuple[bytes, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.gas = self.model.base + self.model.calldata_byte * CALL_HEAD

    def cost(self, action: Action) -> tuple[int, int]:
        """(gas, calldata bytes) that adding `action` would add."""
        _, record, proof = action.call[1]
        unit = action.unit
        assert unit is not None
        ciphertext = record[6]
        gas = self.model.item_gas(len(proof), len(ciphertext))
        if unit.listing_id not in self.listings:
            gas += self.model.new_listing
        if unit.root not in self.batches:
            gas += self.model.new_batch
        if (unit.root, unit.index >> 8) not in self.words:
            gas += self.model.new_word
        return gas, item_bytes(len(proof), len(ciphertext))

    def fits(self, action: Action, budget: Budget) -> bool:
        gas, calldata = self.cost(action)
        return self.gas + gas <= budget.gas and self.calldata + calldata <= budget.calldata

    def add(self, action: Action) -> None:
        gas, calldata = self.cost(action)
        self.gas += gas
        self.calldata += calldata
        unit = action.unit
        assert unit is not None
        self.listings.add(unit.listing_id)
        self.batches.add(unit.root)
        self.words.add((unit.root, unit.index >> 8))
        self.actions.append(action)

    def tx(self) -> Tx:
        if len(self.actions) == 1:
            return Tx.of(self.actions[0])
        items = tuple(action.call[1] for action in self.actions)
        tx = Tx(list(self.actions), ("deliverMany", (items,)), self.gas)
        tx.data = deliver_many_calldata(items)
        return tx


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _delivery(order_id: int, record: tuple, proof: Sequence[bytes]) -> bytes:
    """The ABI encoding of one `Delivery` tuple: orderId, the offsets of record and proof, the
    record (six static words, its ciphertext's offset, then the ciphertext's length and padded
    bytes) and the proof (its length, then the hashes)."""
    root, index, commitment, fingerprint, eph_x, parity, ciphertext = record
    padded = bytes(ciphertext) + bytes(-len(ciphertext) % 32)
    encoded_record = (
        b"".join((root, _word(index), commitment, fingerprint, eph_x, _word(parity), _word(7 * 32)))
        + _word(len(ciphertext))
        + padded
    )
    encoded_proof = _word(len(proof)) + b"".join(proof)
    head = _word(order_id) + _word(3 * 32) + _word(3 * 32 + len(encoded_record))
    return head + encoded_record + encoded_proof


def deliver_many_calldata(items: Sequence[tuple[int, tuple, Sequence[bytes]]]) -> bytes:
    """`deliverMany(items)` as calldata: the selector, the array's offset and length, the items'
    offsets (from the start of the items), then the items."""
    encoded = [_delivery(*item) for item in items]
    offsets, at = [], 32 * len(encoded)
    for item in encoded:
        offsets.append(_word(at))
        at += len(item)
    return DELIVER_MANY + _word(32) + _word(len(encoded)) + b"".join(offsets) + b"".join(encoded)


def pack_deliveries(
    deliveries: Sequence[Action], budget: Budget, model: GasModel | None = None
) -> list[Tx]:
    """First deliveries (kind "deliver"), in the order given, packed into transactions under
    `budget` (an item too large for any transaction still goes, alone)."""
    model = model or GasModel()
    packs: list[_Pack] = []
    for action in deliveries:
        if not packs or (packs[-1].actions and not packs[-1].fits(action, budget)):
            packs.append(_Pack(model))
        packs[-1].add(action)
    return [pack.tx() for pack in packs]


def plan_transactions(
    actions: Sequence[Action], budget: Budget, *, alone: Collection[int] = ()
) -> list[Tx]:
    """The step's transactions: its first deliveries packed, earliest deadline first (an order
    in `alone` in its own transaction), then every other action in its own transaction."""
    packed = sorted(
        (a for a in actions if a.kind == "deliver" and a.order_id not in alone),
        key=lambda a: a.deadline,
    )
    own = [a for a in actions if a.kind != "deliver" or a.order_id in alone]
    return pack_deliveries(packed, budget) + [Tx.of(a) for a in own]
