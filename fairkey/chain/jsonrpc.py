"""JSON-RPC over one pooled HTTP connection, with batches, and the node's refusals classified
(`chain/rpc_errors.py`): narrow the block range, wait and retry, take the nonce again, or give up.

The one JSON-RPC client of the project for what web3.py does slowly: web3 formats every field of
every answer through its middlewares, which the indexer (hundreds of thousands of logs), the
merchant bot (a burst's order reads and receipts), the sender (`chain/sender.py`) and the
benchmarks' load generators do not need; they speak JSON-RPC themselves, in batches.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx

from fairkey.chain.rpc_errors import (
    BatchTooLarge,
    NodeUnavailable,
    RangeTooLarge,
    RateLimited,
    RpcError,
    backoff_delay,
    classify,
)

T = TypeVar("T")

Call = tuple[str, Sequence[Any]]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _jsonable(value: Any) -> Any:
    """Bytes as 0x hex, in a parameter or one level down in an object (eth_call's call)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {
            k: "0x" + v.hex() if isinstance(v, bytes | bytearray) else v for k, v in value.items()
        }
    return value


def _request(request_id: int, method: str, params: Sequence[Any]) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": method,
        "params": [_jsonable(p) for p in params],
    }


class JsonRpc:
    """A JSON-RPC client on one keep-alive HTTP connection pool (safe to share between threads:
    request ids only need to be unique within one HTTP request)."""

    def __init__(self, url: str, timeout: float = 30.0, max_batch: int = 100) -> None:
        self.url = url
        self.max_batch = max_batch
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            headers={"content-type": "application/json"},
        )
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._http.close()

    def _post(self, method: str, payload: Any) -> Any:
        try:
            response = self._http.post(self.url, json=payload)
        except httpx.TimeoutException as exc:
            if method == "eth_getLogs":
                raise RangeTooLarge(f"timed out after {self._http.timeout.read}s") from exc
            raise NodeUnavailable(f"no answer from {self.url} in time") from exc
        except httpx.TransportError as exc:
            raise NodeUnavailable(f"cannot reach the node at {self.url}: {exc}") from exc
        if response.status_code == 429:
            raise RateLimited(f"HTTP 429 from {self.url}", 429, retry_after=_retry_after(response))
        if response.status_code == 413:
            raise classify(method, 413, f"HTTP 413 (payload too large) from {self.url}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if body is None or (response.status_code >= 400 and not _has_rpc_error(body)):
            text = response.text[:200].strip()
            raise classify(method, response.status_code, f"HTTP {response.status_code}: {text}")
        return body

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One request; its result, or the classified error."""
        body = self._post(method, _request(next(self._ids), method, params))
        if isinstance(body, list):  # some proxies wrap single answers
            body = body[0] if body else {}
        return _result(method, body)

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Many requests in as few round trips as `max_batch` allows (halved when the node
        refuses a batch as too big). Each entry is the result or the classified RpcError of
        that call: the caller decides what a failure means."""
        results: list[Any] = []
        start = 0
        while start < len(calls):
            part = calls[start : start + self.max_batch]
            try:
                results.extend(self._batch_once(part))
            except BatchTooLarge:
                if len(part) == 1:
                    raise
                self.max_batch = max(1, len(part) // 2)
                continue
            start += len(part)
        return results

    def batch_all(self, calls: Sequence[Call]) -> list[Any]:
        """`batch`, for calls that must all succeed: the first refused call's error is raised."""
        answers = self.batch(calls)
        for answer in answers:
            if isinstance(answer, RpcError):
                raise answer
        return answers

    def _batch_once(self, part: Sequence[Call]) -> list[Any]:
        ids = [next(self._ids) for _ in part]
        payload = [_request(i, m, p) for i, (m, p) in zip(ids, part, strict=True)]
        body = self._post(part[0][0] if len(part) == 1 else "batch", payload)
        if isinstance(body, dict):  # the whole batch refused with one error object
            raise _error_of("batch", body) or classify(
                "batch", None, f"not a batch answer: {body}"[:200]
            )
        by_id = {item.get("id"): item for item in body if isinstance(item, dict)}
        answers: list[Any] = []
        for request_id, (method, _) in zip(ids, part, strict=True):
            item = by_id.get(request_id)
            if item is None:
                answers.append(RpcError(f"no answer to request {request_id} in the batch"))
                continue
            try:
                answers.append(_result(method, item))
            except RpcError as exc:
                answers.append(exc)
        return answers


def _has_rpc_error(body: Any) -> bool:
    if isinstance(body, list):
        return any(isinstance(i, dict) and "error" in i for i in body)
    return isinstance(body, dict) and "error" in body


def _error_of(method: str, body: dict[str, Any]) -> RpcError | None:
    error = body.get("error")
    if error is None:
        return None
    if isinstance(error, dict):
        message = str(error.get("message", ""))
        return classify(method, error.get("code"), message, error.get("data"))
    return classify(method, None, str(error))


def _result(method: str, body: dict[str, Any]) -> Any:
    error = _error_of(method, body)
    if error is not None:
        raise error
    if "result" not in body:
        raise RpcError(f"malformed JSON-RPC answer: {str(body)[:200]}")
    return body["result"]


def with_retries(
    fn: Callable[[], T],
    attempts: int,
    *,
    on_retry: Callable[[int, RpcError, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`fn()`, retried with backoff on rate limits and transient errors (not RangeTooLarge: the
    caller narrows the range instead). The last failure is raised after `attempts` tries."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except RangeTooLarge:
            raise
        except RpcError as exc:
            if attempt >= attempts:
                raise
            delay = backoff_delay(attempt)
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                delay = max(delay, min(exc.retry_after, 30.0))
            if on_retry:
                on_retry(attempt, exc, delay)
            sleep(delay)
