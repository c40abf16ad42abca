"""Mining pre-signed transactions into blocks at chosen timestamps (the load generator's engine).

`ChainWriter` drives an Anvil with automine off: each block's pre-signed transactions go in one
JSON-RPC batch, `evm_mine` mines them at an explicit timestamp (so days of marketplace time pass in
seconds, without sleeping), and `eth_getBlockReceipts` checks that every transaction landed and
succeeded — a reverted transaction would silently break the load's later steps — and collects
the escrow's logs (the events the indexer must find).
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

from fairkey.chain.jsonrpc import JsonRpc
from fairkey.chain.sender import Sender

# Far above what the load puts in a block (≈ 150 transactions ≈ 15 M gas): blocks stay under
# half full, so the base fee only falls and one fixed gas price fits every transaction.
BLOCK_GAS_LIMIT = 1_000_000_000


def load_rpc(url: str) -> JsonRpc:
    """The SDK's JSON-RPC client as the load generators use it: a long timeout (a state dump
    of ≈ 80 MB, a block of 150 transactions) and one round trip for a whole block's batch."""
    return JsonRpc(url, timeout=120.0, max_batch=10_000)


class LoadError(RuntimeError):
    """The load generator could not build the chain it planned (a transaction failed, …)."""


@dataclass
class Tx:
    """One planned transaction; `what` names it in error messages."""

    signer: Sender
    to: str
    data: bytes
    gas: int
    value: int = 0
    what: str = ""


@dataclass
class MinedBlock:
    number: int
    timestamp: int
    transactions: int
    logs: list[dict[str, Any]]  # the escrow's logs, in block order


@dataclass
class _Block:
    """A block's signed transactions on their way to the worker thread."""

    raws: list[bytes]
    txs: Sequence[Tx]
    timestamp: int
    submission: Submission


class Submission:
    """Transactions handed to the writer; `logs()` waits until all of them are mined."""

    def __init__(self, blocks: int) -> None:
        self._pending = blocks
        self._logs: list[dict[str, Any]] = []
        self._done = threading.Event()
        self._error: BaseException | None = None
        if blocks == 0:
            self._done.set()

    def _block_done(self, logs: list[dict[str, Any]]) -> None:
        self._logs += logs
        self._pending -= 1
        if self._pending == 0:
            self._done.set()

    def _fail(self, error: BaseException) -> None:
        self._error = error
        self._done.set()

    def logs(self) -> list[dict[str, Any]]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._logs


class ChainWriter:
    """Mines planned transactions in blocks of at most `txs_per_block`, at explicit timestamps.

    The calling thread signs (nonces in submission order) and a worker thread sends, mines and
    checks, so the next phase's planning, sealing and signing overlap with Anvil executing the
    previous one. `submit` returns at once; `mine` (or `Submission.logs`) waits for the logs,
    `flush` for everything submitted so far. A failure is raised by the next call.
    """

    def __init__(
        self,
        rpc: JsonRpc,
        escrow: str,
        event_names: dict[str, str],
        *,
        txs_per_block: int,
        gas_price: int,
        on_block: Callable[[MinedBlock], None] | None = None,
    ) -> None:
        self.rpc = rpc
        self.escrow = escrow.lower()
        self.event_names = event_names  # topic0 (0x hex) -> event name
        self.txs_per_block = txs_per_block
        self.gas_price = gas_price
        self.on_block = on_block
        latest = rpc.call("eth_getBlockByNumber", ["latest", False])
        self.head = int(latest["number"], 16)  # worker thread only, once started
        self.time = int(latest["timestamp"], 16)  # the last submitted block's timestamp
        self.events: Counter[str] = Counter()
        self.transactions = 0
        self.blocks = 0
        self._queue: queue.Queue[_Block | None] = queue.Queue(maxsize=64)
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None
        self._last = Submission(0)

    def start(self) -> None:
        """Automine off (blocks only when we mine them), a roomy block gas limit, the worker."""
        self.rpc.call("evm_setAutomine", [False])
        self.rpc.call("evm_setBlockGasLimit", [hex(BLOCK_GAS_LIMIT)])
        self._worker = threading.Thread(target=self._work, name="chain-writer", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout=60)
            self._worker = None

    def submit(self, txs: Sequence[Tx], *, after: int, gap: int = 12) -> Submission:
        """Queue `txs` in order: the first block `after` seconds after the last one, the next
        ones `gap` seconds apart. With no transactions the time still passes (same schedule)."""
        if self._error is not None:
            raise self._error
        chunks = [txs[i : i + self.txs_per_block] for i in range(0, len(txs), self.txs_per_block)]
        submission = Submission(len(chunks))
        if not chunks:
            self.time += after
            return submission
        for n, chunk in enumerate(chunks):
            raws = [
                tx.signer.sign_call(
                    tx.to, tx.data, value=tx.value, gas=tx.gas, gas_price=self.gas_price
                )
                for tx in chunk
            ]
            self.time += max(1, after if n == 0 else gap)
            self._queue.put(_Block(raws, chunk, self.time, submission))
        self._last = submission
        return submission

    def mine(self, txs: Sequence[Tx], *, after: int, gap: int = 12) -> list[dict[str, Any]]:
        """`submit`, then wait: the escrow's logs of these blocks."""
        return self.submit(txs, after=after, gap=gap).logs()

    def flush(self) -> None:
        """Wait until everything submitted so far is mined (the worker keeps order)."""
        self._last.logs()
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is not None:
                block.submission._fail(self._error)
                continue
            try:
                mined = self._mine(block)
            except BaseException as exc:  # noqa: BLE001 - handed to the planning thread
                self._error = exc
                block.submission._fail(exc)
                continue
            block.submission._block_done(mined.logs)
            if self.on_block is not None:
                self.on_block(mined)

    def _mine(self, block: _Block) -> MinedBlock:
        self.rpc.batch_all([("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in block.raws])
        self.rpc.call("evm_mine", [block.timestamp])
        self.head += 1
        receipts = self.rpc.call("eth_getBlockReceipts", [hex(self.head)])
        if len(receipts) != len(block.raws):
            pending = self.rpc.call("txpool_status")
            raise LoadError(
                f"block {self.head}: {len(receipts)} of {len(block.raws)} transactions mined "
                f"(txpool: {pending}); first planned: {block.txs[0].what}"
            )
        logs: list[dict[str, Any]] = []
        for receipt in receipts:
            if receipt["status"] != "0x1":
                raise LoadError(
                    f"block {self.head}: transaction {receipt['transactionHash']} "
                    f"({self._what(block, receipt['transactionHash'])}) reverted"
                )
            for log in receipt["logs"]:
                if log["address"].lower() == self.escrow:
                    logs.append(log)
                    self.events[self.event_names.get(log["topics"][0], "?")] += 1
        self.transactions += len(block.raws)
        self.blocks += 1
        return MinedBlock(self.head, block.timestamp, len(block.raws), logs)

    @staticmethod
    def _what(block: _Block, tx_hash: str) -> str:
        for raw, tx in zip(block.raws, block.txs, strict=True):
            if "0x" + keccak(raw).hex() == tx_hash:
                return tx.what
        return "?"
