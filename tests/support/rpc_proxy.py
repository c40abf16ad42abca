"""A real HTTP JSON-RPC proxy in front of Anvil that behaves like a hosted node provider:
it refuses eth_getLogs ranges that are too wide or return too many logs (with the messages
Infura, Alchemy, QuickNode and others send), throttles now and then with HTTP 429 or a -32005
rate-limit error, and can refuse one block forever. It records what it served and refused."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass
class ProviderRules:
    max_blocks: int | None = None  # widest eth_getLogs range accepted
    max_logs: int | None = None  # most logs one eth_getLogs may return
    throttle_rate: float = 0.0  # share of requests answered with a rate limit
    refuse_block: int | None = None  # any eth_getLogs including this block is refused
    payload_limit_blocks: int | None = None  # wider ranges get HTTP 413
    slow_blocks: int | None = None  # wider ranges are answered after `slow_delay` seconds
    slow_delay: float = 0.0
    max_batch: int | None = None  # larger JSON-RPC batches are refused


@dataclass
class ProxyLog:
    served: list[tuple[int, int, int]] = field(default_factory=list)  # (from, to, logs)
    # The addresses each served eth_getLogs asked for (lowercase), in the order of `served`.
    served_addresses: list[tuple[str, ...]] = field(default_factory=list)
    refused: list[tuple[int, int, str]] = field(default_factory=list)  # (from, to, message)
    throttled: int = 0
    requests: int = 0
    batch_sizes: list[int] = field(default_factory=list)  # of the batches served


_WIDE_RANGE = [
    (-32602, "query exceeds max block range {max}"),  # Cloudflare / Erigon style
    (-32614, "eth_getLogs is limited to a {max} range"),  # QuickNode
    (-32600, "block range is too wide, max {max}"),  # Ankr / public RPCs
    (-32005, "Block range limit exceeded"),  # Infura-like
]
_RATE = [
    (-32005, "daily request count exceeded, request rate limited"),  # Infura
    (429, "Your app has exceeded its compute units per second capacity"),  # Alchemy
]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        status, headers, answer = self.server.proxy.handle(json.loads(body))
        raw = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: RpcProxy


class RpcProxy:
    def __init__(self, upstream: str, rules: ProviderRules, seed: int = 0) -> None:
        self.upstream = upstream
        self.rules = rules
        self.log = ProxyLog()
        self.url = ""  # set when listening
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30)

    def _forward(self, payload: Any) -> Any:
        return self._http.post(self.upstream, json=payload).json()

    def handle(self, payload: Any) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.log.requests += 1
            throttle = self._rng.random() < self.rules.throttle_rate
            style = self._rng.randrange(1000)
        if throttle:
            self.log.throttled += 1
            if style % 2:
                return 429, {"retry-after": "0"}, {"error": "Too Many Requests"}
            code, message = _RATE[style % len(_RATE)]
            rid = payload[0].get("id") if isinstance(payload, list) else payload.get("id")
            return (
                200,
                {},
                {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}},
            )
        if isinstance(payload, dict) and payload.get("method") == "eth_getLogs":
            return self._get_logs(payload, style)
        if isinstance(payload, list):
            if self.rules.max_batch is not None and len(payload) > self.rules.max_batch:
                message = f"batch size too large: {len(payload)} > {self.rules.max_batch}"
                return (
                    200,
                    {},
                    {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}},
                )
            self.log.batch_sizes.append(len(payload))
        return 200, {}, self._forward(payload)

    def _refuse(self, first: int, last: int, rid: Any, code: int, message: str) -> tuple:
        self.log.refused.append((first, last, message))
        return 200, {}, {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}

    def _get_logs(self, payload: dict[str, Any], style: int) -> tuple[int, dict[str, str], Any]:
        query = payload["params"][0]
        first, last = int(query["fromBlock"], 16), int(query["toBlock"], 16)
        rid = payload.get("id")
        r = self.rules
        if r.refuse_block is not None and first <= r.refuse_block <= last:
            return self._refuse(first, last, rid, -32005, "query returned more than 10000 results")
        if r.payload_limit_blocks is not None and last - first + 1 > r.payload_limit_blocks:
            self.log.refused.append((first, last, "HTTP 413"))
            return 413, {}, {"error": "request entity too large"}
        if r.slow_blocks is not None and last - first + 1 > r.slow_blocks:
            time.sleep(r.slow_delay)  # the client gives up first: a read timeout
            return self._refuse(first, last, rid, -32000, "timeout")
        if r.max_blocks is not None and last - first + 1 > r.max_blocks:
            code, message = _WIDE_RANGE[style % len(_WIDE_RANGE)]
            return self._refuse(first, last, rid, code, message.format(max=r.max_blocks))
        answer = self._forward(payload)
        logs = answer.get("result") or []
        if r.max_logs is not None and len(logs) > r.max_logs:
            fits = int(logs[r.max_logs]["blockNumber"], 16) - 1  # last block that fits
            if style % 2 and fits >= first:  # Alchemy style, with a usable hint
                message = (
                    "Log response size exceeded. You can make eth_getLogs requests with up to a "
                    "2K block range and no limit on the response size, or you can request any "
                    "block range with a cap of 10K logs in the response. Based on your "
                    f"parameters, this block range should work: [{hex(first)}, {hex(fits)}]"
                )
                return self._refuse(first, last, rid, -32602, message)
            return self._refuse(
                first, last, rid, -32005, f"query returned more than {r.max_logs} results"
            )
        self.log.served.append((first, last, len(logs)))
        address = query.get("address") or ()
        address = [address] if isinstance(address, str) else address
        self.log.served_addresses.append(tuple(a.lower() for a in address))
        return 200, {}, answer


@contextmanager
def rpc_proxy(upstream: str, rules: ProviderRules, seed: int = 0) -> Iterator[RpcProxy]:
    """The proxy, listening on a free loopback port (`proxy.url`), for the block's duration."""
    proxy = RpcProxy(upstream, rules, seed)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.proxy = proxy
    thread = threading.Thread(target=server.serve_forever, name="rpc-proxy", daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        proxy._http.close()
