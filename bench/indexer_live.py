"""Live lag of the indexer under a steady load: 1 s blocks, a stream of orders, the indexer's
live tail in its own process, and a sampler that compares the node's head with the indexed one.

- `LiveTraffic` (a thread): a fresh merchant and listing with committed stock, and buyers who
  pay `orders_per_block` orders in every block; each order is delivered in the block after its
  payment and confirmed in the one after that (driven by the logs of each new block), so every
  block carries ≈ 3 × `orders_per_block` escrow events once the stream is running.
- The indexer: `python -m bench.indexer_live <rpc> <db> <escrow> <start block>` runs
  `Indexer(cfg).run(stop, interval)` until SIGTERM, as `fairkey index run` does beside a node;
  its own process, so the benchmark's threads never hold its interpreter lock.
- `LagSampler` (a thread): every `SAMPLE_EVERY` s, `eth_blockNumber` minus the indexed block
  (the cursor, read from the database with a reader connection), and the wall-clock time each
  block first appeared at the node and first appeared indexed.
"""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/indexer_live.py`: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_utils import event_abi_to_log_topic, keccak
from web3 import Web3

from bench.indexer_chain import ChainWriter, Tx, load_rpc
from fairkey.chain.abi_codec import AbiCodec
from fairkey.chain.artifacts import PROJECT_ROOT, load_artifacts
from fairkey.chain.escrow_client import supplier_tag
from fairkey.chain.sender import Sender
from fairkey.chain.types import ETH, ListingTerms
from fairkey.crypto.keys import StockUnit, new_salt, normalise_key
from fairkey.crypto.merkle import build_stock_tree
from fairkey.crypto.order_keys import OrderKey, derive_order_key
from fairkey.flows.merchant import seal_unit
from indexer.config import IndexerConfig
from indexer.db import create_db_engine
from indexer.ingest import Indexer
from indexer.store import load_cursor

SAMPLE_EVERY = 0.02  # seconds between lag samples
INDEXER_INTERVAL = 0.2  # the live tail's polling interval (as `fairkey index run` defaults)
PRICE = 10**16
BOND = 5 * 10**15
HOUR = 3600


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: an observed value."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# ---------------------------------------------------------------------------- the load


@dataclass
class _Order:
    key: OrderKey
    buyer: Sender
    unit: StockUnit | None = None


@dataclass
class TrafficStats:
    orders_paid: int = 0
    deliveries: int = 0
    confirms: int = 0
    reverted: int = 0
    blocks: int = 0
    events: int = 0
    sent_per_block: list[int] = field(default_factory=list)


class LiveTraffic:
    """A steady stream of orders on a node that mines a block every second."""

    def __init__(self, url: str, escrow: str, orders_per_block: int, buyers: int = 8) -> None:
        self.url = url
        self.escrow = Web3.to_checksum_address(escrow)
        self.orders_per_block = orders_per_block
        self.rpc = load_rpc(url)
        abi = load_artifacts()["FairkeyEscrow"].abi
        self.codec = AbiCodec(abi)
        topics = {
            item["name"]: event_abi_to_log_topic(item) for item in abi if item["type"] == "event"
        }
        self.topic = {name: "0x" + t.hex() for name, t in topics.items()}
        self.chain_id = int(self.rpc.call("eth_chainId"), 16)
        self.merchant = Sender(keccak(text="fairkey live bench merchant"), self.chain_id, nonce=0)
        self.buyers = [
            Sender(keccak(text=f"fairkey live bench buyer {i}"), self.chain_id, nonce=0)
            for i in range(buyers)
        ]
        self.seed = keccak(text="fairkey live bench order keys")
        self._next_key = 0
        self.orders: dict[int, _Order] = {}
        self.stats = TrafficStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.gas_price = 0

    def setup(self, units: int) -> None:
        """Time continues from the last block; the merchant lists and commits `units` keys; then
        Anvil mines a block every second (interval mining)."""
        latest = self.rpc.call("eth_getBlockByNumber", ["latest", False])
        self.rpc.call("evm_setTime", [int(latest["timestamp"], 16) + 1])
        accounts = [self.merchant, *self.buyers]
        self.rpc.batch_all([("anvil_setBalance", [a.address, hex(10**24)]) for a in accounts])
        nonces = self.rpc.batch_all(
            [("eth_getTransactionCount", [a.address, "latest"]) for a in accounts]
        )
        for account, nonce in zip(accounts, nonces, strict=True):
            account.nonce = int(nonce, 16)
        self.gas_price = max(2 * int(self.rpc.call("eth_gasPrice"), 16), 2 * 10**9)
        writer = ChainWriter(self.rpc, self.escrow, {}, txs_per_block=10, gas_price=self.gas_price)
        writer.start()
        try:
            terms = ListingTerms(
                token=ETH,
                price=PRICE,
                bond_per_unit=BOND,
                dispute_bond=10**15,
                delivery_window=HOUR,
                confirm_window=24 * HOUR,
                response_window=12 * HOUR,
                appeal_window=2 * HOUR,
                max_replacements=2,
                verifier="0x" + "00" * 20,
                description_hash=keccak(text="live bench product"),
            )
            logs = writer.mine(
                [self.tx(self.merchant, "createListing", terms.as_tuple(), 0)], after=1
            )
            self.listing_id = int(logs[0]["topics"][1], 16)
            self.units = [
                StockUnit(i, normalise_key(f"LIVE-{i:06d}-ABCDEFGHJK"), new_salt())
                for i in range(units)
            ]
            self.tree = build_stock_tree(self.units, self.merchant.address)
            commit = self.tx(
                self.merchant,
                "commitStock",
                self.listing_id,
                self.tree.root,
                units,
                supplier_tag("live"),
                value=units * BOND,
            )
            writer.mine([commit], after=1)
        finally:
            writer.stop()
        self._next_unit = 0
        self.rpc.call("evm_setIntervalMining", [1])

    def tx(self, signer: Sender, fn: str, *args: Any, value: int = 0) -> Tx:
        return Tx(signer, self.escrow, self.codec.fn(fn).encode(*args), 400_000, value, fn)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.rpc.close()

    def _run(self) -> None:
        seen = int(self.rpc.call("eth_blockNumber"), 16)
        self._send(self._payments())
        while not self._stop.is_set():
            head = int(self.rpc.call("eth_blockNumber"), 16)
            for number in range(seen + 1, head + 1):
                self._send(self._answer(number) + self._payments())
            seen = max(seen, head)
            self._stop.wait(0.02)

    def _answer(self, number: int) -> list[bytes]:
        """Deliver what was paid in block `number`, confirm what was delivered in it."""
        receipts = self.rpc.call("eth_getBlockReceipts", [hex(number)])
        self.stats.blocks += 1
        raws: list[bytes] = []
        for receipt in receipts:
            if receipt["status"] != "0x1":
                self.stats.reverted += 1
            for log in receipt["logs"]:
                if log["address"].lower() != self.escrow.lower() or len(log["topics"]) < 2:
                    continue
                self.stats.events += 1
                order = self.orders.get(int(log["topics"][1], 16))
                if order is None:
                    continue
                order_id = int(log["topics"][1], 16)
                if log["topics"][0] == self.topic["OrderPaid"]:
                    raws.append(self._deliver(order_id, order))
                elif log["topics"][0] == self.topic["KeyDelivered"]:
                    raws.append(self._sign(self.tx(order.buyer, "confirm", order_id)))
                    self.stats.confirms += 1
        return raws

    def _deliver(self, order_id: int, order: _Order) -> bytes:
        unit = self.units[self._next_unit]
        self._next_unit += 1
        record = seal_unit(
            order_id,
            order.key.point,
            root=self.tree.root,
            index=unit.index,
            plaintext=unit.plaintext,
            commitment=unit.commitment,
            fingerprint=unit.fingerprint,
        )
        proof = self.tree.proof(unit.index)
        self.stats.deliveries += 1
        return self._sign(self.tx(self.merchant, "deliver", order_id, record.as_struct(), proof))

    def _payments(self) -> list[bytes]:
        raws = []
        for i in range(self.orders_per_block):
            if len(self.orders) >= len(self.units):
                break  # out of stock: stop paying rather than revert
            buyer = self.buyers[i % len(self.buyers)]
            key = derive_order_key(self.seed, self._next_key)
            self._next_key += 1
            order_id = int(key.address, 16)
            self.orders[order_id] = _Order(key, buyer)
            raws.append(
                self._sign(self.tx(buyer, "pay", self.listing_id, PRICE, key.x, key.y, value=PRICE))
            )
            self.stats.orders_paid += 1
        return raws

    def _sign(self, tx: Tx) -> bytes:
        return tx.signer.sign_call(
            tx.to, tx.data, value=tx.value, gas=tx.gas, gas_price=self.gas_price
        )

    def _send(self, raws: list[bytes]) -> None:
        self.stats.sent_per_block.append(len(raws))
        self.rpc.batch_all([("eth_sendRawTransaction", ["0x" + raw.hex()]) for raw in raws])


# ---------------------------------------------------------------------------- the indexer


class IndexerProcess:
    """The indexer's live tail in a child process (this module's `main`)."""

    def __init__(self, url: str, db_url: str, escrow: str, start_block: int, log: Path) -> None:
        self.args = [url, db_url, escrow, str(start_block)]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.indexer_live", *self.args],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=PROJECT_ROOT,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def main(argv: list[str]) -> int:
    """Child process: `Indexer(cfg).run()` until SIGTERM."""
    url, db_url, escrow, start = argv
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = IndexerConfig(rpc_url=url, db_url=db_url, escrow=escrow, start_block=int(start))
    with Indexer(config) as indexer:
        indexer.run(stop, interval=INDEXER_INTERVAL)
    return 0


# ---------------------------------------------------------------------------- the sampler


class LagSampler:
    """Chain head minus indexed block, every SAMPLE_EVERY seconds, in a thread."""

    def __init__(self, url: str, db_url: str, chain_id: int, escrow: str) -> None:
        self.rpc = load_rpc(url)
        self.engine = create_db_engine(db_url, writer=False)
        self.chain_id = chain_id
        self.escrow = escrow.lower()
        self.samples: list[tuple[float, int, int]] = []  # (monotonic s, head, indexed)
        self.node_seen: dict[int, float] = {}
        self.indexed_seen: dict[int, float] = {}
        self.read_errors = 0
        self._recording = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag-sampler", daemon=True)

    def indexed(self) -> int | None:
        with self.engine.connect() as conn:
            cursor = load_cursor(conn, self.chain_id, self.escrow)
        return None if cursor is None else cursor.number

    def start(self) -> None:
        self._thread.start()

    def record(self, on: bool) -> None:
        """Keep samples only while on (the warm-up and the drain are not counted)."""
        self._recording = on

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                head = int(self.rpc.call("eth_blockNumber"), 16)
                indexed = self.indexed()
            except Exception:  # noqa: BLE001 - a busy database or node: sample again
                self.read_errors += 1
                self._stop.wait(SAMPLE_EVERY)
                continue
            now = time.monotonic()
            self.node_seen.setdefault(head, now)
            if indexed is not None:
                for number in range(indexed, max(self.indexed_seen, default=indexed - 1), -1):
                    self.indexed_seen.setdefault(number, now)
                if self._recording:
                    self.samples.append((now, head, indexed))
            self._stop.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.rpc.close()
        self.engine.dispose()

    def summary(self) -> dict[str, Any]:
        lags = [head - indexed for _, head, indexed in self.samples]
        first, last = self.samples[0][0], self.samples[-1][0]
        blocks = sorted(n for n, t in self.node_seen.items() if first <= t <= last)
        reflected = [
            self.indexed_seen[n] - self.node_seen[n] for n in blocks if n in self.indexed_seen
        ]
        histogram = {str(lag): lags.count(lag) for lag in sorted(set(lags))}
        times = [t for t, _, _ in self.samples]
        # A long gap between samples (the sampler starved of CPU) also delays "indexed_seen".
        gap = max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)
        return {
            "samples": len(lags),
            "sample_every_s": SAMPLE_EVERY,
            "lag_p50_blocks": pct(lags, 0.5),
            "lag_p95_blocks": pct(lags, 0.95),
            "lag_max_blocks": max(lags),
            "lag_histogram": histogram,
            "blocks": len(blocks),
            "reflected_p50_s": round(pct(reflected, 0.5), 3) if reflected else None,
            "reflected_p95_s": round(pct(reflected, 0.95), 3) if reflected else None,
            "reflected_max_s": round(max(reflected), 3) if reflected else None,
            "read_errors": self.read_errors,
            "max_sample_gap_s": round(gap, 3),
        }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
