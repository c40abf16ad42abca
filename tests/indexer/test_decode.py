"""The indexer's decoder agrees with web3's own event decoding, for every event of the escrow and
court ABIs (random arguments) and for the logs of real marketplace activity on Anvil; court rows
carry their case and juror for lookups."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data
from web3.datastructures import AttributeDict

from fairkey.chain.abi_codec import abi_type
from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.types import DisputeReason
from indexer.decode import EventDecoder, SourceDecoder, order_id_hex
from tests.support.disputes import (
    MERCHANT_EVIDENCE,
    delivered_order,
    disputed_order,
    sign_verdict,
    submit,
    wrong_content_record,
)

ESCROW_ABI = load_artifacts()["FairkeyEscrow"].abi
EVENTS = [e for e in ESCROW_ABI if e["type"] == "event"]
COURT_EVENTS = [e for e in load_artifacts()["Court"].abi if e["type"] == "event"]


# ---------------------------------------------------------------------------- web3 as the oracle


def _as_json(param: dict[str, Any], value: Any) -> Any:
    """web3's decoded value in the indexer's args JSON format."""
    kind = param["type"]
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        return [_as_json(inner, v) for v in value]
    if kind == "tuple":
        items = value.values() if hasattr(value, "values") else value
        return {c["name"]: _as_json(c, v) for c, v in zip(param["components"], items, strict=True)}
    if kind == "address":
        return value.lower()
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return value


def web3_args(event: dict[str, Any], log: dict[str, Any]) -> dict[str, Any]:
    entry = AttributeDict(
        {
            "address": to_checksum_address(log["address"]),
            "topics": [HexBytes(t) for t in log["topics"]],
            "data": HexBytes(log["data"]),
            "blockNumber": int(log["blockNumber"], 16),
            "blockHash": HexBytes(log["blockHash"]),
            "transactionHash": HexBytes(log["transactionHash"]),
            "transactionIndex": int(log["transactionIndex"], 16),
            "logIndex": int(log["logIndex"], 16),
        }
    )
    decoded = get_event_data(Web3().codec, event, entry)
    return {p["name"]: _as_json(p, decoded["args"][p["name"]]) for p in event["inputs"]}


# ---------------------------------------------------------------------------- random logs


def _random_value(rng: random.Random, param: dict[str, Any]) -> Any:
    kind = param["type"]
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        size = kind[kind.rindex("[") + 1 : -1]
        return [_random_value(rng, inner) for _ in range(int(size) if size else rng.randrange(4))]
    if kind == "tuple":
        return tuple(_random_value(rng, c) for c in param["components"])
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return rng.choice([0, 1, 2**bits - 1, rng.randrange(2**bits)])
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return rng.randrange(-(2 ** (bits - 1)), 2 ** (bits - 1))
    if kind == "address":
        return to_checksum_address(rng.randbytes(20))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "bytes":
        return rng.randbytes(rng.choice([0, 1, 31, 32, 33, 200]))
    if kind.startswith("bytes"):
        return rng.randbytes(int(kind[5:]))
    if kind == "string":
        return "".join(rng.choice("abcé✓ ") for _ in range(rng.randrange(40)))
    raise AssertionError(f"no generator for {kind}")


def random_log(rng: random.Random, event: dict[str, Any]) -> dict[str, Any]:
    """A log of `event` with random arguments, encoded as the EVM would (eth_abi)."""
    topics = ["0x" + event_abi_to_log_topic(event).hex()]
    data_types, data_values = [], []
    for p in event["inputs"]:
        value = _random_value(rng, p)
        if p["indexed"]:
            topics.append("0x" + encode([abi_type(p)], [value]).hex())
        else:
            data_types.append(abi_type(p))
            data_values.append(value)
    return {
        "address": "0x" + rng.randbytes(20).hex(),
        "topics": topics,
        "data": "0x" + encode(data_types, data_values).hex(),
        "blockNumber": hex(rng.randrange(1, 10**7)),
        "blockHash": "0x" + rng.randbytes(32).hex(),
        "transactionHash": "0x" + rng.randbytes(32).hex(),
        "transactionIndex": hex(rng.randrange(100)),
        "logIndex": hex(rng.randrange(1000)),
        "blockTimestamp": hex(rng.randrange(2**40)),
    }


@pytest.mark.parametrize("event", EVENTS, ids=[e["name"] for e in EVENTS])
def test_every_escrow_event_decodes_exactly_as_web3_decodes_it(event):
    decoder = EventDecoder(ESCROW_ABI)
    rng = random.Random(event["name"])
    for _ in range(25):
        log = random_log(rng, event)
        name, args = decoder.decode(log["topics"], log["data"])
        assert name == event["name"]
        assert args == web3_args(event, log)
        assert list(args) == [p["name"] for p in event["inputs"]]  # ABI order


@pytest.mark.parametrize("event", COURT_EVENTS, ids=[e["name"] for e in COURT_EVENTS])
def test_every_court_event_decodes_exactly_as_web3_decodes_it(event):
    decoder = EventDecoder.for_court()
    rng = random.Random(event["name"])
    for _ in range(25):
        log = random_log(rng, event)
        name, args = decoder.decode(log["topics"], log["data"])
        assert (name, args) == (event["name"], web3_args(event, log))


def _court_log(name: str, rng: random.Random) -> dict[str, Any]:
    return random_log(rng, next(e for e in COURT_EVENTS if e["name"] == name))


def test_court_rows_carry_their_case_and_juror_and_the_escrow_s_rows_neither():
    rng = random.Random(5)
    sources = SourceDecoder("0x" + "ee" * 20)
    drawn = _court_log("JurorDrawn", rng)
    drawn["topics"][1] = "0x" + encode(["uint256"], [7]).hex()
    row = sources.row(drawn, 1)
    assert (row["name"], row["case_id"]) == ("JurorDrawn", 7)
    assert row["juror"] == json.loads(row["args"])["juror"]
    created = _court_log("DisputeCreation", rng)
    created["topics"][1] = "0x" + encode(["uint256"], [8]).hex()
    assert sources.row(created, 1)["case_id"] == 8  # ERC-792's disputeId is the case id
    huge = _court_log("CaseOpened", rng)
    huge["topics"][1] = "0x" + encode(["uint256"], [2**63]).hex()
    assert sources.row(huge, 1)["case_id"] is None  # the BIGINT column cannot hold it
    requested = random_log(rng, next(e for e in EVENTS if e["name"] == "ArbitrationRequested"))
    escrow_row = sources.row(dict(requested, address="0x" + "ee" * 20), 1)
    assert escrow_row["name"] == "ArbitrationRequested"
    assert (escrow_row["case_id"], escrow_row["juror"]) == (None, None)  # a court's id, not ours


def test_evidence_with_a_uri_that_is_not_utf8_is_kept_with_the_bytes_replaced():
    event = next(e for e in COURT_EVENTS if e["name"] == "Evidence")
    log = random_log(random.Random(2), event)
    log["data"] = "0x" + encode(["bytes", "bytes32"], [b"ipfs://\xff\xfe", b"\x01" * 32]).hex()
    name, args = EventDecoder.for_court().decode(log["topics"], log["data"])
    assert (name, args["uri"], args["contentHash"]) == (
        "Evidence",
        "ipfs://\ufffd\ufffd",
        "0x" + "01" * 32,
    )


def _order_paid(order_id: int, listing_id: int) -> dict[str, Any]:
    paid = next(e for e in EVENTS if e["name"] == "OrderPaid")
    log = random_log(random.Random(7), paid)
    topics = log["topics"]
    topics[1] = "0x" + encode(["uint256"], [order_id]).hex()
    topics[2] = "0x" + encode(["uint256"], [listing_id]).hex()
    return log


def test_the_row_carries_ids_for_lookups_and_the_args_as_json():
    decoder = EventDecoder(ESCROW_ABI)
    order_key_address = 0x00A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3  # order ids are uint160
    log = _order_paid(order_key_address, 42)
    row = decoder.row(log, chain_id=31337)
    args = json.loads(row["args"])
    assert row["name"] == "OrderPaid"
    assert row["order_id"] == "0x00a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3"
    assert row["order_id"] == order_id_hex(args["orderId"])
    assert args["orderId"] == order_key_address  # the column has the hex form, args the integer
    assert row["listing_id"] == args["listingId"] == 42
    assert row["block_time"] == int(log["blockTimestamp"], 16)
    assert json.loads(row["topics"]) == log["topics"]
    assert (row["block_number"], row["log_index"]) == (
        int(log["blockNumber"], 16),
        int(log["logIndex"], 16),
    )


def test_ids_too_large_for_their_columns_stay_in_the_args_only():
    row = EventDecoder(ESCROW_ABI).row(_order_paid(2**160, 2**63), chain_id=1)
    assert (row["order_id"], row["listing_id"]) == (None, None)
    assert json.loads(row["args"])["orderId"] == 2**160


def test_a_log_without_block_timestamp_takes_the_time_given_by_the_caller():
    decoder = EventDecoder(ESCROW_ABI)
    log = random_log(random.Random(1), EVENTS[0])
    del log["blockTimestamp"]
    assert decoder.row(log, 1, block_time=1_700_000_000)["block_time"] == 1_700_000_000


def test_unknown_and_malformed_logs_are_kept_without_a_name():
    decoder = EventDecoder(ESCROW_ABI)
    assert decoder.decode(["0x" + "ab" * 32], "0x") == (None, {})
    assert decoder.decode([], "0x") == (None, {})
    paid = next(e for e in EVENTS if e["name"] == "OrderPaid")
    log = random_log(random.Random(3), paid)
    assert decoder.decode(log["topics"], log["data"][:-64]) == (None, {})  # data cut short
    assert decoder.decode(log["topics"][:2], log["data"]) == (None, {})  # a topic missing
    row = decoder.row(dict(log, topics=["0x" + "cd" * 32]), 1)
    assert (row["name"], row["args"], row["order_id"], row["listing_id"]) == (
        None,
        "{}",
        None,
        None,
    )


# ---------------------------------------------------------------------------- real activity


def _court_rules(market, dispute_id: int, ruling: int) -> None:
    court = market.session.contract("TestArbitrator", market.arbitrator_address)
    market.session.send(court.functions.giveRuling(dispute_id, ruling))


def _activity(market) -> None:
    """Marketplace activity that emits (nearly) every escrow event."""
    deal = delivered_order(market)
    deal.client("buyer").confirm(deal.order_id)  # OrderCompleted
    market.client("merchant").set_price(deal.listing, 2 * 10**16)
    market.client("merchant").set_active(deal.listing, False)
    market.client("merchant").revoke_batch(deal.stock.root)  # StockRevoked

    court = disputed_order(market)  # OrderDisputed
    opened = court.client("merchant").contest(court.order_id, MERCHANT_EVIDENCE)
    _court_rules(market, opened.event("ArbitrationRequested").args["disputeId"], 1)  # Ruling

    split = disputed_order(market, reason=DisputeReason.NOT_AS_DESCRIBED)
    opened = split.client("merchant").contest(split.order_id, MERCHANT_EVIDENCE)
    _court_rules(market, opened.event("ArbitrationRequested").args["disputeId"], 0)  # OrderSplit

    attested = disputed_order(market)
    submit(attested, sign_verdict(attested))  # VerifierAttested

    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, key = market.make_order(listing)
    committed, record = wrong_content_record(market, order_id, stock)
    market.client("merchant").deliver(order_id, record, stock.tree.proof(committed.index))
    market.client("buyer").prove_misdelivery(order_id, key.secret, record)  # MisdeliveryProven

    keys = [market.new_order_key() for _ in range(2)]
    paid = market.client("buyer").pay_basket(listing, [(k.x, k.y) for k in keys])  # BasketPaid
    basket = paid.event("BasketPaid").args["orderIds"]
    unit = stock.take()
    record = market.sealed_record(basket[0], stock, unit)
    items = [(basket[0], record, stock.tree.proof(unit.index))] * 2  # the second is refused
    market.client("merchant").deliver_many(items)  # BatchItemRefused

    market.client("merchant").withdraw()  # Withdrawn
    admin = market.client("deployer")
    admin.set_paused(True)
    admin.set_paused(False)
    admin.set_fee(150)


def test_real_escrow_logs_decode_as_web3_decodes_them(market):
    first = market.w3.eth.block_number + 1
    _activity(market)
    logs = market.w3.provider.make_request(
        "eth_getLogs", [{"address": market.escrow_address, "fromBlock": hex(first)}]
    )["result"]
    decoder = EventDecoder.for_escrow()
    by_topic = {"0x" + event_abi_to_log_topic(e).hex(): e for e in EVENTS}
    seen = set()
    for log in logs:
        row = decoder.row(log, chain_id=31337)
        event = by_topic[log["topics"][0]]
        assert row["name"] == event["name"]
        assert json.loads(row["args"]) == web3_args(event, log)
        seen.add(row["name"])
    assert {
        "ListingCreated",
        "StockCommitted",
        "StockRevoked",
        "ListingPriceChanged",
        "ListingActiveChanged",
        "OrderPaid",
        "KeyDelivered",
        "OrderCompleted",
        "OrderDisputed",
        "ArbitrationRequested",
        "Ruling",
        "OrderRefunded",
        "OrderSplit",
        "VerifierAttested",
        "MisdeliveryProven",
        "BasketPaid",
        "BatchItemRefused",
        "Withdrawn",
        "PausedSet",
        "FeeChanged",
    } <= seen
