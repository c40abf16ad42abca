"""RFC 9457 problem details for every 4xx and 5xx the API answers, validation errors included.

A route refuses by raising `ApiProblem(status, kind, title, detail, **extra)`; the handlers
installed by `install_problem_handlers` answer it, Starlette's HTTP errors (404 route, 405
method), FastAPI's request-validation errors and any unexpected exception alike as
`application/problem+json` with `type`, `title`, `status`, `detail` and `instance` (the request
path). `problem_responses(...)` declares them in the OpenAPI schema.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://fairkey.dev/problems/"
PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("fairkey.api")


class Problem(BaseModel):
    """An RFC 9457 problem; refusals may add members (`errors`, `error`, `retry_after`, …)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


class ApiProblem(StarletteHTTPException):
    """A refusal answered as a problem. An HTTPException, so that FastAPI lets it through even
    when raised while the request body is read (the body limit, api/body_limit.py)."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def _body(request: Request, status: int, kind: str, title: str, detail: str, **extra: Any) -> dict:
    body = {
        "type": PROBLEM_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra)
    return body


def problem_response(
    request: Request,
    status: int,
    kind: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        _body(request, status, kind, title, detail, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _kind_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "error"


def _jsonable_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors without their `input` and `ctx` (which may hold anything, even the
    uploaded bytes or an exception object)."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.kind, exc.title, exc.detail, exc.headers, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = (
            HTTPStatus(exc.status_code).phrase
            if exc.status_code in HTTPStatus._value2member_map_
            else "Error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem_response(
            request,
            exc.status_code,
            _kind_of(exc.status_code),
            title.lower(),
            detail,
            dict(exc.headers or {}),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(list(exc.errors()))
        where = ", ".join(".".join(e["loc"]) + ": " + e["msg"] for e in errors[:5])
        return problem_response(
            request,
            422,
            "invalid-request",
            "the request is not valid",
            where or "invalid request",
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            500,
            "internal-error",
            "internal error",
            "the server failed to answer; it was logged",
        )


_TITLES = {
    400: "bad request",
    401: "not signed in",
    403: "forbidden",
    404: "not found",
    409: "conflict",
    413: "request too large",
    415: "unsupported media type",
    422: "the request is not valid",
    429: "too many requests",
    500: "internal error",
    502: "bad gateway",
    503: "chain unavailable",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of these problem statuses. Every route may also answer 413 (the
    body limit), 422 (validation) and 500."""
    wanted = sorted({*statuses, 413, 422, 500})
    return {
        status: {
            "description": _TITLES.get(status, "problem"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in wanted
    }
