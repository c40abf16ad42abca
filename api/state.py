"""Everything a request may need, built once by `create_app` (app.state.api)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api.auth.service import AuthService
from api.court import CourtReader
from api.db import Database
from api.escrow import EscrowReader
from api.evidence.service import EvidenceService
from api.index import IndexReader
from api.ratelimit import RateLimiter
from api.settings import ApiSettings
from api.votes.store import VoteStore


@dataclass
class ApiState:
    settings: ApiSettings
    db: Database
    court: CourtReader
    escrow: EscrowReader | None  # None: no escrow configured (its routes answer 503)
    index: IndexReader
    auth: AuthService
    evidence: EvidenceService
    votes: VoteStore
    signin_limit: RateLimiter
    upload_limit: RateLimiter
    clock: Callable[[], float]
