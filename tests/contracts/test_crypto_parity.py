"""The contract and the Python SDK implement docs/protocol.md identically (real chain)."""

from dataclasses import replace

import pytest

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import OrderStatus
from fairkey.crypto.records import DeliveryRecord, find_fault


def _wrong_commitment_record(market, order_id, stock):
    """A merchant who commits one key and encrypts another (same length)."""
    committed = stock.take()
    other = market.make_units(1, ["WRONG-KEY-0000-ABCDEFGHIJKLMNOP"])[0]
    sealed = market.sealed_record(order_id, stock, other)
    return committed, DeliveryRecord.from_sealed(
        stock.root, committed.index, committed.commitment, committed.fingerprint, sealed.sealed
    )


def test_contract_refuses_a_proof_against_a_correct_delivery(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    assert find_fault(key.secret, order_id, record) == 0
    with pytest.raises(ContractRevert) as err:
        market.client("buyer").prove_misdelivery(order_id, key.secret, record)
    assert err.value.name == "EscrowDeliveryMatchesCommitment"


def test_contract_decrypts_like_the_sdk_and_refunds_a_wrong_key(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    committed, record = _wrong_commitment_record(market, order_id, stock)
    market.client("merchant").deliver(order_id, record, stock.tree.proof(committed.index))
    assert find_fault(key.secret, order_id, record) == 3  # FAULT_COMMITMENT, as the contract says
    result = market.client("buyer").prove_misdelivery(order_id, key.secret, record)
    assert result.event("MisdeliveryProven").args["fault"] == 3
    assert market.client("buyer").order(order_id).status == OrderStatus.REFUNDED


def test_a_record_that_differs_from_the_delivered_one_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    forged = replace(record, ciphertext=bytes(len(record.ciphertext)))
    with pytest.raises(ContractRevert) as err:
        market.client("buyer").prove_misdelivery(order_id, key.secret, forged)
    assert err.value.name == "EscrowRecordMismatch"


@pytest.mark.parametrize(
    "raw_key", [b"USED-KEY-0001\r", b" USED-KEY-0002", "USED-KEY-0003\u3000".encode()]
)
def test_a_key_with_surrounding_whitespace_is_a_provable_fault(market, raw_key):
    """A merchant re-selling "KEY" as "KEY\\r" would dodge the fingerprint registry: the contract
    sees the untrimmed key on decryption (fault 5), exactly as the SDK does."""
    from fairkey.crypto.keys import commitment, fingerprint, new_salt
    from fairkey.crypto.merkle import MerkleTree, leaf_hash
    from fairkey.crypto.records import FAULT_NOT_TRIMMED
    from fairkey.flows.merchant import buyer_key_of, seal_unit

    listing = market.make_listing()
    salt = new_salt()
    c, f = commitment(salt, raw_key), fingerprint(raw_key)
    tree = MerkleTree.build([leaf_hash(market.address("merchant"), 0, c, f)])
    market.client("merchant").commit_stock(listing, tree.root, 1)
    order_id, key = market.make_order(listing)
    record = seal_unit(
        order_id,
        buyer_key_of(market.client("stranger"), order_id),
        root=tree.root,
        index=0,
        plaintext=salt + raw_key,
        commitment=c,
        fingerprint=f,
    )
    market.client("merchant").deliver(order_id, record, tree.proof(0))

    assert find_fault(key.secret, order_id, record) == FAULT_NOT_TRIMMED
    result = market.client("buyer").prove_misdelivery(order_id, key.secret, record)
    assert result.event("MisdeliveryProven").args["fault"] == FAULT_NOT_TRIMMED
    assert market.client("buyer").order(order_id).status == OrderStatus.REFUNDED
