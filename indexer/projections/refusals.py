"""`batch_refusals`: one row per BatchItemRefused, the orders a batch call (deliverMany,
confirmMany, settleMany) skipped, with the name of the custom error the single call would have
reverted with (so a merchant sees how many of its deliveries were refused, and why).

Rules: a refusal changes nothing for its order, so it is not in the order's row or timeline and
no reputation figure reads it (anyone may call settleMany on anyone's orders). The row carries
the order's merchant when the order is indexed (NULL otherwise: an id the escrow never sold, or
sold before the index starts). Rows are refreshed with their order, keyed by its id; a refusal
whose orderId cannot be an order id (>= 2**160) names no order and stays in raw_logs only. The
raw `reason` bytes stay in raw_logs too.
"""

from __future__ import annotations

from functools import cache

from eth_abi.exceptions import DecodingError

from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.errors import ErrorDecoder
from indexer.projections.names import REFUSAL_EVENT
from indexer.projections.raw import Log

UNKNOWN_ERROR = "UnknownRevert"  # ErrorDecoder's name for a selector no ABI defines


@cache
def _decoder(contract: str) -> ErrorDecoder:
    return ErrorDecoder(load_artifacts()[contract].abi)


def error_name(reason: str, contract: str = "FairkeyEscrow") -> str:
    """The custom error's name from its ABI encoding (0x hex) with the errors of `contract`
    (the escrow's; the Court's for its VoteRefused), or UnknownRevert."""
    try:
        return _decoder(contract).decode(reason).name
    except (DecodingError, ValueError):  # a known selector with arguments that do not decode
        return UNKNOWN_ERROR


def refusal_rows(order_id: str, logs: list[Log], merchant: str | None) -> list[dict]:
    """The `batch_refusals` rows of one order's events (canonical order)."""
    return [
        {
            "block_number": log.block_number,
            "log_index": log.log_index,
            "order_id": order_id,
            "merchant": merchant,
            "error": error_name(log.args["reason"]),
            "block_time": log.block_time,
            "tx_hash": log.tx_hash,
        }
        for log in logs
        if log.name == REFUSAL_EVENT
    ]
