"""`GET /deployment`: what the dApp needs to talk to the chain and to this API — the chain id, the
escrow and the court, the payment tokens with their symbols and decimals, the listing verifiers'
URLs and the API's public URL. From the settings and the deployment file (api/settings.py)."""

from __future__ import annotations

from contextlib import suppress

from eth_utils import to_checksum_address
from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import State
from api.market import Market
from api.problems import ApiProblem, problem_responses
from api.tokens import ETHER, TokenOut
from indexer import queries

router = APIRouter(tags=["deployment"])


class DeploymentOut(BaseModel):
    chain_id: int
    escrow: str | None = Field(description="None: no escrow configured")
    escrow_block: int | None = Field(description="Its deployment block: read events from here")
    court: str
    court_block: int
    demo_token: str | None = Field(description="The deployment's demo ERC-20, if any")
    tokens: list[TokenOut] = Field(description="ETH, the demo token, and every listing's token")
    verifiers: dict[str, str] = Field(description="Listing verifier -> the URL it takes keys at")
    public_url: str = Field(description="This API's origin (sign-in messages name it)")


@router.get(
    "/deployment",
    response_model=DeploymentOut,
    responses=problem_responses(503),
    summary="Chain, contracts and tokens: what the dApp talks to",
)
def deployment(state: State, market: Market) -> DeploymentOut:
    settings = state.settings
    demo = settings.token()
    addresses = [ETHER.address] + ([demo] if demo else [])
    with suppress(ApiProblem):  # no index yet: the configured tokens are all there is
        addresses += state.index.read(queries.listing_tokens)
    seen: dict[str, TokenOut] = {}
    for a in addresses:
        checksum = to_checksum_address(a)
        if checksum not in seen:
            seen[checksum] = market.tokens.get(checksum)
    return DeploymentOut(
        chain_id=state.court.chain_id,
        escrow=state.escrow.address if state.escrow else None,
        escrow_block=settings.deployment_block(),
        court=state.court.address,
        court_block=state.court.from_block,
        demo_token=to_checksum_address(demo) if demo else None,
        tokens=list(seen.values()),
        verifiers=market.verifier_urls,
        public_url=settings.public_url,
    )
