"""Everything a request may need, built once by `create_app` (app.state.api)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api.auth.service import AuthService
from api.court import CourtReader
from api.db import Database
from api.evidence.service import EvidenceService
from api.ratelimit import RateLimiter
from api.settings import ApiSettings
from api.votes.store import VoteStore


@dataclass
class ApiState:
    settings: ApiSettings
    db: Database
    court: CourtReader
    auth: AuthService
    evidence: EvidenceService
    votes: VoteStore
    signin_limit: RateLimiter
    upload_limit: RateLimiter
    clock: Callable[[], float]
