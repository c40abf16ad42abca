"""A generic HTTP/JSON issuer adapter, configured by a field mapping instead of code.

A mapping (JSON file or dict)::

    {
      "url": "https://issuer.example/api/check/{key}",   # optional: else --issuer-url
      "method": "POST",
      "body": {"code": "{key}"},                        # any JSON; "{key}" in strings is replaced
      "headers": {"X-Api-Key": "..."},
      "answers": {"status": {"ok": "valid", "used": "redeemed", "bad": "invalid",
                             "region": "region_locked"}}
    }

`answers` names the response field that holds the status (dots reach into nested objects,
e.g. "result.state") and maps each of its values to an answer. The default mapping is the
reference simulator's (fairkey.issuers.simulator).

5xx, connection failures, timeouts and 429 raise IssuerUnavailable (429's Retry-After is passed
on, in seconds); a 2xx whose status the mapping does not know is `bad_response` (never guessed).
Other 4xx are a misconfigured adapter: they raise IssuerConfigError.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from fairkey.issuers.adapter import IssuerAnswer, IssuerUnavailable, UnavailableKind

SIMULATOR_ANSWERS: dict[str, dict[str, str]] = {
    "status": {"ok": "valid", "used": "redeemed", "bad": "invalid", "region": "region_locked"}
}
KEY_PLACEHOLDER = "{key}"


class IssuerConfigError(ValueError):
    """The mapping is wrong, or the issuer rejected the request as malformed (4xx)."""


def _substitute(template: Any, key: str) -> Any:
    if isinstance(template, str):
        return template.replace(KEY_PLACEHOLDER, key)
    if isinstance(template, list):
        return [_substitute(v, key) for v in template]
    if isinstance(template, dict):
        return {k: _substitute(v, key) for k, v in template.items()}
    return template


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class HttpJsonAdapter:
    url: str
    method: str = "POST"
    body: Any = field(default_factory=lambda: {"code": KEY_PLACEHOLDER})
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: SIMULATOR_ANSWERS)
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 5.0
    client: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if len(self.answers) != 1:
            raise IssuerConfigError("answers: exactly one response field -> {value: answer}")
        ((self.status_field, values),) = self.answers.items()
        try:
            self.values = {str(k): IssuerAnswer(v) for k, v in values.items()}
        except ValueError as exc:
            allowed = ", ".join(a.value for a in IssuerAnswer)
            raise IssuerConfigError(f"answers: {exc} (allowed: {allowed})") from None
        if self.client is None:
            self.client = httpx.Client(timeout=self.timeout)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Any], url: str | None = None, **kwargs: Any
    ) -> HttpJsonAdapter:
        known = {"url", "method", "body", "answers", "headers", "timeout"}
        unknown = set(mapping) - known
        if unknown:
            raise IssuerConfigError(f"unknown mapping fields: {', '.join(sorted(unknown))}")
        values = {k: v for k, v in mapping.items() if k != "url"}
        target = mapping.get("url") or url
        if not target:
            raise IssuerConfigError("no issuer URL: give one in the mapping or as --issuer-url")
        return cls(url=target, **values, **kwargs)

    @classmethod
    def load(cls, path: str | Path, url: str | None = None, **kwargs: Any) -> HttpJsonAdapter:
        try:
            mapping = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise IssuerConfigError(f"{path}: not JSON: {exc}") from None
        return cls.from_mapping(mapping, url, **kwargs)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    # ------------------------------------------------------------------ IssuerAdapter

    def check(self, key: bytes) -> IssuerAnswer:
        text = key.decode("utf-8")
        url = self.url.replace(KEY_PLACEHOLDER, quote(text, safe=""))
        request: dict[str, Any] = {"headers": dict(self.headers)}
        if self.method not in ("GET", "HEAD", "DELETE") and self.body is not None:
            body = _substitute(self.body, text)
            if isinstance(body, str):
                request["content"] = body.encode()
            else:
                request["json"] = body
        assert self.client is not None
        try:
            response = self.client.request(self.method, url, timeout=self.timeout, **request)
        except httpx.TimeoutException as exc:
            raise IssuerUnavailable(UnavailableKind.TIMEOUT, detail=type(exc).__name__) from None
        except httpx.TransportError as exc:
            raise IssuerUnavailable(
                UnavailableKind.SERVER_ERROR, detail=f"{type(exc).__name__}: {exc}"
            ) from None
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> IssuerAnswer:
        status = response.status_code
        if status == 429:
            raise IssuerUnavailable(
                UnavailableKind.RATE_LIMITED,
                parse_retry_after(response.headers.get("retry-after")),
                "HTTP 429",
            )
        if status >= 500:
            retry = parse_retry_after(response.headers.get("retry-after"))
            raise IssuerUnavailable(UnavailableKind.SERVER_ERROR, retry, f"HTTP {status}")
        if status >= 400:
            raise IssuerConfigError(f"issuer refused the request: HTTP {status} {response.text!r}")
        try:
            data = response.json()
        except ValueError:
            raise IssuerUnavailable(
                UnavailableKind.BAD_RESPONSE, detail=f"HTTP {status}: body is not JSON"
            ) from None
        value = _dig(data, self.status_field)
        answer = self.values.get(str(value)) if value is not None else None
        if answer is None:
            raise IssuerUnavailable(
                UnavailableKind.BAD_RESPONSE,
                detail=f"{self.status_field}={value!r} is not in the mapping",
            )
        return answer
