"""Helpers for the dispute-rule tests (L1 proof, L1 verifier verdict, L2 answers, L3 court).

Scenario builders (a delivered / disputed order), exact ledger bookkeeping, hand-built faulty
deliveries, EIP-712 verdict signatures made with eth_account, and a named-revert assertion.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import Event, TxResult
from fairkey.chain.types import ETH, DisputeReason, Order
from fairkey.chain.verdicts import verdict_typed_data
from fairkey.crypto.keys import fingerprint, new_salt, normalise_key
from fairkey.crypto.merkle import MerkleTree, leaf_hash
from fairkey.crypto.order_keys import OrderKey
from fairkey.crypto.records import DeliveryRecord
from tests.support.market import Market, Stock

ROLES = ("deployer", "treasury", "merchant", "buyer", "stranger", "verifier", "merchant2", "buyer2")
ARBITRATION_FEE = 10**15  # TestArbitrator fee deployed by conftest (deploy_stack default)
ARBITRATION_TIMEOUT = 30 * 24 * 3600
EVIDENCE = keccak(text="buyer evidence: screenshot of the issuer's 'code invalid' page")
MERCHANT_EVIDENCE = keccak(text="merchant evidence: supplier invoice and activation log")

# ---------------------------------------------------------------------------- reverts


@contextmanager
def reverts(name: str, **expected_args: Any) -> Iterator[pytest.ExceptionInfo[ContractRevert]]:
    """Asserts that the block reverts with the custom error `name` (and these arguments)."""
    with pytest.raises(ContractRevert) as err:
        yield err
    assert err.value.name == name, f"expected {name}, got {err.value}"
    for arg, value in expected_args.items():
        got = err.value.args_by_name[arg]
        if isinstance(value, str):  # addresses: eth_abi decodes them lower-case
            got, value = str(got).lower(), value.lower()
        assert got == value, f"{arg}: {err.value}"


# ---------------------------------------------------------------------------- ledger


def credits(market: Market, token: str = ETH) -> dict[str, int]:
    """Every role's withdrawable credit in `token`."""
    client = market.client("stranger")
    return {role: client.credit_of(token, market.address(role)) for role in ROLES}


def credited_since(market: Market, before: dict[str, int], token: str = ETH) -> dict[str, int]:
    """Credit gained per role since `before`; roles that gained nothing are left out."""
    after = credits(market, token)
    return {role: after[role] - before[role] for role in ROLES if after[role] != before[role]}


# ---------------------------------------------------------------------------- scenarios


@dataclass
class Deal:
    """One order of one listing, with the test's knowledge of its stock and buyer key."""

    market: Market
    listing: int
    stock: Stock
    order_id: int
    key: OrderKey
    record: DeliveryRecord | None = None

    def client(self, role: str) -> EscrowClient:
        return self.market.client(role)

    def order(self) -> Order:
        return self.market.client("stranger").order(self.order_id)

    @property
    def price(self) -> int:
        return self.market.client("stranger").price_of(self.order_id)


def delivered_order(market: Market, stock_size: int = 4, **terms: Any) -> Deal:
    """A paid order whose first key was delivered correctly (status DELIVERED)."""
    listing = market.make_listing(**terms)
    stock = market.make_stock(listing, stock_size)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    return Deal(market, listing, stock, order_id, key, record)


def dispute(
    deal: Deal, reason: DisputeReason = DisputeReason.KEY_INVALID, evidence: bytes = EVIDENCE
) -> TxResult:
    return deal.client("buyer").dispute(deal.order_id, reason, evidence)


def disputed_order(
    market: Market,
    reason: DisputeReason = DisputeReason.KEY_INVALID,
    stock_size: int = 4,
    **terms: Any,
) -> Deal:
    """A delivered order the buyer disputed (status DISPUTED, dispute bond held)."""
    deal = delivered_order(market, stock_size, **terms)
    dispute(deal, reason)
    return deal


def send_raw(client: EscrowClient, fn: Any, value: int = 0) -> TxResult:
    """A contract call with an explicit msg.value (the client computes the right one itself)."""
    return client.session.send(fn, value)


def single_event(result: TxResult, name: str) -> Event:
    found = [e for e in result.events if e.name == name]
    assert len(found) == 1, f"{len(found)} {name} events"
    return found[0]


def set_next_timestamp(market: Market, timestamp: int) -> None:
    """The next mined block (the next transaction) gets exactly this timestamp."""
    market.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])


# ---------------------------------------------------------------------------- faulty deliveries


