"""Reading the chain: the logs of the escrow and its courts over block ranges that adapt to what
the node accepts (one eth_getLogs for every address), and block headers (hash, parent, time) in
batches.

Ranges start at `max_range` blocks. A refusal (too many results, range too wide, response too
big, timeout) halves the range, or takes the range the node suggests; a run of successes doubles
it again up to `max_range`; a range that returned more than LOGS_PER_CHUNK logs is halved too
(memory, transaction size). Rate limits and transient failures are retried with backoff. No
block is ever skipped: a single block the node keeps refusing stops the step with FetchError
(the next step starts at that block again).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fairkey.chain.jsonrpc import JsonRpc, with_retries
from fairkey.chain.log_ranges import AdaptiveSpan
from fairkey.chain.rpc_errors import (
    NodeUnavailable,
    RangeTooLarge,
    RateLimited,
    RpcError,
    backoff_delay,
)

log = logging.getLogger("indexer")

T = TypeVar("T")

LOGS_PER_CHUNK = 10_000  # a range that returned more is halved for the next chunk


class ChainMoved(Exception):
    """The chain changed while a chunk was being read (headers and logs disagree): read again."""


class FetchError(RpcError):
    """The node keeps refusing something the indexer cannot do without (never skipped)."""


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int

    @classmethod
    def of(cls, block: dict[str, Any]) -> Header:
        return cls(
            number=int(block["number"], 16),
            hash=block["hash"].lower(),
            parent_hash=block["parentHash"].lower(),
            timestamp=int(block["timestamp"], 16),
        )


@dataclass(frozen=True)
class ChainTip:
    head: int
    finalized: int | None  # the node's "finalized" block; None when it has no such tag
    block: Header | None  # the block asked about (the cursor block), None if the node lacks it


class ChainReader:
    """What the indexer asks the node, with retries and the adaptive eth_getLogs range."""

    def __init__(self, rpc: JsonRpc, address: str, max_range: int, attempts: int = 8) -> None:
        self.rpc = rpc
        self.address = address
        self.max_range = max_range
        self.attempts = attempts
        self.range = AdaptiveSpan(max_range, limit=max_range)  # current eth_getLogs range
        self.splits = 0  # how many times a range was narrowed (logs, tests)
        self.retries = 0  # rate limits and transient failures waited out
        self._node_finality: bool | None = None  # unknown until asked once

    # ------------------------------------------------------------------ plain calls

    def _retrying(self, fn: Callable[[], T]) -> T:
        return with_retries(fn, self.attempts, on_retry=self._on_retry)

    def _on_retry(self, attempt: int, exc: RpcError, delay: float) -> None:
        self.retries += 1
        log.warning("node: %s; retry %d in %.2fs", exc, attempt, delay)

    def chain_id(self) -> int:
        return int(self._retrying(lambda: self.rpc.call("eth_chainId")), 16)

    def head(self) -> int:
        return int(self._retrying(lambda: self.rpc.call("eth_blockNumber")), 16)

    def tip(self, block: int | None) -> ChainTip:
        """The head, the node's finalized block and block `block`'s header, in one round trip."""
        calls: list[tuple[str, list[Any]]] = [("eth_blockNumber", [])]
        if block is not None:
            calls.append(("eth_getBlockByNumber", [hex(block), False]))
        if self._node_finality is not False:
            calls.append(("eth_getBlockByNumber", ["finalized", False]))

        def ask() -> list[Any]:
            answers = self.rpc.batch(calls)
            for answer in answers[: 2 if block is not None else 1]:
                if isinstance(answer, RpcError):
                    raise answer
            return answers

        answers = self._retrying(ask)
        head = int(answers[0], 16)
        header = None
        if block is not None and answers[1]:
            header = Header.of(answers[1])
        finalized = None
        if self._node_finality is not False:
            tagged = answers[-1]
            if isinstance(tagged, dict) and tagged.get("number"):
                finalized = int(tagged["number"], 16)
                self._node_finality = True
            elif self._node_finality is None and not isinstance(
                tagged, RateLimited | NodeUnavailable
            ):
                self._node_finality = False  # pre-merge node or no tag: use the configured depth
                log.info("the node has no 'finalized' block tag: using a fixed finality depth")
        return ChainTip(head, finalized, header)

    def headers(self, numbers: Iterable[int]) -> dict[int, Header | None]:
        """Headers of these blocks in batched requests; None for a block the node lacks."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        calls = [("eth_getBlockByNumber", [hex(n), False]) for n in wanted]

        answers = self._retrying(lambda: self.rpc.batch_all(calls))
        return {n: (Header.of(a) if a else None) for n, a in zip(wanted, answers, strict=True)}

    # ------------------------------------------------------------------ logs

    def logs(
        self, first: int, last: int, addresses: Sequence[str] | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """The logs of `addresses` (default: the escrow) from block `first` up to some block
        `to` <= `last` (as wide as the node allows); returns (to, logs). Never returns without
        block `first` covered."""
        if last < first:
            raise ValueError(f"empty block range {first}..{last}")
        wanted = list(addresses) if addresses else [self.address]
        address: str | list[str] = wanted[0] if len(wanted) == 1 else wanted
        refused = 0
        while True:
            to = self.range.end(first, last)
            query = {"address": address, "fromBlock": hex(first), "toBlock": hex(to)}
            try:
                found = self._retrying(lambda q=query: self.rpc.call("eth_getLogs", [q]))
            except RangeTooLarge as exc:
                if to == first:
                    self.range.successes = 0
                    refused += 1
                    if refused >= self.attempts:
                        raise FetchError(
                            f"the node refuses the logs of block {first} even alone: {exc}"
                        ) from exc
                    delay = backoff_delay(refused)
                    log.warning("block %d refused alone (%s); retry in %.2fs", first, exc, delay)
                    time.sleep(delay)
                    continue
                self.splits += 1
                self.range.refused(first, to, exc)
                log.info(
                    "node refused blocks %d..%d (%s): range now %d", first, to, exc, self.range.span
                )
                continue
            if len(found) > LOGS_PER_CHUNK and to > first:  # keep chunks (and transactions) small
                self.range.halve(first, to)
            else:
                self.range.accepted()
            return to, [x for x in found if not x.get("removed")]

    def logs_through(self, first: int, last: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        """Every log of `addresses` in blocks `first`..`last`, in as many ranges as it takes."""
        found: list[dict[str, Any]] = []
        while first <= last:
            to, part = self.logs(first, last, addresses)
            found += part
            first = to + 1
        return found
