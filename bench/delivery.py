"""Delivery latency, L1 refund latency and throughput of the merchant bot, on a real Anvil.

Run: ``.venv/bin/python -m bench.delivery`` (also ``python bench/delivery.py``), ~1 min.
Prints a table and writes bench/out/delivery.json; exits 1 if a target is missed.
What each figure means: bench/README.md ("Delivery").

The real bot runs as a subprocess (`fairkey merchant run --interval 0.2`) against a fresh Anvil
per mode (1 s blocks, then automine), with a merchant home set up like tests/services/conftest.py.
Buyers pay bursts of 1, 10 and 100 orders with pre-signed transactions; a delivery's latency is
its KeyDelivered block minus the OrderPaid block, and the wall-clock time between the two blocks
appearing at the node (a thread polls the head every 10 ms). L1 refunds (1 s blocks): a wrong key
proven by the buyer's watch, and a key the verifier confirms redeemed, refunded by the bot.
Throughput (automine): the keys the bot delivers per second on a backlog — the bot is paused
(SIGSTOP) while buyers pay BACKLOG orders (in payBasket transactions), then resumed (SIGCONT);
the rate is the backlog over the time from the resume to the last delivery block, the bot
packing its deliveries into deliverMany transactions — against plain ETH transfers per second
that Anvil accepts, one transaction each, sent the same way, in the same run. (The 100-order
burst's own rate is also reported, but it cannot show the bot's speed: its span includes the
buyers' 100 payments, which the same Anvil executes.)
"""

from __future__ import annotations

