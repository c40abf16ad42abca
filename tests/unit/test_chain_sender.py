"""The one nonce/sign/send path (fairkey/chain/sender.py) and the classification of the node's
refusals (fairkey/chain/rpc_errors.py), without a chain: a fake node."""

from __future__ import annotations

import random

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from fairkey.chain.rpc_errors import (
    AlreadyKnown,
    BatchTooLarge,
    NonceTooLow,
    RateLimited,
    RpcError,
    classify,
)
from fairkey.chain.sender import Sender, send_lock

KEY = keccak(text="fairkey sender test")
TO = to_checksum_address("0x" + "ab" * 20)


class FakeNode:
    """Answers eth_getTransactionCount with `pending`; refuses sends from `refusals` first."""

    def __init__(self, pending: int = 5, refusals: list[RpcError] | None = None) -> None:
        self.pending = pending
        self.refusals = list(refusals or [])
        self.sent: list[str] = []
        self.nonce_reads = 0

    def call(self, method, params=()):
        if method == "eth_getTransactionCount":
            self.nonce_reads += 1
            return hex(self.pending)
        assert method == "eth_sendRawTransaction"
        if self.refusals:
            raise self.refusals.pop(0)
        self.sent.append(params[0])
        return "0x" + keccak(bytes.fromhex(params[0][2:])).hex()


def _random_tx(rng: random.Random, chain_id: int) -> dict:
    return {
        "to": to_checksum_address(rng.randbytes(20)),
        "value": rng.choice([0, 1, 127, 128, 10**18, rng.getrandbits(200)]),
        "gas": rng.choice([21_000, 400_000, rng.getrandbits(40)]),
        "gasPrice": rng.choice([0, 1, 3 * 10**9, rng.getrandbits(64)]),
        "data": rng.randbytes(rng.choice([0, 1, 55, 56, 300, 5_000])),
        "nonce": rng.choice([0, 1, 127, 128, 255, 256, rng.getrandbits(32)]),
        "chainId": chain_id,
    }


@pytest.mark.parametrize("chain_id", [1, 31337, 2**40 + 7])
def test_the_direct_legacy_signature_is_eth_accounts_byte_for_byte(chain_id):
    rng = random.Random(chain_id)
    sender = Sender(KEY, chain_id, nonce=0)
    sender.self_check()
    for _ in range(40):
        tx = _random_tx(rng, chain_id)
        expected = Account.sign_transaction(tx, KEY)
        signed = sender.sign_complete(tx)
        assert signed.raw == bytes(expected.raw_transaction)
        assert signed.hash == bytes(expected.hash)


def test_typed_transactions_go_through_eth_account():
    tx = {
        "to": TO,
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
        "nonce": 3,
        "chainId": 31337,
    }
    assert Sender(KEY, 31337).sign_complete(tx).raw == bytes(
        Account.sign_transaction(tx, KEY).raw_transaction
    )


def test_a_counting_sender_asks_the_node_once_then_counts():
    node = FakeNode(pending=5)
    sender = Sender(KEY, 31337, node, count=True)
    nonces = [sender.send({"to": TO, "gas": 21_000, "gasPrice": 1}).nonce for _ in range(3)]
    assert nonces == [5, 6, 7] and node.nonce_reads == 1 and len(node.sent) == 3


def test_the_sessions_sender_asks_the_node_for_every_transaction():
    node = FakeNode(pending=5)
    sender = Sender(KEY, 31337, node, count=False)
    for _ in range(2):
        sender.send({"to": TO, "gas": 21_000, "gasPrice": 1})
    assert node.nonce_reads == 2


def test_a_nonce_too_low_is_taken_from_the_node_again_once():
    node = FakeNode(pending=5, refusals=[NonceTooLow("nonce too low")])
    sender = Sender(KEY, 31337, node, count=True, nonce=2)
    assert sender.send({"to": TO, "gas": 21_000, "gasPrice": 1}).nonce == 5
    assert sender.nonce == 6 and len(node.sent) == 1

    twice = FakeNode(refusals=[NonceTooLow("nonce too low"), NonceTooLow("nonce too low")])
    sender = Sender(KEY, 31337, twice, count=True)
    with pytest.raises(NonceTooLow):
        sender.send({"to": TO, "gas": 21_000, "gasPrice": 1})
    assert sender.nonce is None


def test_a_known_transaction_counts_as_sent_and_any_failure_forgets_the_count():
    node = FakeNode(refusals=[AlreadyKnown("already known")])
    sender = Sender(KEY, 31337, node, count=True, nonce=9)
    signed = sender.send({"to": TO, "gas": 21_000, "gasPrice": 1})
    assert signed.nonce == 9 and sender.nonce is None

    node = FakeNode(refusals=[RpcError("insufficient funds for gas * price + value")])
    sender = Sender(KEY, 31337, node, count=True, nonce=9)
    with pytest.raises(RpcError, match="insufficient funds"):
        sender.send({"to": TO, "gas": 21_000, "gasPrice": 1})
    assert sender.nonce is None


def test_the_builder_gets_the_nonce_and_its_error_leaves_nothing_sent():
    node = FakeNode(pending=4)
    sender = Sender(KEY, 31337, node, count=True)

    def build(nonce):
        raise ValueError(f"estimate reverted at nonce {nonce}")

    with pytest.raises(ValueError, match="nonce 4"):
        sender.send(build)
    assert node.sent == [] and sender.nonce is None


def test_one_lock_per_account_in_the_process():
    a, b = Sender(KEY, 1), Sender(KEY, 31337)
    assert a.lock is b.lock is send_lock(a.address.lower())
    assert Sender(keccak(text="other"), 1).lock is not a.lock


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("nonce too low", NonceTooLow),
        ("nonce too low: next nonce 7, tx nonce 3", NonceTooLow),
        ("already known", AlreadyKnown),
        ("known transaction: 0xabc", AlreadyKnown),
        ("transaction already imported", AlreadyKnown),
        ("insufficient funds for gas * price + value", RpcError),
        ("too many requests", RateLimited),
    ],
)
def test_send_refusals_are_classified(message, kind):
    assert type(classify("eth_sendRawTransaction", -32003, message)) is kind
    if kind in (NonceTooLow, AlreadyKnown):  # only a send's refusal is about its nonce
        assert type(classify("eth_call", -32003, message)) is RpcError


def test_a_refused_batch_is_classified_before_anything_else():
    assert type(classify("batch", 413, "HTTP 413 (payload too large)")) is BatchTooLarge
    assert type(classify("batch", -32600, "batch too large: max 10 requests")) is BatchTooLarge
    assert type(classify("batch", 429, "too many requests")) is RateLimited
    assert type(classify("eth_call", -32600, "batch too large")) is RpcError
