"""The key verifier: the buyer sends the delivered key of a disputed order (sealed to the
verifier; any dispute reason), the verifier asks the issuer and, when the issuer says invalid,
redeemed or valid, signs an EIP-712 KeyVerdict and submits it on chain (docs/protocol.md,
"Verifier attestation"): invalid / redeemed refund the buyer after the appeal window, valid puts
the order back to Delivered (a working key is a delivered key; the buyer may take the verdict to
the court). "Region locked" is no verdict: whether the listing said so is for the merchant or
the court.

A temporary issuer failure is never a verdict: the verifier retries with exponential backoff up
to a budget (attempts and seconds), then records "unavailable" and leaves the dispute to the
merchant's answer (L2). Every decision is stored (store.py) so supplier quality can be scored.

This module is the domain: it refuses with the errors of errors.py; the HTTP routes (routes.py)
turn them into problem answers.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from coincurve import PrivateKey
from eth_account.signers.local import LocalAccount

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import OrderStatus, Verdict, order_ref, parse_order_ref
from fairkey.chain.verdicts import sign_verdict
from fairkey.crypto.keys import KeyFormatError, fingerprint, normalise_key
from fairkey.issuers.adapter import IssuerAdapter, IssuerAnswer, IssuerUnavailable
from fairkey.issuers.http_json import IssuerConfigError
from fairkey.verifier.answers import CheckAnswer
from fairkey.verifier.envelope import Envelope, EnvelopeError, key_check_aad, open_for_verifier
from fairkey.verifier.errors import (
    EnvelopeUnopened,
    NoSuchOrder,
    NotChecked,
    NotDelivered,
    NotDisputed,
    NotThisVerifier,
    VerdictRejected,
    VerdictTooLate,
    WrongKey,
)
from fairkey.verifier.store import UNAVAILABLE, DecisionStore, KeyCheck

VERDICT_TTL = 3600  # a signed verdict expires one hour (chain time) after it is made


class Outcome(enum.StrEnum):
    REFUND_PENDING = "refund_pending"  # verdict on chain: refund after the appeal window
    NO_REFUND = "no_refund"  # the key is good: VALID verdict on chain, the order is delivered
    REGION_LOCKED = "region_locked"  # good key, wrong region: merchant / court matter
    MERCHANT_RESPONSE = "merchant_response"  # no issuer answer: the dispute goes to L2


OUTCOME = {
    IssuerAnswer.INVALID.value: Outcome.REFUND_PENDING,
    IssuerAnswer.REDEEMED.value: Outcome.REFUND_PENDING,
    IssuerAnswer.VALID.value: Outcome.NO_REFUND,
    IssuerAnswer.REGION_LOCKED.value: Outcome.REGION_LOCKED,
    UNAVAILABLE: Outcome.MERCHANT_RESPONSE,
}
VERDICT = {
    IssuerAnswer.INVALID.value: Verdict.INVALID,
    IssuerAnswer.REDEEMED.value: Verdict.REDEEMED,
    IssuerAnswer.VALID.value: Verdict.VALID,
}

MESSAGES = {
    Outcome.REFUND_PENDING: (
        "the issuer says the key is {answer}: the verifier's signed verdict is on chain; you are "
        "refunded after the appeal window unless the merchant replaces the key or appeals"
    ),
    Outcome.NO_REFUND: (
        "the issuer says the key is valid and unused: the verifier's signed verdict is on chain "
        "and the order is delivered again. Redeem the key; the merchant is paid, with your "
        "dispute bond, after the appeal window unless you take the verdict to the court "
        "(`fairkey contest ORDER`)"
    ),
    Outcome.REGION_LOCKED: (
        "the key is good but locked to another region: no refund from the verifier; whether the "
        "listing said so is for the merchant's answer or the court"
    ),
    Outcome.MERCHANT_RESPONSE: (
        "the issuer could not be asked ({detail}): no verdict; your dispute goes to the "
        "merchant's answer, and you are refunded if the merchant stays silent past the response "
        "deadline. You may ask the verifier again later"
    ),
}


# ---------------------------------------------------------------------------- asking the issuer


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base_delay, 2·base_delay, … capped at max_delay; a Retry-After from
    the issuer is honoured (waits at least that long). Stops after `attempts` calls, or before a
    wait that would end past `budget_seconds` from the first call."""

    attempts: int = 5
    budget_seconds: float = 30.0
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return max(backoff, retry_after or 0.0)