import logging
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/delivery.py`: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from bench.common import (
    DISPUTE_BOND,
    PRICE,
    BenchChain,
    BenchError,
    bench_chain,
    commit_batch,
    console,
    create_demo_listing,
    finish,
    make_units,
    print_table,
    progress,
)
from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.jsonrpc import JsonRpc
from fairkey.chain.sender import Sender, send_raw
from fairkey.chain.session import http_web3
from fairkey.chain.types import ETH, DisputeReason, OrderStatus
from fairkey.crypto.keys import StockUnit, new_salt, normalise_key
from fairkey.crypto.order_keys import OrderKey, derive_order_key, seed_from_account
from fairkey.flows.buyer import open_delivery
from fairkey.flows.merchant import seal_unit
from fairkey.issuers.http_json import HttpJsonAdapter
from fairkey.issuers.simulator import IssuerSimulator, create_simulator_app
from fairkey.services.buyer_watch import BuyerWatch
from fairkey.services.runner import run_loop
from fairkey.vault import Vault
from fairkey.vault.cipher import KdfParams
from fairkey.verifier.client import VerifierClient
from fairkey.verifier.routes import create_verifier_app
from fairkey.verifier.service import RetryPolicy, VerifierService
from fairkey.verifier.store import DecisionStore
from tests.support.serve import serve_in_thread

TARGETS = {"delivery_p95_blocks": 2, "l1_refund_p95_s": 5.0, "bot_vs_raw_tx_ratio": 3.0}
TARGET_OPS = {"delivery_p95_blocks": "<=", "l1_refund_p95_s": "<=", "bot_vs_raw_tx_ratio": ">="}

MODES: dict[str, float | None] = {"block_1s": 1, "automine": None}  # name -> Anvil block time
BURSTS = (1, 10, 100)
REPEATS = {1: 5, 10: 2, 100: 1}  # small bursts run several times (a p95 of one order says little)
L1_SAMPLES = 5  # per kind (misdelivery, verifier-confirmed)
RAW_TXS = 300  # plain ETH transfers for the raw throughput
RAW_SENDERS = 3
RAW_ROUNDS = 3
BURST_BUYERS = 4
BACKLOG = 1000  # orders paid while the bot is paused (sustained throughput, automine)
BASKET = 100  # orders per payBasket of the backlog (the escrow's MAX_BASKET)
STOCK = 1140  # units committed for the bot per mode (bursts 125, verifier 5, backlog 1000)
BOT_INTERVAL = 0.2
HEAD_POLL = 0.01  # the block clock's polling period
WAIT_TIMEOUT = 60.0

PASSPHRASE = "bench delivery vault"
KDF_N = 1024  # benchmark only: a cheap scrypt for a throwaway vault
# key-invalid waits for the verifier (otherwise the bot would replace the key at once); a verdict
# the verifier confirms is refunded at once (the L1 path measured here).
BOT_POLICY = """\
[disputes]
key-invalid = "wait"

[verifier]
on-verdict = "refund"

[bot]
interval = 0.2
"""
KEY_DELIVERED = (
    "0x"
    + keccak(
        text="KeyDelivered(uint256,bytes32,bytes32,uint256,uint256,bytes32,bytes32,uint8,bytes,uint256)"
    ).hex()
)
PAY_GAS = 250_000
BASKET_GAS = 100_000 + 60_000 * BASKET
DISPUTE_GAS = 150_000
TRANSFER_GAS = 21_000

log = logging.getLogger("bench.delivery")


# ---------------------------------------------------------------------------- measuring helpers


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: an observed value (p95 of 20 samples = the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class BlockClock:
    """The wall-clock (monotonic) time each block first appeared at the node: a thread polls
    eth_blockNumber every HEAD_POLL seconds (blocks seen in one poll share its time)."""

    def __init__(self, url: str) -> None:
        self.w3 = http_web3(url, timeout=10)
        self._last = self.w3.eth.block_number
        self.seen: dict[int, float] = {self._last: time.monotonic()}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="block-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                head = self.w3.eth.block_number
            except Exception:  # noqa: BLE001 - the node is busy or stopping: poll again
                head = self._last
            now = time.monotonic()
            if head > self._last:
                with self._cond:
                    for number in range(self._last + 1, head + 1):
                        self.seen[number] = now
                    self._last = head
                    self._cond.notify_all()
            self._stop.wait(HEAD_POLL)

    def at(self, block: int, timeout: float = WAIT_TIMEOUT) -> float:
        with self._cond:
            if not self._cond.wait_for(lambda: block in self.seen, timeout):
                raise BenchError(f"block {block} did not appear within {timeout:g} s")
            return self.seen[block]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class Wallet:
    """A buyer (or sender) that signs with a locally counted nonce (the SDK's sender), so a burst
    is pre-signed and sent without waiting; pays with per-order keys from its wallet seed, as
    the SDK does."""

    chain: BenchChain
    account: LocalAccount
    client: EscrowClient
    seed: bytes
    sender: Sender
    next_index: int = 0
    keys: dict[int, OrderKey] = field(default_factory=dict)

    @classmethod
    def of(cls, chain: BenchChain, account: LocalAccount) -> Wallet:
        client = chain.client(account)
        return cls(
            chain,
            account,
            client,
            seed_from_account(account, chain.w3.eth.chain_id, chain.escrow),
            client.session.sender(count=True),
        )

    def _fields(self, gas: int, gas_price: int, value: int, nonce: int) -> dict[str, Any]:
        return {
            "from": self.account.address,
            "nonce": nonce,
            "gas": gas,
            "gasPrice": gas_price,
            "chainId": self.chain.session.chain_id,
            "value": value,
        }

    def _sign_call(self, fn: Any, gas: int, gas_price: int, value: int) -> bytes:
        return self.sender.sign(
            lambda nonce: fn.build_transaction(self._fields(gas, gas_price, value, nonce))
        ).raw

    def sign_pay(self, listing_id: int, gas_price: int) -> tuple[int, bytes]:
        key = derive_order_key(self.seed, self.next_index)
        self.next_index += 1
        order_id = int(key.address, 16)  # the escrow's order id: the per-order key's address
        self.keys[order_id] = key
        fn = self.client.f.pay(listing_id, PRICE, key.x, key.y)
        return order_id, self._sign_call(fn, PAY_GAS, gas_price, PRICE)

    def sign_pay_basket(
        self, listing_id: int, size: int, gas_price: int
    ) -> tuple[list[int], bytes]:
        """`size` orders in one payBasket (fresh per-order keys), pre-signed."""
        keys = [derive_order_key(self.seed, self.next_index + i) for i in range(size)]
        self.next_index += size
        order_ids = [int(key.address, 16) for key in keys]
        self.keys.update(zip(order_ids, keys, strict=True))
        fn = self.client.f.payBasket(listing_id, PRICE, [(key.x, key.y) for key in keys])
        return order_ids, self._sign_call(fn, BASKET_GAS, gas_price, PRICE * size)

    def sign_dispute(self, order_id: int, gas_price: int) -> bytes:
        fn = self.client.f.dispute(order_id, int(DisputeReason.KEY_INVALID), b"\0" * 32)
        return self._sign_call(fn, DISPUTE_GAS, gas_price, DISPUTE_BOND)

    def sign_transfer(self, to: str, gas_price: int) -> bytes:
        tx = {"to": to, "gas": TRANSFER_GAS, "gasPrice": gas_price, "value": 1}
        return self.sender.sign(tx).raw

    def credit(self) -> int:
        return self.client.credit_of(ETH, self.account.address)


def send_all(rpc: JsonRpc, raws: list[bytes]) -> list[bytes]:
    """Pre-signed transactions, one eth_sendRawTransaction after the other (as the bot sends)."""
    return [send_raw(rpc, raw) for raw in raws]


def wait_receipts(w3: Web3, hashes: list[bytes]) -> list[Any]:
    receipts = [
        w3.eth.wait_for_transaction_receipt(h, timeout=WAIT_TIMEOUT, poll_latency=0.02)
        for h in hashes
    ]
    failed = [r for r in receipts if r["status"] != 1]
    if failed:
        raise BenchError(
            f"{len(failed)} transaction(s) reverted, e.g. "
            f"0x{bytes(failed[0]['transactionHash']).hex()}"
        )
    return receipts


def gas_price(chain: BenchChain) -> int:
    return 2 * chain.w3.eth.gas_price  # headroom: the base fee may rise during a burst


# ---------------------------------------------------------------------------- the bot, the shop


class BotProcess:
    """`fairkey merchant run` as a child process (signs as dev account 2, the merchant role)."""

    def __init__(self, home: Path, url: str, policy: Path, log_path: Path) -> None:
        self.home, self.url, self.policy, self.log_path = home, url, policy, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(
            os.environ,
            FAIRKEY_VAULT_PASSPHRASE=PASSPHRASE,
            FAIRKEY_VAULT_KDF_N=str(KDF_N),
            PYTHONUNBUFFERED="1",
        )
        cmd = [
            sys.executable, "-m", "fairkey.cli.main",
            "--home", str(self.home), "--rpc", self.url, "--dev-account", "2",
            "merchant", "run", "--interval", str(BOT_INTERVAL), "--policy", str(self.policy),
        ]  # fmt: skip
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=PROJECT_ROOT,
                start_new_session=True,
            )

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def check(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(
                f"the merchant bot exited with code {self.proc.returncode}; its log "
                f"({self.log_path}) ends with:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, state_file: Path, timeout: float = WAIT_TIMEOUT) -> None:
        """The bot saves its state after every step: the file's appearance = first step done."""
        deadline = time.monotonic() + timeout
        while not state_file.exists():
            self.check()
            if time.monotonic() > deadline:
                raise BenchError(f"the merchant bot did not finish a step within {timeout:g} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # finishes its current step, then exits
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def prepare_shop(chain: BenchChain, work: Path, stock: int) -> tuple[int, Path, Path]:
    """The merchant's home as `fairkey` expects it (deployment.json, a cheap-KDF vault with
    `stock` imported keys committed to a fresh listing) and the bot's policy file.
    Returns (listing id, home, the bot's state file)."""
    home = work / "home"
    chain.deployment.save(home / "deployment.json")
    listing_id, _ = create_demo_listing(chain)
    merchant = chain.account("merchant").address
    account_dir = home / "accounts" / merchant
    keys_file = work / "keys.txt"
    keys_file.write_text("".join(u.key.decode() + "\n" for u in make_units(stock, "dlv")))
    with Vault.create(account_dir / "vault.sqlite", PASSPHRASE, kdf=KdfParams(n=KDF_N)) as vault:
        report = vault.import_file(keys_file, "bench")
        if report.batch_id is None:
            raise BenchError(f"the vault refused the bench keys: {report}")
        plan = vault.plan_batch(report.batch_id, merchant)
        tx = chain.client("merchant").commit_stock(listing_id, plan.root, plan.count, "bench")
        vault.mark_committed(plan.batch_id, listing_id, tx.receipt["transactionHash"].hex())
    (work / "policy.toml").write_text(BOT_POLICY)
    return listing_id, home, account_dir / "bot.json"


# ---------------------------------------------------------------------------- in-process HTTP


@contextmanager
def background(step: Callable[[], Any], interval: float) -> Iterator[None]:
    """`run_loop(step)` in a thread (a service beside the benchmark), stopped on exit."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_loop,
        kwargs={"step": step, "interval": interval, "stop": stop, "log": log},
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


# ---------------------------------------------------------------------------- one mode


@dataclass(frozen=True)
class Seen:
    """Where an order's KeyDelivered is."""

    block_number: int
    tx_hash: str


@dataclass
class Delivery:
    paid_block: int
    delivered_block: int
    paid_seen: float
    delivered_seen: float

    @property
    def blocks(self) -> int:
        return self.delivered_block - self.paid_block

    @property
    def seconds(self) -> float:
        return self.delivered_seen - self.paid_seen


def latency_summary(samples: list[Delivery], runs: int) -> dict[str, Any]:
    blocks = [d.blocks for d in samples]
    seconds = [d.seconds for d in samples]
    return {
        "orders": len(samples),
        "runs": runs,
        "p50_blocks": pct(blocks, 0.5),
        "p95_blocks": pct(blocks, 0.95),
        "max_blocks": max(blocks),
        "p50_s": round(pct(seconds, 0.5), 3),
        "p95_s": round(pct(seconds, 0.95), 3),
        "max_s": round(max(seconds), 3),
    }


class ModeRun:
    """One Anvil (block time or automine) with the stack, the shop and the bot running."""

    def __init__(self, name: str, chain: BenchChain, work: Path, advance: Callable[..., None]):
        self.name = name
        self.chain = chain
        self.work = work
        self.advance = advance
        self.w3 = chain.w3
        self.rpc = chain.session.rpc
        self.listing_id, self.home, self.state_file = prepare_shop(chain, work, STOCK)
        self.bot = BotProcess(self.home, chain.node.url, work / "policy.toml", work / "bot.log")
        self.clock = BlockClock(chain.node.url)
        self.buyers = [Wallet.of(chain, chain.spare()) for _ in range(BURST_BUYERS)]

    def close(self) -> None:
        self.bot.stop()
        self.clock.stop()

    # ------------------------------------------------------------------ waiting

    def wait_until(self, done: Callable[[], bool], what: str, poll: float = 0.02) -> None:
        deadline = time.monotonic() + WAIT_TIMEOUT
        while not done():
            self.bot.check()
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{self.name}: {what} did not happen within {WAIT_TIMEOUT:g} s; the bot log "
                    f"({self.bot.log_path}) ends with:\n{self.bot.log_tail()}"
                )
            time.sleep(poll)

    def events(self, name: str, from_block: int, order_ids: set[int]) -> dict[int, Any]:
        head = self.w3.eth.block_number
        if from_block > head:  # Anvil refuses a range that starts past the head
            return {}
        found = self.chain.client("stranger").events(name, from_block, head)
        return {e.args["orderId"]: e for e in found if e.args["orderId"] in order_ids}

    def wait_delivered(self, order_ids: set[int], from_block: int) -> dict[int, Seen]:
        """Until every order has its KeyDelivered: each one's block and transaction. The logs
        are read raw and only from blocks not read yet (decoding a thousand events on every
        poll would take the CPU the bot is being measured on)."""
        delivered: dict[int, Seen] = {}
        cursor = from_block

        def done() -> bool:
            nonlocal cursor
            head = self.w3.eth.block_number
            if head >= cursor:
                query = {
                    "address": self.chain.escrow,
                    "fromBlock": hex(cursor),
                    "toBlock": hex(head),
                }
                for log in self.rpc.call("eth_getLogs", [query | {"topics": [KEY_DELIVERED]}]):
                    order_id = int(log["topics"][1], 16)
                    if order_id in order_ids:
                        delivered[order_id] = Seen(
                            int(log["blockNumber"], 16), log["transactionHash"]
                        )
                cursor = head + 1
            return len(delivered) == len(order_ids)

        self.wait_until(done, f"delivery of {len(order_ids)} order(s)", poll=0.05)
        return delivered

    # ------------------------------------------------------------------ bursts

    def burst(self, size: int) -> tuple[list[Delivery], dict[str, float]]:
        """`size` orders paid at once; returns each order's latency and the run's wall-clock
        span (first paid block → last delivered block) and reaction (→ first delivered block)."""
        price = gas_price(self.chain)
        signed = [
            self.buyers[i % len(self.buyers)].sign_pay(self.listing_id, price) for i in range(size)
        ]
        order_ids = {order_id for order_id, _ in signed}
        start_block = self.w3.eth.block_number + 1
        send_all(self.rpc, [raw for _, raw in signed])
        delivered = self.wait_delivered(order_ids, start_block)
        paid = self.events("OrderPaid", start_block, order_ids)
        if set(paid) != order_ids:
            raise BenchError(f"{self.name}: {len(order_ids) - len(paid)} payment(s) not found")
        samples = [
            Delivery(
                paid[o].block_number,
                delivered[o].block_number,
                self.clock.at(paid[o].block_number),
                self.clock.at(delivered[o].block_number),
            )
            for o in sorted(order_ids)
        ]
        first_paid = min(d.paid_seen for d in samples)
        return samples, {
            "span_s": max(d.delivered_seen for d in samples) - first_paid,
            "first_delivery_s": min(d.delivered_seen for d in samples) - first_paid,
            "paid_blocks": len({d.paid_block for d in samples}),
            "delivery_txs": len({seen.tx_hash for seen in delivered.values()}),
        }

    def bursts(self) -> dict[str, Any]:
        per_size: dict[str, Any] = {}
        pooled: list[Delivery] = []
        for size in BURSTS:
            samples: list[Delivery] = []
            runs: list[dict[str, float]] = []
            for _ in range(REPEATS[size]):
                self.advance(f"{self.name}: burst of {size}")
                got, run = self.burst(size)
                samples += got
                runs.append(run)
                time.sleep(0.3)  # let the bot go idle between bursts
            summary = latency_summary(samples, REPEATS[size])
            if self.chain.node.block_time:  # orders delivered n blocks after their payment
                blocks = [d.blocks for d in samples]
                summary["blocks_histogram"] = {str(n): blocks.count(n) for n in sorted(set(blocks))}
            span = max(r["span_s"] for r in runs)  # the slowest run
            summary["span_s"] = round(span, 3)
            summary["orders_per_s"] = round(size / span, 2)
            summary["first_delivery_s"] = round(max(r["first_delivery_s"] for r in runs), 3)
            summary["paid_blocks"] = max(r["paid_blocks"] for r in runs)
            summary["delivery_txs"] = max(r["delivery_txs"] for r in runs)
            per_size[str(size)] = summary
            pooled += samples
        return {"bursts": per_size, "all": latency_summary(pooled, sum(REPEATS.values()))}

    # ------------------------------------------------------------------ L1 refunds (1 s blocks)

    def wait_credit(self, wallet: Wallet, before: int, order_id: int, from_block: int) -> int:
        """Wait until the buyer's credit grew; returns the block of the order's refund."""
        self.wait_until(lambda: wallet.credit() > before, "the refund")
        refunds = self.events("OrderRefunded", from_block, {order_id})
        if order_id not in refunds:
            raise BenchError(f"{self.name}: the buyer's credit grew without an OrderRefunded")
        return refunds[order_id].block_number

    def misdelivery(self) -> list[dict[str, Any]]:
        """Another merchant (no bot) delivers a wrong key; the buyer's watch proves it."""
        chain = self.chain
        merchant = chain.spare()
        listing_id, _ = create_demo_listing(chain, merchant)
        batch, _ = commit_batch(chain, listing_id, make_units(L1_SAMPLES, "mis"), merchant=merchant)
        buyer = Wallet.of(chain, chain.spare())
        watch = BuyerWatch(
            buyer.client, buyer.seed, buyer.account.address, self.w3.eth.block_number
        )
        price = gas_price(chain)
        signed = [buyer.sign_pay(listing_id, price) for _ in range(L1_SAMPLES)]
        wait_receipts(self.w3, send_all(self.rpc, [raw for _, raw in signed]))
        seller = chain.client(merchant)
        samples = []
        with background(watch.step, BOT_INTERVAL):
            for order_id, _ in signed:
                self.advance(f"{self.name}: L1 misdelivery proof")
                before = buyer.credit()
                unit = batch.take()
                wrong = StockUnit(
                    unit.index,
                    normalise_key(unit.key.decode().replace("BENCH", "WRONG")),
                    new_salt(),
                )
                record = seal_unit(
                    order_id,
                    buyer.keys[order_id].point,
                    root=batch.root,
                    index=unit.index,
                    plaintext=wrong.plaintext,
                    commitment=unit.commitment,
                    fingerprint=unit.fingerprint,
                )
                result = seller.deliver(order_id, record, batch.proof(unit))
                delivered_block = result.receipt["blockNumber"]
                refund_block = self.wait_credit(buyer, before, order_id, delivered_block)
                if not self.events("MisdeliveryProven", delivered_block, {order_id}):
                    raise BenchError(f"{self.name}: refunded without a misdelivery proof")
                samples.append(
                    {
                        "seconds": self.clock.at(refund_block) - self.clock.at(delivered_block),
                        "blocks": refund_block - delivered_block,
                    }
                )
        return samples

    def verifier_confirmed(self) -> list[dict[str, Any]]:
        """Disputed orders (key-invalid) of the bot's listing: the buyer sends the key to the
        verifier, the issuer says redeemed, the verdict goes on chain, the bot refunds."""
        chain = self.chain
        buyer = Wallet.of(chain, chain.spare())
        price = gas_price(chain)
        start = self.w3.eth.block_number + 1
        signed = [buyer.sign_pay(self.listing_id, price) for _ in range(L1_SAMPLES)]
        order_ids = [order_id for order_id, _ in signed]
        send_all(self.rpc, [raw for _, raw in signed])
        self.wait_delivered(set(order_ids), start)
        disputes = [buyer.sign_dispute(order_id, price) for order_id in order_ids]
        wait_receipts(self.w3, send_all(self.rpc, disputes))
        time.sleep(2 * BOT_INTERVAL)  # the bot sees the disputes (policy: wait) before we start

        sim = IssuerSimulator()
        rng = random.Random(7)
        store = DecisionStore.at(self.work / "verifier.sqlite")
        samples = []
        with serve_in_thread(create_simulator_app(sim)) as issuer_url:
            adapter = HttpJsonAdapter(f"{issuer_url}/redeem-check", timeout=5.0)
            service = VerifierService(
                chain.client("stranger"), chain.account("verifier"), adapter, store, RetryPolicy()
            )
            try:
                with (
                    serve_in_thread(create_verifier_app(service)) as url,
                    VerifierClient(url) as verifier,
                ):
                    for order_id in order_ids:
                        self.advance(f"{self.name}: L1 verifier-confirmed refund")
                        opened = open_delivery(buyer.client, order_id, buyer.keys[order_id])
                        if not opened.check.ok:
                            raise BenchError(f"{self.name}: the bot delivered a key that fails")
                        sim.set_keys({opened.key_text: "redeemed"})
                        # Submit at a random point of the block interval: the previous sample
                        # ended right at a new block, and every sample would start in phase.
                        time.sleep(rng.uniform(0, chain.node.block_time or 0))
                        before = buyer.credit()
                        from_block = self.w3.eth.block_number
                        submitted = time.monotonic()
                        decision = verifier.check_key(
                            order_id,
                            opened.key_text,
                            expect_verifier=chain.account("verifier").address,
                            expect_chain_id=self.w3.eth.chain_id,
                            expect_escrow=chain.escrow,
                        )
                        answered = time.monotonic()
                        if decision["outcome"] != "refund_pending":
                            raise BenchError(f"{self.name}: verifier decided {decision}")
                        refund_block = self.wait_credit(buyer, before, order_id, from_block)
                        status = buyer.client.order(order_id).status
                        if status is not OrderStatus.REFUNDED:
                            raise BenchError(f"{self.name}: order ended {status.name}")
                        refunded = self.clock.at(refund_block)
                        attested = self.events("VerifierAttested", from_block, {order_id})
                        verdict_block = attested[order_id].block_number
                        samples.append(
                            {
                                "seconds": refunded - submitted,
                                "verifier_answer_s": answered - submitted,
                                "verdict_mined_s": self.clock.at(verdict_block) - submitted,
                                "bot_refund_blocks": refund_block - verdict_block,
                            }
                        )
            finally:
                adapter.close()
                store.close()
        return samples

    # ------------------------------------------------------------------ sustained throughput

    def backlog(self) -> dict[str, Any]:
        """BACKLOG orders paid while the bot is paused; then resumed: the keys it delivers per
        second, and in how many transactions."""
        self.advance(f"{self.name}: backlog of {BACKLOG}")
        price = gas_price(self.chain)
        baskets = [
            self.buyers[i % len(self.buyers)].sign_pay_basket(self.listing_id, BASKET, price)
            for i in range(BACKLOG // BASKET)
        ]
        order_ids = {order_id for ids, _ in baskets for order_id in ids}
        start_block = self.w3.eth.block_number + 1
        self.bot.pause()
        try:
            wait_receipts(self.w3, send_all(self.rpc, [raw for _, raw in baskets]))
            time.sleep(0.3)  # the paused bot cannot have seen anything; settle the node
            resumed = time.monotonic()
        finally:
            self.bot.resume()
        delivered = self.wait_delivered(order_ids, start_block)
        last = max(self.clock.at(seen.block_number) for seen in delivered.values())
        first = min(self.clock.at(seen.block_number) for seen in delivered.values())
        txs = len({seen.tx_hash for seen in delivered.values()})
        return {
            "keys": BACKLOG,
            "seconds": round(last - resumed, 3),
            "first_delivery_s": round(first - resumed, 3),
            "keys_per_s": round(BACKLOG / (last - resumed), 1),
            "transactions": txs,
            "keys_per_transaction": round(BACKLOG / txs, 1),
        }

    # ------------------------------------------------------------------ raw throughput

    def raw_throughput(self) -> dict[str, Any]:
        """Plain ETH transfers sent like the bursts (pre-signed, local nonces, no waiting between
        sends), until the last receipt: the transactions per second Anvil accepts here. Median
        of RAW_ROUNDS rounds (one round is under a second: noisy on a small machine)."""
        senders = [Wallet.of(self.chain, self.chain.spare()) for _ in range(RAW_SENDERS)]
        sink = Web3.to_checksum_address("0x" + "fa" * 20)
        price = gas_price(self.chain)
        rates = []
        for _ in range(RAW_ROUNDS):
            self.advance(f"{self.name}: raw ETH transfers")
            raws = [senders[i % RAW_SENDERS].sign_transfer(sink, price) for i in range(RAW_TXS)]
            started = time.monotonic()
            hashes = send_all(self.rpc, raws)
            wait_receipts(self.w3, hashes)
            rates.append(RAW_TXS / (time.monotonic() - started))
        return {
            "raw_txs": RAW_TXS,
            "raw_rounds_tx_per_s": [round(r, 1) for r in rates],
            "raw_tx_per_s": round(statistics.median(rates), 1),
        }


def run_mode(name: str, block_time: float | None, bar: Any) -> dict[str, Any]:
    steps = 2 + sum(REPEATS.values()) + (2 * L1_SAMPLES if block_time else RAW_ROUNDS + 1)
    task = bar.add_task(f"{name}: starting Anvil", total=steps)

    def advance(description: str | None = None) -> None:
        bar.update(task, advance=1, description=description or name)

    work = Path(tempfile.mkdtemp(prefix=f"fairkey-bench-delivery-{name}-"))
    result: dict[str, Any] = {"block_time_s": block_time}
    ok = False
    # In-process services (buyer watch, verifier) log to the work folder, not over the progress.
    handler = logging.FileHandler(work / "services.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger("fairkey"), log]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        with bench_chain(spare_accounts=12, block_time=block_time) as chain:
            result["anvil_version"] = chain.anvil_version
            bar.update(task, description=f"{name}: listing, vault, stock")
            run = ModeRun(name, chain, work, advance)
            try:
                advance(f"{name}: starting the bot")
                run.bot.start()
                run.bot.wait_ready(run.state_file)
                advance(f"{name}: bot running")
                result.update(run.bursts())
                if block_time:
                    result["l1"] = {
                        "misdelivery": run.misdelivery(),
                        "verifier_confirmed": run.verifier_confirmed(),
                    }
                else:
                    # Raw first: Anvil's automine slows as its chain grows (a thousand more
                    # orders take a third off the transfers per second), so the baseline is
                    # taken at its best, before the backlog.
                    result["raw"] = run.raw_throughput()
                    result["backlog"] = run.backlog()
                run.bot.check()
            finally:
                run.close()
        ok = True
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        handler.close()
        bar.update(task, description=f"{name}: {'done' if ok else 'FAILED'}")
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            console.print(f"[red]{name}: kept the work folder (logs, vault): {work}[/]")
    return result


# ---------------------------------------------------------------------------- report


def l1_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [s["seconds"] for s in samples]
    return {
        "samples": len(samples),
        "p50_s": round(pct(seconds, 0.5), 3),
        "p95_s": round(pct(seconds, 0.95), 3),
        "max_s": round(max(seconds), 3),
        "samples_s": [round(s, 3) for s in seconds],
        "details": [
            {k: round(v, 3) if isinstance(v, float) else v for k, v in s.items()} for s in samples
        ],
    }


def build_report(modes: dict[str, dict[str, Any]], elapsed: float) -> dict[str, Any]:
    one_s, auto = modes["block_1s"], modes["automine"]
    l1 = {kind: l1_summary(samples) for kind, samples in one_s.pop("l1").items()}
    all_l1 = [s for kind in l1.values() for s in kind["samples_s"]]
    raw = auto.pop("raw")
    backlog = auto.pop("backlog")
    bot_rate = backlog["keys_per_s"]
    figures = {
        "delivery_p95_blocks": one_s["all"]["p95_blocks"],
        "l1_refund_p95_s": round(pct(all_l1, 0.95), 3),
        "bot_vs_raw_tx_ratio": round(bot_rate / raw["raw_tx_per_s"], 3),
    }
    missed = [
        name
        for name, limit in TARGETS.items()
        if not (figures[name] <= limit if TARGET_OPS[name] == "<=" else figures[name] >= limit)
    ]
    return {
        "anvil_version": one_s.pop("anvil_version"),
        "bot": {"interval_s": BOT_INTERVAL, "policy": BOT_POLICY},
        "modes": {
            name: {k: v for k, v in m.items() if k != "anvil_version"} for name, m in modes.items()
        },
        **figures,
        "l1": l1,
        "throughput": {
            "raw_tx_per_s": raw["raw_tx_per_s"],
            "bot_keys_per_s": bot_rate,
            "raw_txs": raw["raw_txs"],
            "raw_rounds_tx_per_s": raw["raw_rounds_tx_per_s"],
            "bot_keys": backlog["keys"],
            "bot_transactions": backlog["transactions"],
            "bot_keys_per_transaction": backlog["keys_per_transaction"],
            "bot_duration_s": backlog["seconds"],
            "bot_first_delivery_s": backlog["first_delivery_s"],
            "burst_100_orders_per_s": auto["bursts"][str(max(BURSTS))]["orders_per_s"],
        },
        "targets": {name: f"{TARGET_OPS[name]} {limit}" for name, limit in TARGETS.items()},
        "targets_met": not missed,
        "targets_missed": missed,
        "duration_s": round(elapsed, 1),
    }


def print_report(report: dict[str, Any], out_path: Path) -> None:
    def verdict(name: str, limit: str) -> str:
        missed = name in report["targets_missed"]
        return f"{limit} [red]NO[/]" if missed else f"{limit} [green]✓[/]"

    label = {"block_1s": "1 s", "automine": "auto"}
    rows: list[list[str] | None] = []
    for mode, data in report["modes"].items():
        for size, b in data["bursts"].items():
            runs = f" ×{b['runs']}" if b["runs"] > 1 else ""
            rows.append(
                [
                    f"{label[mode]} · burst {size}{runs}",
                    f"{b['p50_blocks']} / {b['p95_blocks']}",
                    f"{b['p50_s']:.2f} / {b['p95_s']:.2f}",
                    f"{b['orders_per_s']:.1f}",
                    "",
                ]
            )
        a = data["all"]
        target = verdict("delivery_p95_blocks", "≤ 2") if mode == "block_1s" else ""
        rows.append(
            [
                f"{label[mode]} · all {a['orders']} orders",
                f"{a['p50_blocks']} / {a['p95_blocks']}",
                f"{a['p50_s']:.2f} / {a['p95_s']:.2f}",
                "",
                target,
            ]
        )
        rows.append(None)
    for kind, s in report["l1"].items():
        name = {"misdelivery": "misdelivery", "verifier_confirmed": "verifier"}[kind]
        rows.append(
            [f"1 s · L1 {name} ×{s['samples']}", "", f"{s['p50_s']:.2f} / {s['p95_s']:.2f}", "", ""]
        )
    rows.append(
        [
            "1 s · l1_refund_p95_s",
            "",
            f"{report['l1_refund_p95_s']:.2f}",
            "",
            verdict("l1_refund_p95_s", "≤ 5 s"),
        ]
    )
    rows.append(None)
    t = report["throughput"]
    rows.append(
        [
            f"auto · raw transfers {t['raw_txs']} ×{len(t['raw_rounds_tx_per_s'])}",
            "",
            "",
            f"{t['raw_tx_per_s']:.1f}",
            "",
        ]
    )
    rows.append(
        [
            f"auto · bot, backlog of {t['bot_keys']} keys ({t['bot_transactions']} txs)",
            "",
            "",
            f"{t['bot_keys_per_s']:.1f}",
            "",
        ]
    )
    rows.append(
        [
            "auto · bot_vs_raw_tx_ratio",
            "",
            "",
            f"{report['bot_vs_raw_tx_ratio']:.3f}",
            verdict("bot_vs_raw_tx_ratio", "≥ 3.0"),
        ]
    )
    print_table(
        f"fairkey merchant bot ({report['anvil_version']}, bot interval "
        f"{report['bot']['interval_s']} s)",
        [
            "mode · what",
            ("blocks p50/p95", "right"),
            ("s p50/p95", "right"),
            ("per s", "right"),
            ("target", "right"),
        ],
        rows,
        footnotes=[
            "Delivery latency: KeyDelivered block − OrderPaid block; s = wall clock between the "
            "two blocks appearing at the node (head polled every 10 ms). auto = automine: one "
            "block per transaction, so 'blocks' counts the transactions in between.",
            "per s: orders ÷ wall clock from the first paid block to the last delivered block; "
            "the backlog: keys delivered ÷ wall clock from the resume to the last delivery block "
            "(deliverMany batches), against plain transfers (one transaction each).",
            "L1 misdelivery proof: wrong key's delivery mined → the buyer watch's proof mined "
            "(credit withdrawable). L1 verifier refund: the buyer posts the key to the verifier "
            "→ the bot's refund mined.",
            f"JSON: {out_path}",
        ],
    )


def main() -> int:
    started = time.monotonic()
    modes: dict[str, dict[str, Any]] = {}
    try:
        with progress() as bar:
            for name, block_time in MODES.items():
                modes[name] = run_mode(name, block_time, bar)
    except BenchError as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    return finish("delivery", build_report(modes, time.monotonic() - started), print_report)


if __name__ == "__main__":
    sys.exit(main())
