"""The fairkey API as one FastAPI app, built by `create_app(settings)`: routers per area (sign-in,
cases, evidence, votes, orders, notifications, and the marketplace's: api/marketplace.py),
problem answers for every error, bounded request bodies."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from api.answer_cache import AnswerCache
from api.auth.router import router as auth_router
from api.auth.service import AuthService
from api.auth.siwe_check import SignInRules
from api.body_limit import BodyLimit
from api.cases.router import router as cases_router
from api.court import CourtReader
from api.db import Database
from api.escrow import EscrowReader
from api.evidence.router import UPLOAD_PATH
from api.evidence.router import router as evidence_router
from api.evidence.service import EvidenceService
from api.evidence.storage import BlobStore
from api.index import IndexReader
from api.listings.cache import ListingPages
from api.market import MarketState
from api.marketplace import MARKET_ROUTERS
from api.notifications.router import router as notifications_router
from api.orders.router import ANSWERS as ORDER_ANSWERS
from api.orders.router import router as orders_router
from api.problems import Problem, install_problem_handlers, problem_response, problem_responses
from api.ratelimit import RateLimiter
from api.settings import ApiSettings
from api.state import ApiState
from api.verifier_relay.router import router as verifier_relay_router
from api.votes.router import router as votes_router
from api.votes.store import VoteStore
from api.web import mount_dapp
from fairkey.chain.rpc_errors import RpcError
from fairkey.chain.session import ChainSession

TITLE = "fairkey API"
VERSION = "0.1.0"


class Health(BaseModel):
    status: str
    chain_id: int
    court: str


def build_state(settings: ApiSettings, clock: Callable[[], float] = time.time) -> ApiState:
    session = ChainSession.connect(settings.rpc_url)
    address, first_block = settings.court()
    court = CourtReader(session, address, first_block)
    chain_id = settings.chain_id or session.chain_id
    db = Database.open(settings.store_url)
    escrow = settings.escrow()
    rules = SignInRules(settings.domain, settings.public_url, chain_id, settings.clock_skew)
    return ApiState(
        settings=settings,
        db=db,
        court=court,
        escrow=EscrowReader(session, escrow, settings.deployment_block() or 0) if escrow else None,
        index=IndexReader.open(
            settings.index_url,
            escrow,
            poll_s=settings.notify_poll_s,
            pg_poll_s=settings.notify_pg_poll_s,
        ),
        auth=AuthService(
            db, rules, nonce_ttl=settings.nonce_ttl, session_ttl=settings.session_ttl, clock=clock
        ),
        evidence=EvidenceService(db, BlobStore(settings.data_folder / "evidence"), clock),
        votes=VoteStore(db, clock),
        signin_limit=RateLimiter("sign-in", settings.signin_rate, settings.signin_burst),
        upload_limit=RateLimiter("upload", settings.upload_rate, settings.upload_burst),
        clock=clock,
    )


def create_app(
    settings: ApiSettings | None = None, *, clock: Callable[[], float] = time.time
) -> FastAPI:
    settings = settings or ApiSettings()
    state = build_state(settings, clock)
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description="The marketplace and appeal API: listings with their pre-sale figures and "
        "descriptions, merchant and supplier profiles, orders with their timelines and the "
        "actions their parties may take (as transactions to sign), the platform dashboard; sign "
        "in with Ethereum, a case's evidence and timeline for its parties and drawn jurors, "
        "appeals to sign, gasless votes to relay. Errors are RFC 9457 problems "
        "(application/problem+json).",
    )
    app.state.api = state
    install_problem_handlers(app)

    @app.exception_handler(requests.exceptions.RequestException)
    @app.exception_handler(RpcError)
    async def _chain_down(request: Request, exc: Exception):
        return problem_response(
            request,
            503,
            "chain-unavailable",
            "chain unavailable",
            f"the chain node did not answer: {type(exc).__name__}",
        )

    @app.get("/health", response_model=Health, responses=problem_responses(503), tags=["health"])
    def health() -> Health:
        return Health(status="ok", chain_id=state.court.chain_id, court=state.court.address)

    for router in (auth_router, cases_router, evidence_router, votes_router, orders_router):
        app.include_router(router)
    app.include_router(notifications_router)
    app.include_router(verifier_relay_router)
    app.state.market = MarketState.build(state)
    # GET /listings and GET /orders/{id} answers per index head (api/answer_cache.py)
    app.state.listing_pages = ListingPages(app.state.market.metadata.count, settings.notify_poll_s)
    app.state.order_answers = AnswerCache(ORDER_ANSWERS)
    for router in MARKET_ROUTERS:
        app.include_router(router)

    mount_dapp(app, settings.web_dist)
    app.add_middleware(
        BodyLimit,
        default=settings.max_json_bytes,
        uploads=settings.max_evidence_bytes,
        upload_path=UPLOAD_PATH,
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the Problem model every problem response refers to."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        app.openapi_schema = schema
    return app.openapi_schema
