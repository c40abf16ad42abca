"""`GET /orders/{id}/verifier` and `POST /orders/{id}/key-check`: the buyer's key check relayed to
the listing's verifier (service.py), so the dApp reaches it without CORS on the verifier."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.deps import SignedIn, State
from api.market import Market, escrow_of
from api.params import OrderRef, order_id_of
from api.problems import problem_responses
from api.ratelimit import RateLimiter
from api.verifier_relay.schemas import KeyCheckIn, KeyCheckOut, VerifierOut
from api.verifier_relay.service import KEY_CHECK_BURST, VerifierRelay

router = APIRouter(prefix="/orders", tags=["orders"])

_built = threading.Lock()


def relay(request: Request, state: State, market: Market) -> VerifierRelay:
    """The app's relay, built on first use (its rate limiter lives as long as the app)."""
    app = request.app.state
    with _built:
        if getattr(app, "verifier_relay", None) is None:
            limit = RateLimiter("key check", state.settings.key_check_rate, KEY_CHECK_BURST)
            app.verifier_relay = VerifierRelay(market.verifier_urls, limit)
    return app.verifier_relay


Relay = Annotated[VerifierRelay, Depends(relay)]


@router.get(
    "/{order_id}/verifier",
    response_model=VerifierOut,
    responses=problem_responses(401, 403, 404, 409, 429, 502, 503, 504),
    summary="The listing's verifier to seal your key to (the order's buyer only)",
    description="Its own GET /info, relayed from the URL this API is configured with for the "
    "verifier the order's listing names on chain, and checked: its public key is its address's, "
    "the address is the listing's, chain and escrow are this API's. Check it again in your "
    "browser against the chain before sealing: the sealed key opens only with that key.",
)
def order_verifier(
    order_id: OrderRef, session: SignedIn, state: State, relay: Relay
) -> VerifierOut:
    escrow = escrow_of(state)
    target = relay.target(escrow, order_id_of(order_id), session.address)
    return relay.info(target, escrow.chain_id, escrow.address)


@router.post(
    "/{order_id}/key-check",
    response_model=KeyCheckOut,
    responses=problem_responses(400, 401, 403, 404, 409, 422, 429, 502, 503, 504),
    summary="Send your key, sealed to the listing's verifier, for it to ask the issuer",
    description="The order's buyer only. The envelope (web/src/lib/verifierEnvelope.ts, "
    "fairkey/verifier/envelope.py) is forwarded as it is to the verifier the order's listing "
    "names; this API cannot open it. The answer is the verifier's decision (an invalid or "
    "redeemed key: its verdict goes on chain and you are refunded after the appeal window), or "
    "its refusal with its own status and reason (e.g. 409 not-disputed: dispute first). 502 / "
    "504 when the verifier cannot be reached or does not answer in time.",
)
def key_check(
    order_id: OrderRef, body: KeyCheckIn, session: SignedIn, state: State, relay: Relay
) -> KeyCheckOut:
    target = relay.target(escrow_of(state), order_id_of(order_id), session.address)
    return relay.forward(target, body.envelope.model_dump())
