"""Folds one order's events (canonical order) into its rows: the order, its timeline, its
deliveries and its court case. Pure: no database, no clock.

The status after each event is the contract's (OrderBook/FairkeyEscrow state machine); events that
do not move the state (DisputeWithdrawn, MisdeliveryProven, Ruling) keep the status they found,
because that is what the chain held between them and the settlement in the same transaction.
A VerifierAttested with verdict VALID (3) puts the order back to Delivered (a working key is a
delivered key), every other verdict to VerifierRefundPending. A BatchItemRefused changed
nothing for the order: it is neither in its row nor in its timeline
(refusals.py keeps it). An order paid in a basket folds exactly as a single one; only its
`basket_id` says so. An order whose OrderPaid is not in the log (the index starts later) gets no
rows: nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.projections.names import (
    ARBITRATION_TIMEOUT,
    BAD_VERDICTS,
    COMPLETION_CAUSE,
    DISPUTE_REASON,
    REFUND_CAUSE,
    REFUSAL_EVENT,
    RULING,
    TERMINAL,
    VALID_VERDICT,
    VERDICT,
    name_of,
)
from indexer.projections.raw import Log
from indexer.projections.tiers import case_opened_at, tier_of

# Status right after each order event (None: unchanged); VerifierAttested: see `_status_after`.
_STATUS_AFTER = {
    "OrderPaid": "Paid",
    "KeyDelivered": "Delivered",
    "OrderDisputed": "Disputed",
    "VerifierAttested": "VerifierRefundPending",
    "ArbitrationRequested": "Arbitrating",
    "OrderCompleted": "Completed",
    "OrderRefunded": "Refunded",
    "OrderSplit": "Split",
}
TERMINAL_EVENTS = ("OrderCompleted", "OrderRefunded", "OrderSplit")
_DEADLINE_ARG = {
    "OrderPaid": "deliveryDeadline",
    "KeyDelivered": "confirmDeadline",
    "OrderDisputed": "responseDeadline",
    "VerifierAttested": "appealDeadline",
    "ArbitrationRequested": "timeoutAt",
}


@dataclass
class FoldedOrder:
    order: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    case: dict[str, Any] | None = None


def fold_order(
    order_id: str,
    logs: list[Log],
    terms_of: Any,
    supplier_of: dict[str, str],
    rulings: dict[tuple[str, int], Log],
    basket_id: str | None = None,
) -> FoldedOrder | None:
    """`logs` are the order's events in canonical order; `terms_of(listing_id)` gives the listing's
    terms (merchant, token) or None; `rulings` the Ruling events by (arbitrator, disputeId);
    `basket_id` the basket the order was paid in (None: a single `pay`)."""
    paid = next((log for log in logs if log.name == "OrderPaid"), None)
    if paid is None:
        return None
    listing_id = int(paid.args["listingId"])
    terms = terms_of(listing_id)
    if terms is None:
        return None
    case_key = _case_key(logs)
    if case_key is not None and case_key in rulings:
        logs = sorted([*logs, rulings[case_key]], key=lambda log: log.position)

    o: dict[str, Any] = {
        "order_id": order_id,
        "listing_id": listing_id,
        "merchant": terms["merchant"],
        "buyer": paid.args["buyer"],
        "token": terms["token"],
        "price": paid.args["price"],
        "status": "Paid",
        "deadline": None,
        "paid_block": paid.block_number,
        "paid_time": paid.block_time,
        "paid_tx": paid.tx_hash,
        "basket_id": basket_id,
        "delivery_deadline": paid.args["deliveryDeadline"],
        "deliveries": 0,
        "first_delivered_time": None,
        "last_delivered_time": None,
        "latency_s": None,
        "root": None,
        "supplier": None,
        "disputes": 0,
        "first_disputed_time": None,
        "last_disputed_time": None,
        "dispute_reason": None,
        "dispute_withdrawn": False,
        "dispute_lost": False,
        "attestations": 0,
        "verdict": None,
        "misdelivery_fault": None,
        "arbitrator": None,
        "dispute_id": None,
        "ruling": None,
        "resolved_block": None,
        "resolved_time": None,
        "resolved_tx": None,
        "cause": None,
        "tier": None,
        "case_opened_time": None,
        "handling_s": None,
        "buyer_amount": None,
        "merchant_amount": None,
        "fee": None,
        "compensation": None,
        "last_block": paid.block_number,
        "last_log_index": paid.log_index,
    }
    folded = FoldedOrder(o)
    status = "None"
    ended_after_verdict = False  # the order ended while a verifier refund was pending
    ended_after_valid = False  # the order ended while a VALID verdict stood (Delivered again)
    deadline: int | None = None
    current: dict[str, Any] | None = None  # the delivery the buyer holds now

    for log in logs:
        if log.position < paid.position:
            continue  # cannot happen on a canonical log; never let it invent a state
        if log.name == REFUSAL_EVENT:
            continue
        a = log.args
        name = log.name
        detail: str | None = None
        new_deadline = a.get(_DEADLINE_ARG[name]) if name in _DEADLINE_ARG else None

        if name == "KeyDelivered":
            if current is not None:
                current["replaced"] = True
            current = {
                "order_id": order_id,
                "delivery_no": a["deliveryNo"],
                "listing_id": listing_id,
                "merchant": terms["merchant"],
                "supplier": supplier_of.get(a["root"]),
                "root": a["root"],
                "unit_index": a["unitIndex"],
                "fingerprint": a["fingerprint"],
                "block_number": log.block_number,
                "block_time": log.block_time,
                "tx_hash": log.tx_hash,
                "disputed": False,
                "verdict": None,
                "misdelivery_fault": None,
                "replaced": False,
            }
            folded.deliveries.append(current)
            o["deliveries"] += 1
            if o["first_delivered_time"] is None:
                o["first_delivered_time"] = log.block_time
                o["latency_s"] = log.block_time - paid.block_time
            o["last_delivered_time"] = log.block_time
            o["root"], o["supplier"] = current["root"], current["supplier"]
            detail = str(a["deliveryNo"])
        elif name == "OrderDisputed":
            o["disputes"] += 1
            if o["first_disputed_time"] is None:
                o["first_disputed_time"] = log.block_time
            o["last_disputed_time"] = log.block_time
            o["dispute_reason"] = detail = name_of(DISPUTE_REASON, a["reason"])
            if current is not None:
                current["disputed"] = True
        elif name == "DisputeWithdrawn":
            o["dispute_withdrawn"] = True
        elif name == "VerifierAttested":
            o["attestations"] += a["verdict"] in BAD_VERDICTS  # "bad key" verdicts only
            o["verdict"] = a["verdict"]
            detail = name_of(VERDICT, a["verdict"])
            if current is not None:
                current["verdict"] = a["verdict"]
        elif name == "MisdeliveryProven":
            o["misdelivery_fault"] = a["fault"]
            detail = f"fault {a['fault']}"
            if current is not None:
                current["misdelivery_fault"] = a["fault"]
        elif name == "ArbitrationRequested":
            o["arbitrator"], o["dispute_id"] = a["arbitrator"], a["disputeId"]
            detail = f"case {a['disputeId']}"
            folded.case = _open_case(o, log)
        elif name == "Ruling":
            o["ruling"] = a["ruling"]
            detail = name_of(RULING, a["ruling"])
            if folded.case is not None:
                folded.case["ruling"] = a["ruling"]
                folded.case["time_to_ruling_s"] = log.block_time - folded.case["requested_time"]
        elif name in TERMINAL_EVENTS:
            ended_after_verdict = status == "VerifierRefundPending"
            ended_after_valid = status == "Delivered" and o["verdict"] == VALID_VERDICT
            detail = _settle(o, log)
            if folded.case is not None:
                _close_case(folded.case, o, log)

        if name in _STATUS_AFTER:
            status = _status_after(name, a)
            deadline = new_deadline
        o["status"] = status
        o["last_block"], o["last_log_index"] = log.block_number, log.log_index
        folded.events.append(
            {
                "order_id": order_id,
                "block_number": log.block_number,
                "log_index": log.log_index,
                "block_time": log.block_time,
                "tx_hash": log.tx_hash,
                "event": name,
                "status": status,
                "detail": detail,
                "deadline": new_deadline,
            }
        )

    o["deadline"] = None if status in TERMINAL else deadline
    o["dispute_lost"] = o["dispute_withdrawn"] or (
        status == "Completed" and (o["cause"] == "Ruling" or ended_after_valid)
    )
    if status in TERMINAL:
        o["tier"] = tier_of(
            status, o["cause"], o["disputes"] > 0, ended_after_verdict, ended_after_valid
        )
        if o["tier"] is not None:
            opened = case_opened_at(
                o["cause"], o["first_disputed_time"], o["delivery_deadline"], o["resolved_time"]
            )
            o["case_opened_time"] = opened
            o["handling_s"] = o["resolved_time"] - opened
    return folded


def _status_after(name: str, args: dict[str, Any]) -> str:
    if name == "VerifierAttested" and args["verdict"] == VALID_VERDICT:
        return "Delivered"
    return _STATUS_AFTER[name]


def _case_key(logs: list[Log]) -> tuple[str, int] | None:
    requested = [log for log in logs if log.name == "ArbitrationRequested"]
    if not requested:
        return None
    a = requested[-1].args
    return (a["arbitrator"], int(a["disputeId"]))


def _settle(o: dict[str, Any], log: Log) -> str:
    """Records the settlement event; returns its cause name."""
    a = log.args
    if log.name == "OrderCompleted":
        cause = name_of(COMPLETION_CAUSE, a["cause"])
        o["merchant_amount"], o["fee"] = a["merchantAmount"], a["fee"]
    elif log.name == "OrderRefunded":
        cause = name_of(REFUND_CAUSE, a["cause"])
        o["buyer_amount"], o["compensation"] = a["buyerAmount"], a["compensation"]
    else:  # OrderSplit: by a ruling, or by anyone once the court stalled
        cause = "Ruling" if o["ruling"] is not None else ARBITRATION_TIMEOUT
        o["buyer_amount"], o["merchant_amount"] = a["buyerAmount"], a["merchantAmount"]
        o["fee"] = a["fee"]
    o["cause"] = cause
    o["resolved_block"], o["resolved_time"], o["resolved_tx"] = (
        log.block_number,
        log.block_time,
        log.tx_hash,
    )
    return cause


def _open_case(o: dict[str, Any], log: Log) -> dict[str, Any]:
    a = log.args
    return {
        "arbitrator": a["arbitrator"],
        "dispute_id": a["disputeId"],
        "order_id": o["order_id"],
        "listing_id": o["listing_id"],
        "merchant": o["merchant"],
        "buyer": o["buyer"],
        "requester": a["requester"],
        "requested_block": log.block_number,
        "requested_time": log.block_time,
        "requested_tx": log.tx_hash,
        "timeout_at": a["timeoutAt"],
        "ruling": None,
        "outcome": None,
        "resolved_block": None,
        "resolved_time": None,
        "time_to_ruling_s": None,
    }


def _close_case(case: dict[str, Any], o: dict[str, Any], log: Log) -> None:
    if case["ruling"] is not None:
        case["outcome"] = "Ruling"
    elif o["cause"] == ARBITRATION_TIMEOUT:
        case["outcome"] = ARBITRATION_TIMEOUT
    else:
        case["outcome"] = o["cause"]  # a misdelivery proof ended the arbitration
    case["resolved_block"], case["resolved_time"] = log.block_number, log.block_time
