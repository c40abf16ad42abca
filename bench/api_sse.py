"""The notification latency part of the API benchmark: from a block appearing at the node to its
events arriving at an SSE client of the API, at 1-second blocks.

`LiveTraffic` (bench/indexer_live.py) pays, delivers and confirms a steady stream of orders for
one buyer; the indexer's live tail runs in its own process on the benchmark's index; an SSE
client signed in as that buyer reads `GET /notifications/stream` in a thread. The indexer
benchmark's `LagSampler` polls the node's head and the index's cursor every 20 ms and keeps when
each block first appeared at the node and in the index; a notification's latency is its arrival
minus the first sight of its block (±20 ms), split into block → indexed (the indexer) and
indexed → arrived (the API: wake-up, read, send). Every notification counts: paid, delivered and
completed, each in its own block.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from siwe.siwe import ISO8601Datetime, SiweMessage

from bench.api_load import pct
from bench.api_server import PUBLIC_URL
from bench.common import BenchError
from bench.indexer_live import IndexerProcess, LagSampler, LiveTraffic
from tests.api.notifications_support import SseReader

STREAM = "/notifications/stream"


def buyer_account():
    """LiveTraffic's first buyer (its key is the hash of its name)."""
    return Account.from_key(keccak(text="fairkey live bench buyer 0"))


def sign_in(api_url: str, account, chain_id: int) -> str:
    """A bearer token for `account` (SIWE, as the dApp signs in)."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        nonce = client.post("/auth/nonce").json()["nonce"]
        issued = datetime.now(UTC)
        message = SiweMessage(
            domain=PUBLIC_URL.split("//")[1],
            address=account.address,
            statement="Sign in to fairkey",
            uri=PUBLIC_URL,
            version="1",
            chain_id=chain_id,
            issued_at=ISO8601Datetime.from_datetime(issued),
            nonce=nonce,
            expiration_time=ISO8601Datetime.from_datetime(issued + timedelta(hours=1)),
        ).prepare_message()
        signature = Account.sign_message(encode_defunct(text=message), account.key).signature
        answer = client.post(
            "/auth/verify",
            json={
                "message": message,
                "signature": "0x" + bytes(signature).hex(),
                "session": "bearer",
            },
        )
        if answer.status_code != 200:
            raise BenchError(f"sign-in refused: {answer.status_code} {answer.text}")
        return answer.json()["token"]


@dataclass
class SseRun:
    """One backend's run: its indexer, its API, and what the client heard."""

    backend: str
    api_url: str
    db_url: str


def measure(
    run: SseRun, *, node_url: str, escrow: str, start_block: int, chain_id: int, seconds: float,
    work: Path,
) -> dict[str, Any]:  # fmt: skip
    """Latencies of the notifications of `seconds` of traffic (already running) on one backend."""
    log = work / f"indexer-{run.backend}.log"
    indexer = IndexerProcess(node_url, run.db_url, escrow, start_block, log)
    clock = LagSampler(node_url, run.db_url, chain_id, escrow)
    clock.start()
    indexer.start()
    token = sign_in(run.api_url, buyer_account(), chain_id)
    reader = SseReader(run.api_url + STREAM, {"Authorization": f"Bearer {token}"})
    total: list[float] = []
    indexing: list[float] = []
    serving: list[float] = []
    kinds: dict[str, int] = {}
    try:
        if reader.status != 200:
            raise BenchError(f"{run.backend}: the stream answered {reader.status}: {reader.body}")
        ready = reader.next(timeout=30)
        # The indexer first catches up with what was mined before it started: not measured.
        _drain_until_live(reader, clock, indexer)
        first_block = max(clock.node_seen)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = reader.next(timeout=left)
            except Exception:  # noqa: BLE001 - queue.Empty at the end of the window
                break
            block = event.data.get("block_number", -1)
            if event.event != "order" or block <= first_block or block not in clock.node_seen:
                continue
            seen, indexed = clock.node_seen[block], clock.indexed_seen.get(block)
            total.append(event.at - seen)
            if indexed is not None:
                indexing.append(indexed - seen)
                serving.append(max(0.0, event.at - indexed))
            kinds[event.data["what"]] = kinds.get(event.data["what"], 0) + 1
        if not indexer.alive():
            raise BenchError(f"{run.backend}: the indexer died:\n{indexer.log_tail()}")
    finally:
        reader.close()
        indexer.stop()
        clock.stop()
    if not total:
        raise BenchError(f"{run.backend}: no notification arrived in {seconds:.0f} s")
    return {
        "samples": len(total),
        "by_event": kinds,
        "p50_ms": _ms(pct(total, 0.50)),
        "p95_ms": _ms(pct(total, 0.95)),
        "max_ms": _ms(max(total)),
        "indexed_p50_ms": _ms(pct(indexing, 0.50)) if indexing else None,
        "indexed_p95_ms": _ms(pct(indexing, 0.95)) if indexing else None,
        "api_p50_ms": _ms(pct(serving, 0.50)) if serving else None,
        "api_p95_ms": _ms(pct(serving, 0.95)) if serving else None,
        "wakeup": ready.data["wakeup"],
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _drain_until_live(reader: SseReader, clock: LagSampler, indexer: IndexerProcess) -> None:
    """Reads the backlog until a notification of the newest blocks arrives within 2 s."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        event = reader.next(timeout=30)
        block = event.data.get("block_number")
        if event.event != "order" or block not in clock.node_seen:
            continue
        if event.at - clock.node_seen[block] < 2.0 and block >= max(clock.node_seen) - 1:
            return
    raise BenchError(f"the indexer did not catch up in 120 s:\n{indexer.log_tail()}")


class Traffic:
    """LiveTraffic for the SSE client's buyer: `orders_per_block` orders paid in every block,
    each delivered in the next block and confirmed in the one after."""

    def __init__(self, node_url: str, escrow: str, orders_per_block: int = 2, units: int = 400):
        self.live = LiveTraffic(node_url, escrow, orders_per_block, buyers=1)
        self.live.setup(units)  # 1-second blocks from here on
        self.live.start()

    def stop(self) -> dict[str, Any]:
        self.live.stop()
        s = self.live.stats
        return {"orders_paid": s.orders_paid, "deliveries": s.deliveries, "confirms": s.confirms,
                "reverted": s.reverted, "blocks": s.blocks}  # fmt: skip