@dataclass(frozen=True)
class HandUnit:
    """A unit whose leaf the test builds by hand (c and f need not belong to the key)."""

    index: int
    plaintext: bytes
    commitment: bytes
    fingerprint: bytes

    def leaf(self, merchant: str) -> bytes:
        return leaf_hash(merchant, self.index, self.commitment, self.fingerprint)


def commit_hand_units(
    market: Market, listing: int, units: list[HandUnit], merchant: str = "merchant"
) -> Stock:
    """Commits a batch over hand-built leaves; returns it as a Stock (duck-typed units)."""
    tree = MerkleTree.build([u.leaf(market.address(merchant)) for u in units])
    market.client(merchant).commit_stock(listing, tree.root, len(units), "hand-built")
    return Stock(listing, list(units), tree)  # type: ignore[arg-type]


def honest_unit(index: int, key: str) -> HandUnit:
    k = normalise_key(key)
    salt = new_salt()
    plain = salt + k
    return HandUnit(index, plain, keccak(plain), fingerprint(k))


def misfingerprinted_unit(index: int, key: str, fingerprint_of: str) -> HandUnit:
    """Commitment of `key`, but the fingerprint of another key (dodges the duplicate registry)."""
    unit = honest_unit(index, key)
    other = fingerprint(normalise_key(fingerprint_of))
    return HandUnit(index, unit.plaintext, unit.commitment, other)


def wrong_content_record(
    market: Market, order_id: int, stock: Stock, content: str = "WRONG-KEY-0000-ABCDEFGHIJKLMNOP"
) -> tuple[Any, DeliveryRecord]:
    """The merchant commits the next unit of `stock` but encrypts another key (fault 3)."""
    committed = stock.take()
    other = market.make_units(1, [content])[0]
    sealed = market.sealed_record(order_id, stock, other)
    record = DeliveryRecord.from_sealed(
        stock.root, committed.index, committed.commitment, committed.fingerprint, sealed.sealed
    )
    return committed, record


def raw_record(
    unit: Any, root: bytes, eph_x: int, eph_parity: int, ciphertext: bytes
) -> DeliveryRecord:
    """A delivery record put together by hand (the ephemeral point is not checked at delivery)."""
    return DeliveryRecord(
        root, unit.index, unit.commitment, unit.fingerprint, eph_x, eph_parity, ciphertext
    )


def random_ciphertext(length: int) -> bytes:
    return secrets.token_bytes(length)


# ---------------------------------------------------------------------------- verdicts (EIP-712)


def verdict_message(
    chain_id: int,
    escrow: str,
    order_id: int,
    delivery_no: int,
    fp: bytes,
    verdict: int,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 `full_message` of a KeyVerdict (the SDK's builder; the contract checks it)."""
    return verdict_typed_data(chain_id, escrow, order_id, delivery_no, fp, verdict, deadline)


def verdict_digest(message: dict[str, Any]) -> bytes:
    """The digest the signer signs: keccak(0x19 || 0x01 || domainSeparator || structHash)."""
    signable = encode_typed_data(full_message=message)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


@dataclass(frozen=True)
class SignedVerdict:
    verdict: int
    deadline: int
    signature: bytes
    digest: bytes


def sign_verdict(
    deal: Deal,
    verdict: int = 1,
    *,
    signer: str = "verifier",
    deadline: int | None = None,
    delivery_no: int | None = None,
    fp: bytes | None = None,
    order_id: int | None = None,
    chain_id: int | None = None,
    escrow: str | None = None,
) -> SignedVerdict:
    """A KeyVerdict on the deal's current delivery, signed by `signer` with eth_account.
    Any bound field can be overridden to make a signature for something else."""
    market = deal.market
    record = deal.record
    assert record is not None
    message = verdict_message(
        market.w3.eth.chain_id if chain_id is None else chain_id,
        market.escrow_address if escrow is None else escrow,
        deal.order_id if order_id is None else order_id,
        deal.order().deliveries - 1 if delivery_no is None else delivery_no,
        record.fingerprint if fp is None else fp,
        verdict,
        market.clock.now() + 3600 if deadline is None else deadline,
    )
    signed = Account.sign_typed_data(market.accounts[signer].key, full_message=message)
    return SignedVerdict(
        verdict, message["message"]["deadline"], bytes(signed.signature), verdict_digest(message)
    )


def submit(
    deal: Deal,
    signed: SignedVerdict,
    record: DeliveryRecord | None = None,
    submitter: str = "stranger",
    order_id: int | None = None,
) -> TxResult:
    return deal.client(submitter).submit_verdict(
        deal.order_id if order_id is None else order_id,
        deal.record if record is None else record,
        signed.verdict,
        signed.deadline,
        signed.signature,
    )
