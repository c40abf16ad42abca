"""What the marketplace routes (listings, profiles, orders, dashboard, deployment) need beside
the app's state: the listing metadata store, the token book and the metadata upload limit.
Built once by `create_app` (`app.state.market`); routes take it as the `Market` dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from eth_utils import is_address, to_checksum_address
from fastapi import Depends, Request

from api.escrow import EscrowReader
from api.metadata.store import MetadataStore
from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from api.state import ApiState
from api.tokens import TokenBook


@dataclass
class MarketState:
    metadata: MetadataStore
    tokens: TokenBook
    metadata_limit: RateLimiter
    verifier_urls: dict[str, str]  # listing verifier (EIP-55) -> its service URL

    @classmethod
    def build(cls, state: ApiState) -> MarketState:
        s = state.settings
        urls = {
            to_checksum_address(address): url
            for address, url in s.verifier_urls.items()
            if is_address(address)
        }
        return cls(
            metadata=MetadataStore(state.db, state.clock),
            tokens=TokenBook(state.court.session),
            metadata_limit=RateLimiter("listing description", s.metadata_rate, s.metadata_burst),
            verifier_urls=urls,
        )


async def market_state(request: Request) -> MarketState:
    # async: no thread-pool hop for an attribute read (see api/deps.py `api_state`)
    return request.app.state.market


Market = Annotated[MarketState, Depends(market_state)]


def escrow_of(state: ApiState) -> EscrowReader:
    """The escrow the API reads, or a 503 problem when none is configured."""
    if state.escrow is None:
        raise ApiProblem(
            503,
            "no-escrow",
            "no escrow configured",
            "set FAIRKEY_API_ESCROW_ADDRESS (or deploy: the deployment names the escrow)",
        )
    return state.escrow