@dataclass(frozen=True)
class IssuerResult:
    answer: IssuerAnswer | None  # None: no answer within the budget
    attempts: int
    detail: str = ""


def ask_issuer(
    adapter: IssuerAdapter,
    key: bytes,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> IssuerResult:
    start = clock()
    detail = ""
    attempt = 0
    for attempt in range(1, policy.attempts + 1):  # noqa: B007 - used after the loop
        try:
            return IssuerResult(adapter.check(key), attempt)
        except IssuerUnavailable as exc:
            detail = f"{exc.kind.value} after {attempt} attempt{'s' if attempt > 1 else ''}"
            if attempt == policy.attempts:
                break
            wait = policy.delay(attempt, exc.retry_after)
            if clock() - start + wait > policy.budget_seconds:
                detail += f"; next wait {wait:g}s is past the {policy.budget_seconds:g}s budget"
                break
            sleep(wait)
        except IssuerConfigError as exc:  # not temporary, but still no answer: never a verdict
            return IssuerResult(None, attempt, f"issuer adapter error: {exc}"[:400])
    return IssuerResult(None, attempt, detail)


# ---------------------------------------------------------------------------- the service


ORDER_LOCK_STRIPES = 64


class VerifierService:
    def __init__(
        self,
        escrow: EscrowClient,
        account: LocalAccount,
        adapter: IssuerAdapter,
        store: DecisionStore,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        verdict_ttl: int = VERDICT_TTL,
    ) -> None:
        self.escrow = escrow.as_account(account)
        self.account = account
        self.adapter = adapter
        self.store = store
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.verdict_ttl = verdict_ttl
        self._private = PrivateKey(bytes(account.key))
        # One check per order at a time (no double issuer call for one key); checks of different
        # orders run concurrently, and the session serialises only nonce-and-send. Striped: a
        # fixed set of locks, however many orders a long-running verifier sees.
        self._order_locks = [threading.Lock() for _ in range(ORDER_LOCK_STRIPES)]

    @property
    def chain_id(self) -> int:
        return self.escrow.session.chain_id

    def info(self) -> dict[str, Any]:
        return {
            "address": self.account.address,
            "public_key": "0x" + self._private.public_key.format(compressed=True).hex(),
            "chain_id": self.chain_id,
            "escrow": self.escrow.address,
            "envelope": "ECIES secp256k1 / HKDF-SHA256 / AES-256-GCM, v1",
        }

    # ------------------------------------------------------------------ one key check

    def check(self, order_id: int, envelope: Envelope) -> dict[str, Any]:
        with self._order_locks[order_id % ORDER_LOCK_STRIPES]:
            return self._check(order_id, envelope)

    def _check(self, order_id: int, envelope: Envelope) -> dict[str, Any]:
        ref = order_ref(order_id)
        order = self.escrow.order(order_id)
        if order.status is OrderStatus.NONE:
            raise NoSuchOrder(f"order {ref} does not exist")
        found = self.escrow.current_delivery(order_id)
        if found is None:
            raise NotDelivered(f"order {ref} has no delivered key yet")
        record, delivery_no = found
        listing = self.escrow.listing(order.listing_id)
        if listing.verifier.lower() != self.account.address.lower():
            raise NotThisVerifier(
                f"listing {order.listing_id} names verifier {listing.verifier}, not "
                f"{self.account.address}: send the key to that verifier"
            )
        aad = key_check_aad(self.chain_id, self.escrow.address, order_id)
        try:
            key = normalise_key(open_for_verifier(envelope, self._private, aad))
        except (EnvelopeError, KeyFormatError) as exc:
            raise EnvelopeUnopened(str(exc)) from None
        if fingerprint(key) != record.fingerprint:
            raise WrongKey(
                f"this key is not the one delivered for order {ref} (delivery {delivery_no}): its "
                "fingerprint differs from the one on chain. Send the key from the current delivery",
                order=ref,
                delivery_no=delivery_no,
            )

        row = self.store.get(ref, delivery_no)
        if row is not None and row.answer != UNAVAILABLE:
            if row.answer in VERDICT and row.tx_hash is None:
                return self._submit(row, record, order.status, repeated=True)
            return self._decision(row, repeated=True)
        if order.status is not OrderStatus.DISPUTED:
            raise NotDisputed(
                f"order {ref} is {order.status.name}, not DISPUTED: dispute it first (any "
                f"reason, e.g. `fairkey dispute {ref} --reason key-invalid`), then send the key "
                "again",
                order_status=order.status.name,
            )

        result = ask_issuer(self.adapter, key, self.policy, self.sleep, self.clock)
        previous_attempts = row.attempts if row is not None else 0
        row = row or KeyCheck(order_ref=ref, delivery_no=delivery_no)
        row.fingerprint = "0x" + record.fingerprint.hex()
        row.supplier = self._supplier(record.root)
        row.answer = result.answer.value if result.answer is not None else UNAVAILABLE
        row.attempts = previous_attempts + result.attempts
        row.tx_hash = None
        row.detail = result.detail
        row.checked_at = datetime.now(UTC)
        if row.answer in VERDICT:
            return self._submit(row, record, order.status, repeated=False)
        row = self.store.save(row)
        return self._decision(row, repeated=False)

    def _submit(self, row: KeyCheck, record, status: OrderStatus, repeated: bool) -> dict:
        order_id = parse_order_ref(row.order_ref)
        if status is not OrderStatus.DISPUTED:
            # ours may have landed unseen (a crash before its receipt): then it stands
            landed = self._landed_verdict(order_id, row.delivery_no, VERDICT[row.answer])
            if landed is not None:
                row.tx_hash, row.detail = landed, ""
                return self._decision(self.store.save(row), repeated=repeated)
            self.store.save(row)
            raise VerdictTooLate(
                f"the issuer says the key is {row.answer}, but order {row.order_ref} is "
                f"{status.name}, not DISPUTED: the verdict can no longer be submitted",
                answer=row.answer,
            )
        verdict = VERDICT[row.answer]
        deadline = self.escrow.session.w3.eth.get_block("latest")["timestamp"] + self.verdict_ttl
        signature = self.sign_verdict(
            order_id, row.delivery_no, record.fingerprint, verdict, deadline
        )
        try:
            result = self.escrow.submit_verdict(order_id, record, int(verdict), deadline, signature)
            row.tx_hash = result.receipt["transactionHash"].to_0x_hex()
            row.detail = ""
        except ContractRevert as exc:
            landed = self._landed_verdict(order_id, row.delivery_no, verdict)
            if landed is None:
                row.detail = f"submitVerdict reverted: {exc}"[:500]
                self.store.save(row)
                raise VerdictRejected(
                    f"the issuer says the key is {row.answer}, but the escrow refused the "
                    f"verdict: {exc}",
                    answer=row.answer,
                    revert=exc.name,
                ) from None
            row.tx_hash = landed
            row.detail = f"landed first by another sender; ours reverted: {exc.name}"[:500]
        row = self.store.save(row)
        return self._decision(row, repeated=repeated)

    def _landed_verdict(self, order_id: int, delivery_no: int, verdict: Verdict) -> str | None:
        """The transaction that put this verdict of ours on this delivery, if one did. Anyone may
        submit a signed verdict, so a copy taken from our pending transaction can land first: ours
        then reverts, yet the verdict stands. A delivery gets at most one verdict, so any of ours
        after its KeyDelivered event is the one for it."""
        try:
            delivered = [
                e
                for e in self.escrow.events("KeyDelivered", orderId=order_id)
                if e.args["deliveryNo"] == delivery_no
            ]
            if not delivered:
                return None
            since = (delivered[-1].block_number, delivered[-1].log_index)
            attested = self.escrow.events(
                "VerifierAttested", since[0], orderId=order_id, verifier=self.account.address
            )
        except Exception:  # noqa: BLE001 - best effort: the refusal (and the decision) must stand
            return None
        for event in attested:
            if (event.block_number, event.log_index) > since and event.args["verdict"] == verdict:
                return "0x" + event.tx_hash.removeprefix("0x")
        return None

    def sign_verdict(
        self, order_id: int, delivery_no: int, fp: bytes, verdict: Verdict, deadline: int
    ) -> bytes:
        return sign_verdict(
            self.account.key,
            chain_id=self.chain_id,
            escrow=self.escrow.address,
            order_id=order_id,
            delivery_no=delivery_no,
            fingerprint=fp,
            verdict=int(verdict),
            deadline=deadline,
        )

    # ------------------------------------------------------------------ reading an answer

    def answer(self, order_id: int) -> dict[str, Any]:
        """The stored decision for the order's current delivery, with the verifier's signed
        `KeyCheckAnswer` (fairkey/verifier/answers.py): what a merchant's bot acts on when the
        issuer said "valid" (no verdict goes on chain for a good key)."""
        ref = order_ref(order_id)
        found = self.escrow.current_delivery(order_id)
        if found is None:
            raise NotDelivered(f"order {ref} has no delivered key")
        record, delivery_no = found
        row = self.store.get(ref, delivery_no)
        if row is None:
            raise NotChecked(
                f"the buyer has not sent the key of order {ref} (delivery {delivery_no}) for a "
                "check",
                order=ref,
                delivery_no=delivery_no,
            )
        decision = self._decision(row, repeated=True)
        checked_at = row.checked_at
        if checked_at.tzinfo is None:
            checked_at = checked_at.replace(tzinfo=UTC)
        signed = CheckAnswer(
            chain_id=self.chain_id,
            escrow=self.escrow.address,
            order_id=order_id,
            delivery_no=delivery_no,
            fingerprint=record.fingerprint,
            answer=row.answer,
            checked_at=int(checked_at.timestamp()),
        )
        decision["signed"] = signed.to_json(signed.sign(self.account.key))
        return decision

    def _supplier(self, root: bytes) -> str:
        try:
            events = self.escrow.events("StockCommitted", root=root)
        except Exception:  # noqa: BLE001 - a missing tag must not lose the decision
            events = []
        if not events:
            return "unknown"
        tag = bytes(events[0].args["supplier"]).rstrip(b"\0")
        return tag.decode("utf-8", "replace") or "untagged"

    def _decision(self, row: KeyCheck, repeated: bool) -> dict[str, Any]:
        outcome = OUTCOME[row.answer]
        checked_at = row.checked_at
        if checked_at.tzinfo is None:  # SQLite keeps no zone; it was stored as UTC
            checked_at = checked_at.replace(tzinfo=UTC)
        return {
            "order": row.order_ref,
            "delivery_no": row.delivery_no,
            "fingerprint": row.fingerprint,
            "supplier": row.supplier,
            "answer": row.answer,
            "outcome": outcome.value,
            "message": MESSAGES[outcome].format(answer=row.answer, detail=row.detail or "?"),
            "attempts": row.attempts,
            "tx_hash": row.tx_hash,
            "checked_at": checked_at.isoformat(),
            "repeated": repeated,
        }
