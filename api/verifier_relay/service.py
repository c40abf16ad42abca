"""Relaying a buyer's key check to the listing's verifier.

The verifier is found from the chain (the order's listing names it) and reached at the URL the
API's settings give for that address (`FAIRKEY_API_VERIFIER_URLS`), never at one the caller
names: the API must not become a way to make requests anywhere. Only the order's buyer may ask
(the actions rule's role, `fairkey.flows.actions.role_of`). Whether the order is in a state to be
checked is the verifier's to say (it also answers a repeated check after the order moved on):
its refusals come back with its own status, type and sentence. The key itself is sealed to the
verifier in the browser (web/src/lib/verifierEnvelope.ts): the API passes bytes it cannot open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from eth_utils import to_checksum_address
from pydantic import ValidationError

from api.escrow import EscrowReader
from api.problems import PROBLEM_BASE, ApiProblem
from api.ratelimit import RateLimiter
from api.verifier_relay.schemas import KeyCheckOut, VerifierOut
from fairkey.chain.types import order_ref
from fairkey.flows.actions import Role, role_of
from fairkey.verifier.client import address_of
from fairkey.verifier.service import RetryPolicy

KEY_CHECK_BURST = 10
# The verifier may retry the issuer for its whole budget, then send a verdict transaction.
VERIFIER_TIMEOUT = RetryPolicy().budget_seconds + 60.0
_OWN_FIELDS = {"type", "title", "status", "detail", "instance", "headers"}


@dataclass(frozen=True)
class Target:
    """The order's listing's verifier and where this API reaches it."""

    order_id: int
    verifier: str  # EIP-55
    url: str


class VerifierRelay:
    def __init__(
        self, urls: dict[str, str], limiter: RateLimiter, timeout: float = VERIFIER_TIMEOUT
    ) -> None:
        self.urls = {to_checksum_address(a): u.rstrip("/") for a, u in urls.items()}
        self.limiter = limiter
        self.timeout = timeout

    def target(self, escrow: EscrowReader, order_id: int, caller: str) -> Target:
        """The verifier to relay to for `caller`, or the problem: 429 too many checks, 404 no
        order, 403 not its buyer, 409 its listing names no verifier, 503 this API has no URL
        for it."""
        self.limiter.check(caller.lower())
        ref = order_ref(order_id)
        order = escrow.order(order_id)  # 404 when the escrow has no such order
        listing = escrow.listing(order.listing_id)
        if role_of(order, listing, caller) is not Role.BUYER:
            raise ApiProblem(
                403,
                "not-the-buyer",
                "buyers only",
                f"only the buyer of order {ref} may send its key",
            )
        if int(listing.verifier, 16) == 0:
            raise ApiProblem(
                409,
                "no-verifier",
                "the listing names no verifier",
                f"listing {order.listing_id} names no key verifier: dispute the order instead, "
                "and the merchant answers it",
            )
        verifier = to_checksum_address(listing.verifier)
        url = self.urls.get(verifier)
        if url is None:
            raise ApiProblem(
                503,
                "verifier-not-configured",
                "verifier not configured",
                f"this API does not know where verifier {verifier} takes keys (its operator sets "
                "FAIRKEY_API_VERIFIER_URLS); ask the verifier directly with `fairkey verify`",
                verifier=verifier,
            )
        return Target(order_id, verifier, url)

    def info(self, target: Target, chain_id: int, escrow: str) -> VerifierOut:
        """The verifier's GET /info, refused (502) unless it is the listing's verifier, on this
        chain and escrow, with a public key that is its address's."""
        body = self._call(target, "GET", "/info", refusals=False)
        try:
            info = VerifierOut.model_validate(body)
            same_key = address_of(bytes.fromhex(info.public_key.removeprefix("0x")))
        except (ValidationError, ValueError, TypeError) as exc:
            what = f"its /info is malformed ({exc.__class__.__name__})"
            raise self._bad_answer(target, what) from None
        wrong = (
            "its public key is not its address's"
            if same_key != to_checksum_address(info.address)
            else f"it is {info.address}"
            if same_key != target.verifier
            else f"it is on chain {info.chain_id}"
            if info.chain_id != chain_id
            else f"it serves escrow {info.escrow}"
            if to_checksum_address(info.escrow) != to_checksum_address(escrow)
            else None
        )
        if wrong is not None:
            raise ApiProblem(
                502,
                "verifier-mismatch",
                "not the listing's verifier",
                f"the service at {target.url} is not verifier {target.verifier} of chain "
                f"{chain_id}, escrow {escrow}: {wrong}. The key is not sent",
                verifier=target.verifier,
            )
        return info.model_copy(update={"address": same_key})

    def forward(self, target: Target, envelope: dict[str, Any]) -> KeyCheckOut:
        """POSTs the sealed key to the verifier; its decision, or its refusal as a problem."""
        path = f"/orders/{order_ref(target.order_id)}/key-check"
        body = self._call(target, "POST", path, {"envelope": envelope})
        try:
            return KeyCheckOut.model_validate({**body, "verifier": target.verifier})
        except ValidationError:
            raise self._bad_answer(target, "its decision is malformed") from None

    # ------------------------------------------------------------------ HTTP

    def _call(
        self, target: Target, method: str, path: str, payload: Any = None, *, refusals: bool = True
    ) -> dict[str, Any]:
        """The verifier's JSON answer; its 4xx problem passed through when `refusals` (else any
        answer but a 2xx is a failed verifier, 502)."""
        try:
            response = httpx.request(method, target.url + path, json=payload, timeout=self.timeout)
        except httpx.TimeoutException:
            raise ApiProblem(
                504,
                "verifier-timeout",
                "the verifier did not answer in time",
                f"verifier {target.verifier} did not answer within {self.timeout:g} s; it may "
                "still decide: try again later (a repeated check is answered from its record)",
                verifier=target.verifier,
            ) from None
        except httpx.HTTPError as exc:
            raise ApiProblem(
                502,
                "verifier-unreachable",
                "the verifier is unreachable",
                f"verifier {target.verifier} cannot be reached at {target.url} "
                f"({exc.__class__.__name__}); try again later",
                verifier=target.verifier,
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        status = response.status_code
        failed = not (200 <= status < 300 or (refusals and 400 <= status < 500))
        if failed or not isinstance(body, dict):
            raise self._bad_answer(target, f"it answered HTTP {status}")
        if status >= 400:
            raise self._refusal(target, status, body)
        return body

    @staticmethod
    def _refusal(target: Target, status: int, problem: dict[str, Any]) -> ApiProblem:
        """The verifier's own problem, passed through with its status, type and sentence."""
        kind = str(problem.get("type", ""))
        kind = kind.removeprefix(PROBLEM_BASE) if kind.startswith(PROBLEM_BASE) else ""
        extra = {k: v for k, v in problem.items() if k not in _OWN_FIELDS}
        return ApiProblem(
            status,
            kind or "verifier-refused",
            str(problem.get("title") or "the verifier refused"),
            str(problem.get("detail") or f"verifier {target.verifier} answered HTTP {status}"),
            **{**extra, "verifier": target.verifier},
        )

    @staticmethod
    def _bad_answer(target: Target, what: str) -> ApiProblem:
        return ApiProblem(
            502,
            "verifier-failed",
            "the verifier failed",
            f"verifier {target.verifier} at {target.url} gave no usable answer: {what}; try "
            "again later",
            verifier=target.verifier,
        )
