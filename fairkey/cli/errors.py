"""User-facing failures: what went wrong, in plain words, without a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from pydantic import ValidationError
from web3.exceptions import TimeExhausted, Web3RPCError

from arbitration.juror import JurorRefusal
from fairkey.chain.artifacts import ArtifactsMissing
from fairkey.chain.errors import ContractRevert
from fairkey.chain.rpc_errors import NodeUnavailable, RpcError
from fairkey.chain.types import ETH, OrderStatus, order_ref
from fairkey.cli.court_errors import COURT_EXPLANATIONS
from fairkey.crypto.keys import KeyFormatError
from fairkey.flows.buyer import NotDelivered
from fairkey.units import format_amount, format_duration, format_time
from fairkey.vault.errors import VaultError


class CliError(Exception):
    """A mistake or refusal the user can act on; the message is shown as it is."""


# ---------------------------------------------------------------------------- reverts
#
# Every custom error the compiled contracts can revert with has a sentence here, in the words of
# the CLI: the option that was wrong and its allowed range, or what to do next
# (tests/cli/test_revert_messages.py reads the build and fails on an error without one). The raw
# error follows the sentence in parentheses, for bug reports.

Args = dict[str, Any]
Message = str | Callable[[Args], str]

_WINDOW_OPTIONS = {  # EscrowWindowOutOfRange's window ids (StockBook.WINDOW_*)
    0: "--delivery-window",
    1: "--confirm-window",
    2: "--response-window",
    3: "--appeal-window",
}
_SIGN_AS = "(--dev-account N, or FAIRKEY_PRIVATE_KEY)"
_BATCHES = "`fairkey stock list` shows the vault's batches"


def _ref(a: Args) -> str:
    return order_ref(a["orderId"])


def _root(value: bytes) -> str:
    return f"0x{value.hex()[:12]}…"


def _eth(wei: int) -> str:
    return format_amount(wei, 18, "ETH")


def _units(amount: int) -> str:
    return f"{amount:,} base units"


def _bps(bps: int) -> str:
    return f"{bps / 100:g}%"


def _window(a: Args) -> str:
    option = _WINDOW_OPTIONS.get(a["window"], f"time window {a['window']}")
    return (
        f"{option} {format_duration(a['value'])} is out of range: allowed "
        f"{format_duration(a['min'])} to {format_duration(a['max'])}"
    )


def _status(a: Args) -> str:
    ref = _ref(a)
    return (
        f"order {ref} is {OrderStatus(a['current']).name}: this action needs another state "
        f"(`fairkey order show {ref}` shows where it stands)"
    )


def _out_of_stock(a: Args) -> str:
    listing, available = a["listingId"], a["available"]
    if available == 0:
        return (
            f"listing {listing} has no committed stock left; its merchant adds keys with "
            f"`fairkey stock commit BATCH --listing {listing}`"
        )
    return (
        f"listing {listing} has only {available} left, not the {a['requested']} asked for: "
        f"buy at most {available} (--quantity {available}); nothing was paid"
    )


EXPLANATIONS: dict[str, Message] = {
    # --- operator settings and the pause
    "EscrowPaused": "the escrow is paused by its operator: new listings, stock commits and "
    "payments wait until it resumes (deliveries, refunds, settlements and withdrawals still "
    "work); try again later",
    "EscrowZeroAddress": "the zero address (0x0000…0000) is not allowed here: give a real address",
    "EscrowFeeTooHigh": lambda a: (
        f"a fee of {_bps(a['feeBps'])} is above the escrow's maximum of {_bps(a['maxBps'])}"
    ),
    "OwnableUnauthorizedAccount": lambda a: (
        f"only the escrow's owner may do this, and you sign "
        f"as {a['account']}: sign as the owner {_SIGN_AS}"
    ),
    "OwnableInvalidOwner": lambda a: f"{a['owner']} cannot own the escrow (the zero address?)",
    "InvalidShortString": "a name or version string of the contract is too long (deployment)",
    "StringTooLong": "a name or version string of the contract is too long (deployment)",
    "ReentrancyGuardReentrantCall": "a token or receiving contract called back into the escrow "
    "during the call; the escrow refuses re-entrant calls",
    # --- listing create / price
    "EscrowWindowOutOfRange": _window,
    "EscrowTooManyReplacements": lambda a: (
        f"--max-replacements {a['requested']} is too many: allowed 0 to {a['max']}"
    ),
    "EscrowZeroPrice": "--price must be more than 0, e.g. --price 0.01",
    "EscrowTooManyListings": "the escrow has no listing ids left: no new listing can be created "
    "on this deployment",
    "EscrowTooManyPricePoints": "the escrow has no price records left: no new listing or price "
    "change can be made on this deployment",
    "EscrowPriceHistoryFull": lambda a: (
        f"listing {a['listingId']} changed its price as often as "
        "a listing can: create a new listing (`fairkey listing create`) to sell at another price"
    ),
    "EscrowUnknownListing": lambda a: (
        f"there is no listing with this id ({a['listingId']}): "
        "`fairkey index show listings` lists them"
    ),
    "EscrowNotMerchant": lambda a: (
        f"only the merchant of listing {a['listingId']} may do this, "
        f"and you sign as {a['caller']}: sign as the listing's merchant {_SIGN_AS}"
    ),
    "EscrowListingInactive": lambda a: (
        f"listing {a['listingId']} is closed to new orders: "
        "choose another (`fairkey index show listings`)"
    ),
    # --- stock
    "EscrowOutOfStock": _out_of_stock,
    "EscrowBasketSize": lambda a: (
        f"--quantity {a['quantity']} is out of range: one payment buys 1 to {a['max']} keys "
        "(one order each); nothing was paid"
    ),
    "EscrowEmptyList": "the batch call was given no orders: nothing to do",
    "EscrowStockOverflow": lambda a: (
        f"listing {a['listingId']} would hold more unsold keys than "
        "the escrow can count (4,294,967,295): commit a smaller batch"
    ),
    "EscrowEmptyBatch": "a batch needs at least one key: import keys first "
    "(`fairkey stock import FILE --supplier NAME`)",
    "EscrowBatchExists": lambda a: (
        f"batch {_root(a['root'])} is already committed on chain: nothing to do ({_BATCHES})"
    ),
    "EscrowUnknownBatch": lambda a: (
        f"no batch {_root(a['root'])} is committed on chain: commit "
        "it first (`fairkey stock commit BATCH --listing LISTING`)"
    ),
    "EscrowBatchRevoked": lambda a: (
        f"every key of batch {_root(a['root'])} is delivered or "
        f"revoked: it has nothing left to sell ({_BATCHES})"
    ),
    "EscrowNothingToRevoke": lambda a: (
        f"batch {_root(a['root'])} has no unsold key left to revoke ({_BATCHES})"
    ),
    "EscrowBatchOfOtherListing": lambda a: (
        f"the key's batch {_root(a['root'])} is committed to "
        f"listing {a['batchListing']}, but the order is for listing {a['orderListing']}: deliver "
        f"from a batch of listing {a['orderListing']}"
    ),
    "EscrowUnitOutOfRange": lambda a: (
        f"batch {_root(a['root'])} has {a['count']} keys, so it "
        f"has no key {a['unitIndex']}: the vault and the chain disagree ({_BATCHES})"
    ),
    "EscrowInvalidProof": lambda a: (
        f"key {a['unitIndex']} is not part of batch "
        f"{_root(a['root'])} as committed (its Merkle proof fails): the vault and the chain "
        f"disagree ({_BATCHES})"
    ),
    # --- delivery
    "EscrowUnitAlreadyUsed": lambda a: (
        f"key {a['unitIndex']} of batch {_root(a['root'])} was "
        "delivered already; run `fairkey deliver` again and the vault hands out the next key"
    ),
    "EscrowKeyAlreadyDelivered": "this key was delivered before (to some order): it can never "
    "be sold again; revoke its batch (`fairkey stock revoke BATCH`)",
    "EscrowCiphertextLength": lambda a: (
        f"the sealed key is {a['length']} bytes: the escrow "
        "takes keys of 1 to 256 bytes (check the key in the vault)"
    ),
    "EscrowRecordMismatch": lambda a: (
        f"the delivery given is not the current delivery of order "
        f"{_ref(a)} (a replacement came since?): see `fairkey order show {_ref(a)}` and try again"
    ),
    "EscrowReplacementsExhausted": lambda a: (
        f"order {_ref(a)} had all {a['max']} replacement "
        f"key(s) its listing allows: answer with `fairkey respond {_ref(a)} refund` (or contest)"
    ),
    # --- buying
    "EscrowPriceAboveLimit": lambda a: (
        f"listing {a['listingId']} now costs "
        f"{_units(a['price'])}, more than the {_units(a['maxPrice'])} you agreed to (the merchant "
        f"changed the price): nothing was paid; check `fairkey listing show {a['listingId']}` and "
        "buy again if you still want it"
    ),
    "EscrowInvalidBuyerKey": "the order key is not a valid secp256k1 public key (a client bug): "
    "nothing was paid",
    "EscrowOrderExists": "an order with this buyer key exists already: run `fairkey buy` again "
    "(it takes the next order key)",
    "EscrowWrongPayment": lambda a: (
        f"the escrow expected {_eth(a['expected'])} with the call "
        f"but got {_eth(a['received'])}: nothing was paid; try again"
    ),
    "EscrowFeeOnTransferToken": lambda a: (
        f"the token {a['token']} delivered {_units(a['received'])} of the "
        f"{_units(a['expected'])} sent: the escrow takes only tokens that transfer exact amounts "
        "(fee-on-transfer tokens are not supported); use --token eth or another token"
    ),
    "ERC20InsufficientBalance": lambda a: (
        f"{a['sender']} holds {_units(a['balance'])} of the "
        f"token but {_units(a['needed'])} are needed: get more of the token first"
    ),
    "ERC20InsufficientAllowance": lambda a: (
        f"the escrow may take {_units(a['allowance'])} of "
        f"the token but needs {_units(a['needed'])}: try again (fairkey approves what each order "
        "needs)"
    ),
    "ERC20InvalidApprover": "the token refuses an approval from the zero address",
    "ERC20InvalidReceiver": lambda a: f"the token refuses to send to {a['receiver']}",
    "ERC20InvalidSender": lambda a: f"the token refuses to send from {a['sender']}",
    "ERC20InvalidSpender": lambda a: f"the token refuses to approve {a['spender']} as spender",
    "SafeERC20FailedOperation": lambda a: (
        f"the token {a['token']} refused the transfer: check your balance of it (`fairkey balance`)"
    ),
    # --- orders and their deadlines
    "EscrowUnknownOrder": lambda a: (
        f"there is no order with this id ({_ref(a)}): check it (`fairkey order list` shows yours)"
    ),
    "EscrowUnexpectedStatus": _status,
    "EscrowNotBuyer": lambda a: (
        f"only the buyer of order {_ref(a)} may do this, and you sign "
        f"as {a['caller']}: sign as the buyer {_SIGN_AS}"
    ),
    "EscrowDeadlinePassed": lambda a: (
        f"the deadline of order {_ref(a)} passed at "
        f"{format_time(a['deadline'])}: too late for this (`fairkey order show {_ref(a)}` says "
        "what applies now)"
    ),
    "EscrowDeadlineNotReached": lambda a: (
        f"order {_ref(a)} has its deadline at "
        f"{format_time(a['deadline'])}, not passed yet: try again after it"
    ),
    "EscrowNoDisputeReason": "a dispute needs a reason: --reason wrong-content, duplicate, "
    "key-invalid, not-as-described or other",
    # --- proofs
    "EscrowInvalidOrderKey": lambda a: (
        f"the secret revealed is not the key of order {_ref(a)}: "
        "only the buyer's wallet can prove (`fairkey prove ORDER` signed as the buyer)"
    ),
    "EscrowDeliveryMatchesCommitment": lambda a: (
        f"the key delivered for order {_ref(a)} is "
        f"exactly what was committed: nothing to prove (if it does not work: `fairkey dispute "
        f"{_ref(a)} --reason key-invalid`)"
    ),
    "EscrowNotDisplaced": lambda a: (
        f"the key of order {_ref(a)} was not also delivered from an earlier-committed batch: "
        "there is no duplicate to prove (if the key does not work: `fairkey dispute "
        f"{_ref(a)} --reason key-invalid`)"
    ),
    # --- verifier
    "EscrowNoVerifier": lambda a: (
        f"listing {a['listingId']} names no verifier (that takes "
        "`listing create --verifier ADDRESS`): no key check at an issuer; wait for the merchant's "
        "answer to your dispute"
    ),
    "EscrowUnknownVerdict": lambda a: (
        f"verdict {a['verdict']} is none of invalid (1), redeemed (2) or valid (3)"
    ),
    "EscrowVerdictStands": lambda a: (
        f"the listing's verifier found the key of order {_ref(a)} valid: it cannot be disputed "
        "again; take the verdict to the court before its deadline "
        f"(`fairkey contest {_ref(a)}`), or confirm the order"
    ),
    "EscrowAttestationExpired": lambda a: (
        "the verifier's signed verdict expired at "
        f"{format_time(a['deadline'])}: ask the verifier again (`fairkey verify ORDER "
        "--verifier-url URL`)"
    ),
    "EscrowInvalidAttestation": lambda a: (
        f"the verdict for order {_ref(a)} is not signed by "
        f"the listing's verifier {a['verifier']}: ask the verifier the listing names (`fairkey "
        "listing show LISTING`)"
    ),
    # --- court
    "EscrowNoArbitrator": "this escrow has no court: a dispute cannot be contested; answer "
    "with `fairkey respond ORDER refund` or `replace`",
    "EscrowArbitrationFee": lambda a: (
        f"the court's fee is {_eth(a['required'])} but "
        f"{_eth(a['provided'])} was sent: try again (the fee may have changed)"
    ),
    "EscrowUnknownDispute": lambda a: (
        f"the court {a['arbitrator']} has no case {a['disputeId']} with this escrow"
    ),
    "EscrowInvalidRuling": lambda a: (
        f"ruling {a['ruling']} is not one of 0 (split), 1 (refund the buyer), 2 (pay the merchant)"
    ),
    # --- money
    "EscrowNothingToWithdraw": lambda a: (
        f"{a['account']} has no escrow credit in "
        f"{'ETH' if a['token'] == ETH else a['token']}: nothing to withdraw (`fairkey balance`)"
    ),
    "EscrowTransferFailed": lambda a: (
        f"the payout of {_units(a['amount'])} to {a['to']} "
        "failed: that address does not accept it (a contract without a payable receive?)"
    ),
    # --- not custom errors of the ABI, but reverts people meet
    "TransactionFailed": "the transaction was mined but failed",
    "UnknownRevert": "the contract reverted with an error this build does not know (was it "
    "compiled from other sources?): run `make build`, or `--debug` for the raw data",
    "Panic": lambda a: f"the contract hit an internal error (panic {a['code']:#x})",
}

EXPLANATIONS.update(COURT_EXPLANATIONS)

_TIME_ARGS = {"deadline", "timeoutAt"}


def _show_arg(name: str, value: Any) -> str:
    if name == "orderId" and isinstance(value, int):
        return order_ref(value)
    if name in _TIME_ARGS and isinstance(value, int):
        return format_time(value)
    if name == "current" and isinstance(value, int):
        try:
            return OrderStatus(value).name
        except ValueError:
            return str(value)
    if name == "token" and value == ETH:
        return "ETH"
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def explain_revert(exc: ContractRevert) -> str | None:
    """The sentence for a revert (None if there is none: a name the build has but this file
    does not, or arguments it did not expect)."""
    message = EXPLANATIONS.get(exc.name)
    if callable(message):
        try:
            return message(exc.args_by_name)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # the error's arguments changed: the raw form below still says it
    return message


def describe_revert(exc: ContractRevert) -> str:
    """What the user reads: the sentence first, the raw error after it."""
    if exc.name == "Error":
        return f"refused: {exc.args_by_name.get('message', exc)}"
    shown = ", ".join(f"{k}={_show_arg(k, v)}" for k, v in exc.args_by_name.items())
    raw = f"{exc.name}({shown})"
    sentence = explain_revert(exc)
    if sentence is None:
        return f"refused by the contract: {raw}"
    return f"{sentence} (revert: {raw})"


def describe(exc: BaseException, rpc_url: str) -> str | None:
    """The message for an error the user can act on; None for a bug (let it raise)."""
    if isinstance(exc, CliError | KeyFormatError | ArtifactsMissing | NotDelivered | JurorRefusal):
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
    if isinstance(exc, NodeUnavailable):
        return f"the chain node is not reachable at {rpc_url} — is `make up` running? ({exc})"
    if isinstance(exc, RpcError):
        return f"the node refused the request: {exc}"
    if isinstance(exc, TimeExhausted):
        return f"the transaction was not mined in time: {exc}"
    if isinstance(exc, ValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return f"bad setting: {problems}"
    return None
