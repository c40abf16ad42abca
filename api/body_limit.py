"""Request bodies are bounded before anything reads them: a declared Content-Length over the
limit is refused at once, a streamed body as soon as it passes the limit (413 problem). Uploads
get the evidence limit plus room for the multipart envelope; every other route a JSON limit."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_BASE, PROBLEM_JSON, ApiProblem

MULTIPART_OVERHEAD = 64 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default: int, uploads: int, upload_path: str) -> None:
        self.app = app
        self.default = default
        self.uploads = uploads + MULTIPART_OVERHEAD
        self._upload = re.compile(upload_path)

    def limit_of(self, scope: Scope) -> int:
        if scope.get("method") == "POST" and self._upload.fullmatch(scope.get("path", "")):
            return self.uploads
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, send, limit)
            return
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, bounded, send)


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(
        413, "too-large", "request too large", f"the request body is over {limit} bytes"
    )


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    problem = _too_large(limit)
    body = json.dumps(
        {
            "type": PROBLEM_BASE + problem.kind,
            "title": problem.title,
            "status": 413,
            "detail": problem.detail,
            "instance": scope.get("path", ""),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
