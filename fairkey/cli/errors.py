"""User-facing failures: what went wrong, in plain words, without a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from pydantic import ValidationError
from web3.exceptions import TimeExhausted, Web3RPCError

from fairkey.chain.artifacts import ArtifactsMissing
from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import ETH, OrderStatus, order_ref
from fairkey.cli.units import format_time
from fairkey.crypto.keys import KeyFormatError
from fairkey.flows.buyer import NotDelivered
from fairkey.vault.errors import VaultError


class CliError(Exception):
    """A mistake or refusal the user can act on; the message is shown as it is."""


def _status(args: dict[str, Any]) -> str:
    return f"the order is {OrderStatus(args['current']).name}: this action needs another state"


# Why the escrow refused, for the errors people actually meet. Others show just the error name.
EXPLANATIONS: dict[str, str | Callable[[dict[str, Any]], str]] = {
    "EscrowPaused": "the escrow is paused by its operator; try again later",
    "EscrowUnknownListing": "there is no listing with this id",
    "EscrowNotMerchant": "only the listing's merchant may do this (check --dev-account / key)",
    "EscrowListingInactive": "the listing is closed to new orders",
    "EscrowOutOfStock": "the listing has no committed stock left",
    "EscrowStockOverflow": "the listing would hold more units than the escrow can count",
    "EscrowEmptyBatch": "a batch needs at least one key",
    "EscrowBatchExists": "this batch (Merkle root) is already committed on chain",
    "EscrowUnknownBatch": "no batch with this root is committed on chain",
    "EscrowBatchRevoked": "the batch was revoked: its keys can no longer be sold",
    "EscrowBatchOfOtherListing": "the key's batch belongs to another listing",
    "EscrowInvalidProof": "the key is not part of the committed batch (Merkle proof fails)",
    "EscrowUnitAlreadyUsed": "this unit of the batch was already delivered",
    "EscrowKeyAlreadyDelivered": "this key was delivered before (to some order): it can never "
    "be sold again; revoke its batch",
    "EscrowUnknownOrder": "there is no order with this id",
    "EscrowOrderExists": "an order with this buyer key exists already (pay again: a new key "
    "is used)",
    "EscrowUnexpectedStatus": _status,
    "EscrowNotBuyer": "only the order's buyer may do this (check --dev-account / key)",
    "EscrowDeadlinePassed": "the deadline for this action has passed",
    "EscrowDeadlineNotReached": "the deadline has not passed yet; try again after it",
    "EscrowWrongPayment": "the amount sent does not match what the escrow expects",
    "EscrowFeeOnTransferToken": "the token delivered less than was sent (fee-on-transfer tokens "
    "are not supported)",
    "EscrowWindowOutOfRange": "a time window is outside the allowed range (window 0 = delivery, "
    "1 = confirm, 2 = response, 3 = appeal)",
    "EscrowTooManyReplacements": "too many replacements requested for the listing",
    "EscrowReplacementsExhausted": "the order had all the replacements its listing allows",
    "EscrowRecordMismatch": "the delivery record is not the order's current delivery",
    "EscrowInvalidOrderKey": "the revealed secret is not this order's key",
    "EscrowDeliveryMatchesCommitment": "the delivered key matches its commitment: nothing to prove",
    "EscrowNoVerifier": "the listing has no verifier",
    "EscrowAttestationExpired": "the verifier's attestation has expired",
    "EscrowInvalidAttestation": "the attestation is not signed by the listing's verifier",
    "EscrowNoArbitrator": "the escrow has no court configured",
    "EscrowArbitrationFee": "the arbitration fee sent is too low",
    "EscrowNothingToWithdraw": "you have no credit in this token",
    "EscrowTransferFailed": "the payout transfer failed (can the receiver accept it?)",
    "ERC20InsufficientBalance": "your token balance is too low",
    "ERC20InsufficientAllowance": "the escrow is not allowed to take that many tokens",
    "TransactionFailed": "the transaction was mined but failed",
}

_TIME_ARGS = {"deadline", "timeoutAt"}


def _show_arg(name: str, value: Any) -> str:
    if name == "orderId" and isinstance(value, int):
        return order_ref(value)
    if name in _TIME_ARGS and isinstance(value, int):
        return format_time(value)
    if name == "current" and isinstance(value, int):
        return OrderStatus(value).name
    if name == "token" and value == ETH:
        return "ETH"
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def describe_revert(exc: ContractRevert) -> str:
    if exc.name == "Error":
        return f"refused: {exc.args_by_name.get('message', exc)}"
    shown = ", ".join(f"{k}={_show_arg(k, v)}" for k, v in exc.args_by_name.items())
    text = f"refused by the escrow: {exc.name}({shown})"
    explanation = EXPLANATIONS.get(exc.name)
    if callable(explanation):
        explanation = explanation(exc.args_by_name)
    return f"{text} — {explanation}" if explanation else text


def describe(exc: BaseException, rpc_url: str) -> str | None:
    """The message for an error the user can act on; None for a bug (let it raise)."""
    if isinstance(exc, CliError | KeyFormatError | ArtifactsMissing | NotDelivered):
        return str(exc)
    if isinstance(exc, ContractRevert):
        return describe_revert(exc)
    if isinstance(exc, VaultError):
        return f"vault: {exc}"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename}" if exc.filename else str(exc)
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return f"the chain node is not reachable at {rpc_url} — is `make up` running?"
    if isinstance(exc, Web3RPCError):
        error = (exc.rpc_response or {}).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        return f"the node refused the request: {message or exc.message}"
    if isinstance(exc, TimeExhausted):
        return f"the transaction was not mined in time: {exc}"
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return f"bad setting: {problems}"
    return None
