"""The verifier's HTTP routes: requests parsed into the domain's calls (service.py), its refusals
(errors.py) answered as RFC 9457 problems (`application/problem+json`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from fairkey.chain.types import parse_order_ref
from fairkey.verifier import errors as refused
from fairkey.verifier.envelope import Envelope, EnvelopeError
from fairkey.verifier.errors import CheckRefused
from fairkey.verifier.service import VerifierService

PROBLEM = "https://fairkey.dev/problems/"

# Each refusal of the domain as a problem: (HTTP status, problem type, title).
PROBLEMS: dict[type[CheckRefused], tuple[int, str, str]] = {
    refused.NoSuchOrder: (404, "no-such-order", "no such order"),
    refused.NotDelivered: (409, "not-delivered", "nothing delivered"),
    refused.NotThisVerifier: (409, "not-this-verifier", "another verifier"),
    refused.EnvelopeUnopened: (422, "bad-envelope", "the envelope does not open"),
    refused.WrongKey: (422, "wrong-key", "not the delivered key"),
    refused.NotDisputed: (409, "not-disputed", "dispute first"),
    refused.VerdictTooLate: (409, "not-disputed", "verdict not submitted"),
    refused.VerdictRejected: (409, "verdict-rejected", "the escrow refused the verdict"),
    refused.NotChecked: (404, "not-checked", "no check yet"),
}
# Reading an answer: an order with nothing delivered has no answer to read (not a conflict).
READ_STATUS: dict[type[CheckRefused], int] = {refused.NotDelivered: 404}


class Problem(Exception):
    """An RFC 9457 problem answer."""

    def __init__(self, status: int, kind: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.body = {"type": PROBLEM + kind, "title": title, "status": status, "detail": detail}
        self.body.update(extra)

    @classmethod
    def of(cls, refused: CheckRefused, statuses: dict[type[CheckRefused], int] | None = None):
        status, kind, title = PROBLEMS[type(refused)]
        status = (statuses or {}).get(type(refused), status)
        return cls(status, kind, title, refused.detail, **refused.fields)


class KeyCheckRequest(BaseModel):
    envelope: dict[str, Any]


def _order_id(order: str) -> int:
    try:
        return parse_order_ref(order)
    except ValueError as exc:
        raise Problem(404, "no-such-order", "not an order id", str(exc)) from None


def create_verifier_app(service: VerifierService) -> FastAPI:
    app = FastAPI(title="fairkey key verifier")
    app.state.service = service

    @app.exception_handler(Problem)
    async def problem(_: Request, exc: Problem) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status, media_type="application/problem+json")

    @app.get("/info")
    def info() -> dict[str, Any]:
        return service.info()

    @app.post("/orders/{order}/key-check")
    def key_check(order: str, body: KeyCheckRequest) -> dict[str, Any]:
        order_id = _order_id(order)
        try:
            sealed = Envelope.from_json(body.envelope)
        except EnvelopeError as exc:
            raise Problem(422, "bad-envelope", "malformed envelope", str(exc)) from None
        try:
            return service.check(order_id, sealed)
        except CheckRefused as exc:
            raise Problem.of(exc) from None

    @app.get("/orders/{order}/key-check")
    def key_check_answer(order: str) -> dict[str, Any]:
        """The last check of the order's current delivery, signed (for the merchant's bot)."""
        order_id = _order_id(order)
        try:
            return service.answer(order_id)
        except CheckRefused as exc:
            raise Problem.of(exc, READ_STATUS) from None

    @app.get("/suppliers")
    def suppliers() -> dict[str, Any]:
        return {"suppliers": service.store.suppliers()}

    return app
