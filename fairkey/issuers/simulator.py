"""A reference card issuer: answers redeem-checks, and fails the ways real issuers fail.

    POST /redeem-check {"code": "..."} -> {"status": "ok" | "used" | "bad" | "region"}

A code it never issued is "bad". Failure modes (all off by default), applied in this order:
`delay` seconds before answering (slow issuer), `rate_limit_first` calls answered 429 with
`Retry-After: retry_after`, `fail_first` calls answered 500, `flapping` (503 on every other
call, starting with a failure), `fail_probability` (503 with that probability, seeded RNG).

Admin endpoints (tests and the demo): PUT /admin/keys {code: state}, PUT /admin/failures {..},
GET /admin/stats (calls, per code), POST /admin/reset (counters and failure modes).
"""

from __future__ import annotations

import asyncio
import enum
import json
import random
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class KeyState(enum.StrEnum):
    VALID = "valid"
    REDEEMED = "redeemed"
    INVALID = "invalid"
    REGION_LOCKED = "region_locked"


WIRE_STATUS = {
    KeyState.VALID: "ok",
    KeyState.REDEEMED: "used",
    KeyState.INVALID: "bad",
    KeyState.REGION_LOCKED: "region",
}


def parse_state(value: str) -> KeyState:
    return KeyState(value.strip().lower().replace("-", "_"))


class FailureModes(BaseModel):
    delay: float = Field(0.0, ge=0)
    fail_first: int = Field(0, ge=0)
    fail_probability: float = Field(0.0, ge=0, le=1)
    seed: int = 0
    rate_limit_first: int = Field(0, ge=0)
    retry_after: int = Field(1, ge=0)
    flapping: bool = False


class RedeemCheck(BaseModel):
    code: str


def load_keys(path: str | Path) -> dict[str, KeyState]:
    """A JSON object {code: state}, or a list of {"code": .., "state": ..}."""
    data = json.loads(Path(path).read_text())
    if isinstance(data, list):
        data = {item["code"]: item["state"] for item in data}
    return {str(code).strip(): parse_state(state) for code, state in data.items()}


class IssuerSimulator:
    def __init__(
        self, keys: dict[str, str | KeyState] | None = None, failures: FailureModes | None = None
    ) -> None:
        self._lock = threading.Lock()
        self.keys: dict[str, KeyState] = {}
        self.set_keys(keys or {})
        self.set_failures(failures or FailureModes())

    def set_keys(self, keys: dict[str, str | KeyState]) -> None:
        with self._lock:
            for code, state in keys.items():
                self.keys[code.strip()] = parse_state(state)

    def set_failures(self, failures: FailureModes) -> None:
        with self._lock:
            self.failures = failures
            self._rng = random.Random(failures.seed)
            self._mode_calls = 0  # calls since the failure modes were set
            self.calls = 0
            self.per_code: Counter[str] = Counter()

    def _next(self, code: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(HTTP status, body, headers) of one call; counts it."""
        with self._lock:
            self.calls += 1
            self.per_code[code] += 1
            n = self._mode_calls
            self._mode_calls += 1
            f = self.failures
            if n < f.rate_limit_first:
                return 429, {"error": "rate limited"}, {"Retry-After": str(f.retry_after)}
            n -= f.rate_limit_first
            if n < f.fail_first:
                return 500, {"error": "internal error"}, {}
            if f.flapping and n % 2 == 0:
                return 503, {"error": "service unavailable"}, {}
            if f.fail_probability and self._rng.random() < f.fail_probability:
                return 503, {"error": "service unavailable"}, {}
            state = self.keys.get(code, KeyState.INVALID)
            return 200, {"status": WIRE_STATUS[state]}, {}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": self.calls, "per_code": dict(self.per_code)}


def create_simulator_app(simulator: IssuerSimulator | None = None) -> FastAPI:
    sim = simulator or IssuerSimulator()
    app = FastAPI(title="fairkey reference issuer simulator")
    app.state.simulator = sim

    @app.post("/redeem-check")
    async def redeem_check(body: RedeemCheck) -> JSONResponse:
        # Decided (and counted) on arrival, answered after the delay: a call the client gave up
        # on still counts once, and cannot change the simulator's state later.
        delay = sim.failures.delay
        status, payload, headers = sim._next(body.code.strip())
        if delay:
            await asyncio.sleep(delay)
        return JSONResponse(payload, status_code=status, headers=headers)

    @app.put("/admin/keys")
    def set_keys(keys: dict[str, str]) -> dict[str, Any]:
        try:
            sim.set_keys(keys)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return {"keys": len(sim.keys)}

    @app.put("/admin/failures")
    def set_failures(failures: FailureModes) -> FailureModes:
        sim.set_failures(failures)
        return sim.failures

    @app.get("/admin/stats")
    def stats() -> dict[str, Any]:
        return sim.stats()

    @app.post("/admin/reset")
    def reset() -> dict[str, Any]:
        sim.set_failures(FailureModes())
        return sim.stats()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "up"}

    return app
