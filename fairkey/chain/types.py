"""Python mirrors of contracts/types/EscrowTypes.sol (same field order: they are ABI tuples).

The one mirror of the contract's enums: the indexer stores their Solidity names, derived from
these (`solidity_name`), and order ids are written out here only (`order_ref` for people,
`order_id_hex` for stores)."""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass, field
from enum import IntEnum

from eth_utils import is_checksum_address, to_checksum_address

from fairkey.crypto.canonical import KeyAlphabet  # noqa: F401  (mirrors the contract's enum)

# One DeliveryRecord for the whole SDK: it lives with the crypto that hashes it.
from fairkey.crypto.records import DeliveryRecord  # noqa: F401

ETH = "0x0000000000000000000000000000000000000000"


class OrderStatus(IntEnum):
    NONE = 0
    PAID = 1
    DELIVERED = 2
    DISPUTED = 3
    VERIFIER_REFUND_PENDING = 4
    ARBITRATING = 5
    COMPLETED = 6
    REFUNDED = 7
    SPLIT = 8

    @property
    def terminal(self) -> bool:
        return self in (OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.SPLIT)


class DisputeReason(IntEnum):
    NONE = 0
    WRONG_CONTENT = 1
    DUPLICATE = 2
    KEY_INVALID = 3
    NOT_AS_DESCRIBED = 4
    OTHER = 5


class CompletionCause(IntEnum):
    BUYER_CONFIRMED = 0
    CONFIRM_WINDOW_PASSED = 1
    RULING = 2


class RefundCause(IntEnum):
    MERCHANT_REFUNDED = 0
    NOT_DELIVERED = 1
    MISDELIVERY = 2
    MERCHANT_SILENT = 3
    VERIFIER_ATTESTED = 4
    RULING = 5
    DUPLICATE = 6  # displaced by an older batch's delivery of the same key


def solidity_name(member: IntEnum) -> str:
    """A member's name as the contract spells it: VERIFIER_REFUND_PENDING -> VerifierRefundPending
    (the names the indexer stores, and what the events of a block explorer show)."""
    return "".join(word.capitalize() for word in member.name.split("_"))


class Verdict(IntEnum):
    """A listing verifier's KeyVerdict (contracts/types/EscrowTypes.sol, Verdicts)."""

    INVALID = 1  # the issuer refuses the key: refund after the appeal window
    REDEEMED = 2  # the issuer says it was redeemed before: refund after the appeal window
    VALID = 3  # the issuer accepts it as working and unredeemed: delivered (bond to the merchant)

    @property
    def refunds(self) -> bool:
        """The verdict moves the order to VerifierRefundPending (VALID: back to Delivered)."""
        return self is not Verdict.VALID


class Ruling(IntEnum):
    SPLIT = 0
    REFUND_BUYER = 1
    PAY_MERCHANT = 2


@dataclass(frozen=True)
class ListingTerms:
    token: str
    price: int
    bond_per_unit: int
    dispute_bond: int
    delivery_window: int
    confirm_window: int
    response_window: int
    appeal_window: int
    max_replacements: int
    verifier: str
    description_hash: bytes

    def as_tuple(self) -> tuple:
        return astuple(self)


@dataclass(frozen=True)
class Listing:
    merchant: str
    confirm_window: int
    response_window: int
    appeal_window: int
    max_replacements: int
    fee_bps: int  # fixed when the listing was created
    token: str
    bond_per_unit: int
    price: int
    price_version: int
    stock_available: int
    delivery_window: int
    active: bool
    price_point: int  # the global price point of `price` (what a new order records)
    key_alphabet: int  # KeyAlphabet: which keys the listing sells
    verifier: str
    dispute_bond: int
    description_hash: bytes


@dataclass(frozen=True)
class Batch:
    listing_id: int
    count: int
    used: int
    revoked: int  # units withdrawn from sale
    # Commit order (older batches take precedence on a shared key); not part of a batch's value.
    seq: int = field(default=0, compare=False)


@dataclass(frozen=True)
class PricePoint:
    listing_id: int
    price: int
    version: int


def order_ref(order_id: int) -> str:
    """An order id as people see it: the per-order key's address (EIP-55)."""
    return to_checksum_address(order_id.to_bytes(20, "big"))


def order_id_hex(order_id: int) -> str:
    """An order id as stores key it (the index's `order_id` column, the vault): 0x and 40
    lower-case hex digits (uint160: the address of the buyer's per-order key)."""
    return f"0x{order_id:040x}"


# What an order id looks like, for every --help, API error and refusal (one wording everywhere).
ORDER_ID_FORMAT = "20-byte hex: 0x and 40 hex digits, as `fairkey buy` printed it"
_ORDER_ID = re.compile(r"0x[0-9a-fA-F]{40}")
_HEX = re.compile(r"0x[0-9a-fA-F]*")


def parse_order_ref(text: str | int) -> int:
    """The one parser of order ids written by people (CLI, verifier, API): exactly 0x + 40 hex
    digits (an address, as `buy` prints it in EIP-55). Decimal numbers, short or long hex are
    refused, never padded into another id; a mixed-case id must carry a correct EIP-55 checksum
    (it catches typos). An int passes through if it is in range. Raises ValueError saying what
    an order id looks like."""
    if isinstance(text, int):
        if not 0 < text < 2**160:
            raise ValueError(f"{text} is not an order id; order ids are {ORDER_ID_FORMAT}")
        return text
    text = text.strip()
    if _ORDER_ID.fullmatch(text):
        digits = text[2:]
        if digits not in (digits.lower(), digits.upper()) and not is_checksum_address(text):
            why = "its upper/lower case fails the EIP-55 checksum: a typo? all lower case is fine"
        elif int(digits, 16) == 0:
            why = "0 is no order"
        else:
            return int(digits, 16)
    elif _HEX.fullmatch(text):
        digits = len(text) - 2
        why = f"{digits} hex digits, not 40" + (": truncated?" if digits < 40 else "")
    elif text.isdigit():
        why = "a decimal number"
    else:
        why = "not 0x and hex digits"
    raise ValueError(f"{text!r} is not an order id ({why}); order ids are {ORDER_ID_FORMAT}")


@dataclass(frozen=True)
class Order:
    buyer: str
    listing_id: int
    status: OrderStatus
    deadline: int
    deliveries: int
    reason: DisputeReason
    price_version: int

    @classmethod
    def from_tuple(cls, t: tuple) -> Order:
        # The buyer as EIP-55 whether the tuple came from web3 or straight from eth_abi.
        buyer = to_checksum_address(t[0])
        return cls(buyer, t[1], OrderStatus(t[2]), t[3], t[4], DisputeReason(t[5]), t[6])

    @property
    def verdict_stands(self) -> bool:
        """The listing's verifier found the current delivery valid (a VALID verdict): DELIVERED
        with the dispute's reason kept, its dispute bond held; no second dispute, and the buyer
        may take the verdict to the court until `deadline`."""
        return self.status is OrderStatus.DELIVERED and self.reason is not DisputeReason.NONE


@dataclass(frozen=True)
class EscrowConfig:
    treasury: str
    fee_bps: int
    paused: bool
