"""Gas and chain time of fairkey's community court, measured on a fresh Anvil (automine).

Run: ``.venv/bin/python -m bench.court`` (also ``python bench/court.py``), ≈ 35 – 45 s.
Prints a table and writes bench/out/latest/court.json (bench/out/court.json with BENCH_SAVE=1);
exits 1 if a target is missed. What each figure means: bench/README.md ("Court").

- **Drawing**: the gas of seating a 3-juror panel (`draw` until the round is drawn) from pools of
  10, 100, 1,000 and 10,000 stakers, the median over several cases per pool size, each with its
  own TestRandomness seed. The pool grows 10 → 100 → 1,000 → 10,000 and each size is measured
  before it grows (stakers are funded with batched `anvil_setBalance`, their `setStake`
  transactions signed locally and sent in JSON-RPC batches with automine off, then mined).
- **Votes**: a juror's own `commit`, a reveal sent alone, and relayed votes (one `commitSigned`
  batch and one `reveal` batch over 12 seats of 4 cases) per juror, on the 10,000-staker pool.
- **Chain time** of a first round on the default timings (`CourtParams()`, the default
  BlockhashRandomness) from the case's opening to `CaseExecuted`: everyone acting at once, and
  nobody acting early. The clock moves with `ChainClock` (evm_increaseTime), never by sleeping.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/court.py`: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coincurve import PrivateKey
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from rich.markup import escape

from arbitration.court_client import Choice, CourtClient, Period, seats_of
from arbitration.court_logs import CourtLogs
from arbitration.deploy import CourtParams, deploy_court
from bench.common import (
    BenchChain,
    BenchError,
    bench_chain,
    console,
    finish,
    fmt_gas,
    print_table,
    progress,
)
from fairkey.chain.errors import ContractRevert
from fairkey.chain.jsonrpc import JsonRpc
from fairkey.chain.session import TxResult

NAME = "court"
POOL_SIZES = (10, 100, 1_000, 10_000)
CASES_PER_SIZE = 5  # measured draws per pool size (median reported)
SEATS = 3  # round 0
DRAW_ITERATIONS = 30  # = seats × ATTEMPTS_PER_SEAT: the most a 3-seat round can use in one call
OWN_VOTE_CASES = 2  # cases whose jurors commit and reveal themselves (6 samples each)
RELAYED_CASES = 4  # 4 cases × 3 seats = 12 relayed commits and reveals in one batch each

# Stakers: weights 1..10 × the minimum stake, so the sortition is really stake-weighted.
STAKE_STEPS = 10
STAKE_GAS = 400_000  # fixed gas limit of a pre-signed setStake (≈ 130k used)
VOTE_BUDGET = 10**16  # ETH each staker keeps for its own commits and reveals
# A batch of MINE_CHUNK setStake (200 M gas of limits, ≈ 65 M used) fits in one block, which
# stays under half full: the base fee only falls, one gas price fits every transaction.
BLOCK_GAS_LIMIT = 1_000_000_000
RPC_BATCH = 500
MINE_CHUNK = 500  # setStake transactions per block when building the pool

TARGETS: dict[str, tuple[str, float]] = {
    "draw_3_of_10000_gas": ("<=", 150_000),
    "draw_growth_1k_to_10k": ("<=", 1.3),
    "commit_gas": ("<=", 60_000),
    "reveal_gas": ("<=", 80_000),
    "relayed_vote_gas_per_juror": ("<=", 40_000),
    "first_round_hours_worst": ("<=", 24),
}

CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}


# ---------------------------------------------------------------------------- stakers


@dataclass(frozen=True)
class Staker:
    index: int
    key: bytes
    address: str
    stake: int


def make_stakers(start: int, count: int, min_stake: int, tag: str = "pool") -> list[Staker]:
    """Deterministic staker keys (keccak of a tag and an index: reproducible pools, never funded
    outside this Anvil); addresses derived with coincurve (≈ 30 µs each)."""
    stakers = []
    for i in range(start, start + count):
        key = keccak(f"fairkey bench court {tag} juror".encode() + i.to_bytes(8, "big"))
        public = PrivateKey(key).public_key.format(compressed=False)[1:]
        address = to_checksum_address(keccak(public)[-20:])
        stakers.append(Staker(i, key, address, min_stake * (1 + (i * 7) % STAKE_STEPS)))
    return stakers


def set_stake_data(stake: int) -> bytes:
    return keccak(text="setStake(uint256)")[:4] + stake.to_bytes(32, "big")


# ---------------------------------------------------------------------------- gas profiles


def _hex(tx_hash: Any) -> str:
    return tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()


def _median_tx(gas: list[int], txs: list[Any]) -> Any:
    """The transaction whose gas is the (lower) median of `gas`."""
    order = sorted(range(len(gas)), key=gas.__getitem__)
    return txs[order[(len(order) - 1) // 2]]


# Anvil's struct logs are empty unless the node runs with --steps-tracing, but its JS tracers
# work: each step's opcode, gas left and depth (and the slot of SLOAD / SSTORE). Anvil's
# `getCost()` is not the dynamic cost, so costs are taken from the gas left (`gas_profile`).
STEP_TRACER = """{
  steps: [],
  step: function (log, db) {
    var op = log.op.toString();
    var e = [op, log.getGas(), log.getDepth()];
    if (op == "SLOAD" || op == "SSTORE") e.push(log.stack.peek(0).toString(16));
    this.steps.push(e);
  },
  fault: function (log, db) {},
  result: function (ctx, db) { return this.steps; }
}"""


def _kind(op: str, cost: int) -> str:
    if op == "SLOAD":
        return "SLOAD cold (2,100)" if cost >= 2100 else "SLOAD warm (100)"
    if op == "SSTORE":
        if cost >= 20_000:
            return "SSTORE 0 → x (20,000 + cold)"
        if cost >= 2_900:
            return "SSTORE x → y (2,900 + cold)"
        return "SSTORE rewrite (100)"
    if op.startswith("LOG"):
        return "LOG (events)"
    if op == "KECCAK256":
        return "KECCAK256"
    if op in CALLS:
        return f"{op} (incl. callee)"
    return "other opcodes"


def gas_profile(
    rpc: JsonRpc, tx_hash: str, names: Callable[[int], str] | None = None
) -> dict[str, Any]:
    """Where a transaction's gas goes (debug_traceTransaction with STEP_TRACER): each top-level
    step's cost is the gas left before it minus the gas left at the next step of the same frame
    (so a call covers what its callee spent), grouped by kind: storage reads (cold 2,100 / warm
    100), writes by what they cost, events, hashing, calls, other opcodes. `intrinsic` = gas
    limit − gas left at the first step (21,000 + calldata); `refund` = intrinsic + execution −
    gasUsed (EIP-3529 refunds; negative if the Prague calldata floor applied instead).
    With `names` (slot → the court variable it belongs to, `SlotNames`), `storage` lists the
    top-level reads and writes per variable: "cold" / "warm" reads, writes by cost."""
    steps = rpc.call("debug_traceTransaction", [tx_hash, {"tracer": STEP_TRACER}])
    tx = rpc.call("eth_getTransactionByHash", [tx_hash])
    receipt = rpc.call("eth_getTransactionReceipt", [tx_hash])
    cost = [0] * len(steps)
    next_at_depth: dict[int, int] = {}  # walking backwards: the next step of each open frame
    for i in range(len(steps) - 1, -1, -1):
        depth = steps[i][2]
        j = next_at_depth.get(depth)
        cost[i] = steps[i][1] - steps[j][1] if j is not None else 0  # a frame's last step
        next_at_depth[depth] = i
        for deeper in [d for d in next_at_depth if d > depth]:
            del next_at_depth[deeper]  # a callee's frame: not this frame's next step
    buckets: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    cold_slots: set[int] = set()
    storage: dict[str, Counter[str]] = {}
    for step, c in zip(steps, cost, strict=True):
        if step[2] != 1:
            continue  # counted in the call that made it
        kind = _kind(step[0], c)
        buckets[kind] += c
        counts[kind] += 1
        if step[0] in ("SLOAD", "SSTORE"):
            slot = int(step[3], 16)
            if step[0] == "SLOAD" and c >= 2100:
                cold_slots.add(slot)
            if names is not None:
                what = "cold" if step[0] == "SLOAD" and c >= 2100 else "warm"
                what = what if step[0] == "SLOAD" else f"write {c:,}"
                storage.setdefault(names(slot), Counter())[what] += 1
    used = int(receipt["gasUsed"], 16)
    intrinsic = int(tx["gas"], 16) - steps[0][1] if steps else used
    execution = sum(buckets.values())
    return {
        "gas_used": used,
        "intrinsic": intrinsic,
        "calldata_bytes": (len(tx["input"]) - 2) // 2,
        "execution": execution,
        "refund": intrinsic + execution - used,
        "cold_slots_read": len(cold_slots),
        "by_kind": {k: {"gas": buckets[k], "count": counts[k]} for k in sorted(buckets)},
        **({"storage": {k: dict(v) for k, v in storage.items()}} if names is not None else {}),
    }


# The court's storage layout (solc assigns slots in inheritance order: CourtLedger → CourtJurors
# → CourtCases → CourtVotes), to name the slots a profile reads and writes. `SlotNames.check`
# compares it with the live contract and the profiles go unnamed if it no longer matches.
SLOT_CREDITS, SLOT_TREE_SIZE, SLOT_TREE_TOTAL, SLOT_TREE_NODES = 0, 1, 2, 3
SLOT_STAKES, SLOT_SEATS, SLOT_JUROR_OF_ID, SLOT_PENDING_DRAWS = 4, 5, 6, 7
SLOT_CASE_COUNT, SLOT_CASES, SLOT_ROUNDS, SLOT_SEAT_WORDS, SLOT_COMMIT_ROOTS = 8, 9, 10, 11, 12


def _mapping_slot(key: int | str | bytes, base: int) -> int:
    if isinstance(key, bytes):
        raw = key
    elif isinstance(key, str):
        raw = bytes.fromhex(key[2:]).rjust(32, b"\0")
    else:
        raw = key.to_bytes(32)
    return int.from_bytes(keccak(raw + base.to_bytes(32)))


class SlotNames:
    """slot → "tree node", "_stakes[juror]", "_cases[case].slot0", … for the slots of the
    court's jurors (`addresses`, ids 1..`ids`) and cases 1..`cases`."""

    def __init__(self, addresses: list[str], ids: int, cases: int) -> None:
        names: dict[int, str] = {
            SLOT_TREE_SIZE: "_tree.size",
            SLOT_TREE_TOTAL: "_tree.total",
            SLOT_PENDING_DRAWS: "_pendingDraws",
            SLOT_CASE_COUNT: "_caseCount",
        }
        for i in range(1, ids + 1):
            names[_mapping_slot(i, SLOT_TREE_NODES)] = "_tree.nodes (sortition tree)"
            names[_mapping_slot(i, SLOT_JUROR_OF_ID)] = "_jurorOfId[id]"
        for address in addresses:
            names[_mapping_slot(address, SLOT_STAKES)] = "_stakes[juror]"
            names[_mapping_slot(address, SLOT_SEATS)] = "_seats[juror]"
        for case in range(1, cases + 1):
            base = _mapping_slot(case, SLOT_CASES)
            for k in range(3):
                names[base + k] = f"_cases[case].slot{k}"
            rounds = _mapping_slot(case, SLOT_ROUNDS)
            for r in range(2):
                for k in range(3):
                    names[_mapping_slot(r, rounds) + k] = f"_rounds[case][{r}].slot{k}"
            words = _mapping_slot(case, SLOT_SEAT_WORDS)
            for w in range(2):
                names[_mapping_slot(w, words)] = "_seatWords[case][word]"
        self.names = names
        self.roots: set[int] = set()  # slots of commitment roots, once their roots are known

    def add_roots(self, roots: list[bytes]) -> None:
        """Names the slots of these commitment roots (`_commitRoots[root]`, keyed by the root)."""
        for root in roots:
            self.names[_mapping_slot(root, SLOT_COMMIT_ROOTS)] = "_commitRoots[root]"

    def __call__(self, slot: int) -> str:
        return self.names.get(slot, "other slot")

    @staticmethod
    def check(rpc: JsonRpc, court: str, expected: dict[int, int]) -> bool:
        """Whether the layout's plain slots hold what the contract reports (tree size, …)."""
        for slot, value in expected.items():
            if int(rpc.call("eth_getStorageAt", [court, hex(slot), "latest"]), 16) != value:
                return False
        return True


# ---------------------------------------------------------------------------- the benchmark


@dataclass
class DrawSample:
    case_id: int
    seed: int
    gas: int
    calls: int
    attempts: int
    tx: str


@dataclass
class PoolBuild:
    size: int
    added: int
    seconds: float
    blocks: int
    stake_gas_median: int
    stake_gas_max: int
    total_stake: int


@dataclass
class CourtBench:
    chain: BenchChain
    params: CourtParams = field(default_factory=CourtParams)
    stakers: list[Staker] = field(default_factory=list)
    pools: list[PoolBuild] = field(default_factory=list)
    draws: dict[int, list[DrawSample]] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        chain = self.chain
        self.session = chain.session  # the deployer: opens cases, draws, passes periods
        self.rpc = JsonRpc(chain.node.url, timeout=120.0, max_batch=RPC_BATCH)
        self.chain_id = chain.w3.eth.chain_id
        self.rng = self.session.deploy("TestRandomness")
        address, _ = deploy_court(self.session, self.params, self.rng)
        self.court = CourtClient(self.session, address)
        self.arbitrable = self.session.contract(
            "TestArbitrable", self.session.deploy("TestArbitrable", address)
        )
        self.rng_contract = self.session.contract("TestRandomness", self.rng)
        self.buyer = chain.account("buyer").address
        self.merchant = chain.account("merchant").address
        self.by_address: dict[str, Staker] = {}

    # ------------------------------------------------------------------ helpers

    def juror(self, address: str, court: CourtClient | None = None) -> CourtClient:
        staker = self.by_address[address.lower()]
        return (court or self.court).as_account(Account.from_key(staker.key))

    def open_case(self, arbitrable=None, court: CourtClient | None = None) -> tuple[int, TxResult]:
        arbitrable = arbitrable or self.arbitrable
        court = court or self.court
        cost = court.session.call(court.f.arbitrationCost(b""))
        result = self.session.send(arbitrable.functions.open(self.buyer, self.merchant), cost)
        return result.event("CaseOpened").args["caseId"], result

    def draw_panel(self, case_id: int, court: CourtClient | None = None) -> list[TxResult]:
        """`draw` until the round's panel is seated (normally one call)."""
        court = court or self.court
        results = []
        while True:
            results.append(court.draw(case_id, DRAW_ITERATIONS))
            r = court.round(case_id, court.case(case_id).round)
            if r.aborted:
                raise BenchError(f"case {case_id}: the round was aborted ({r.drawn} drawn)")
            if r.drawn == r.seats:
                return results
            if len(results) > 20:
                raise BenchError(f"case {case_id}: panel not seated after 20 draw calls")

    def wait_until(self, deadline: int) -> None:
        """Move the chain's clock so that the next block is at `deadline` or later."""
        now = self.chain.clock.now()
        if now < deadline:
            self.chain.clock.advance(deadline - now)

    # ------------------------------------------------------------------ the pool

    def grow_pool(self, size: int, bar) -> None:
        """Add stakers up to `size`: fund them (batched anvil_setBalance), sign their setStake
        locally with eth_account (nonce 0, fixed gas limit), then with automine off send them in
        JSON-RPC batches of MINE_CHUNK, `evm_mine` after each batch and until the pool is empty,
        then check every receipt and the tree's total. A worker thread signs the next batch
        while Anvil mines the last one.

        Blocks of MINE_CHUNK: Anvil's block building slows down with the size of its pool
        (≈ 10 ms per transaction with 9,000 pending, against ≈ 0.2 ms with 500)."""
        if self._pending_draws():
            raise BenchError("a draw is pending: the tree is frozen, stakes would only queue")
        started = time.monotonic()
        new = make_stakers(len(self.stakers), size - len(self.stakers), self.params.min_stake)
        rpc = self.rpc
        gas_price = max(2 * int(rpc.call("eth_gasPrice"), 16), 2 * 10**9)
        budget = STAKE_GAS * gas_price + VOTE_BUDGET
        rpc.batch_all([("anvil_setBalance", [s.address, hex(s.stake + budget)]) for s in new])
        label = f"pool {len(self.stakers):,} → {size:,}"
        signing = bar.add_task(f"{label}: sign setStake (eth_account)", total=len(new))
        mining = bar.add_task(f"{label}: send + mine", total=len(new))

        def sign(chunk: list[Staker]) -> list[str]:
            raws = []
            for s in chunk:
                tx = {
                    "to": self.court.address,
                    "value": s.stake,
                    "gas": STAKE_GAS,
                    "gasPrice": gas_price,
                    "nonce": 0,
                    "chainId": self.chain_id,
                    "data": set_stake_data(s.stake),
                }
                raws.append("0x" + bytes(Account.sign_transaction(tx, s.key).raw_transaction).hex())
            bar.advance(signing, len(chunk))
            return raws

        chunks = [new[i : i + MINE_CHUNK] for i in range(0, len(new), MINE_CHUNK)]
        receipts: list[dict[str, Any]] = []
        head = int(rpc.call("eth_blockNumber"), 16)

        def mine() -> int:
            nonlocal head
            rpc.call("evm_mine")
            head += 1
            block = rpc.call("eth_getBlockReceipts", [hex(head)])
            receipts.extend(block)
            bar.advance(mining, len(block))
            return len(block)

        rpc.call("evm_setAutomine", [False])
        try:
            rpc.call("evm_setBlockGasLimit", [hex(BLOCK_GAS_LIMIT)])
            with ThreadPoolExecutor(max_workers=1) as signer:
                pending = signer.submit(sign, chunks[0])
                for k in range(len(chunks)):
                    raws = pending.result()
                    if k + 1 < len(chunks):
                        pending = signer.submit(sign, chunks[k + 1])
                    rpc.batch_all([("eth_sendRawTransaction", [raw]) for raw in raws])
                    mine()
            while True:  # normally empty already: a batch fits in one block
                status = rpc.call("txpool_status")
                if int(status["pending"], 16) == 0 and int(status["queued"], 16) == 0:
                    break
                if mine() == 0:
                    raise BenchError(f"evm_mine mined nothing; txpool: {status}")
        finally:
            rpc.call("evm_setAutomine", [True])
        failed = [r["transactionHash"] for r in receipts if r["status"] != "0x1"]
        if len(receipts) != len(new) or failed:
            raise BenchError(
                f"setStake: {len(receipts)} of {len(new)} mined, {len(failed)} failed {failed[:3]}"
            )
        self.stakers.extend(new)
        self.by_address.update({s.address.lower(): s for s in new})
        total = sum(s.stake for s in self.stakers)
        last = self.stakers[-1]
        weight, tree_total = self.court.weight_of(last.address)
        if tree_total != total or weight != last.stake:
            raise BenchError(
                f"tree total {tree_total} ≠ sum of stakes {total} (or {last.address} weight "
                f"{weight} ≠ {last.stake}): stakes queued or lost"
            )
        gas = [int(r["gasUsed"], 16) for r in receipts]
        self.pools.append(
            PoolBuild(
                size,
                len(new),
                round(time.monotonic() - started, 2),
                len({r["blockNumber"] for r in receipts}),
                int(statistics.median(gas)),
                max(gas),
                total,
            )
        )

    def _pending_draws(self) -> bool:
        """Whether some round of the court still waits for its panel (the tree is frozen)."""
        for case_id in range(1, self.court.case_count() + 1):
            c = self.court.case(case_id)
            if c.period == Period.EVIDENCE and self.court.round(case_id, c.round).drawn < SEATS:
                return True
        return False

    # ------------------------------------------------------------------ drawing

    def measure_draws(self, size: int, bar) -> None:
        """CASES_PER_SIZE cases, one at a time (open, then draw: the usual case, the only draw
        pending), each with its own TestRandomness seed."""
        task = bar.add_task(f"draw 3 of {size:,} ({CASES_PER_SIZE} cases)", total=CASES_PER_SIZE)
        samples = []
        for k in range(CASES_PER_SIZE):
            seed = int.from_bytes(keccak(text=f"court bench seed {size} {k}"), "big")
            self.session.send(self.rng_contract.functions.setSeed(seed))
            case_id, opened = self.open_case()
            self.details.setdefault("open_case_gas", []).append(opened.gas_used)
            results = self.draw_panel(case_id)
            r = self.court.round(case_id, 0)
            samples.append(
                DrawSample(
                    case_id,
                    seed,
                    sum(res.gas_used for res in results),
                    len(results),
                    r.attempts,
                    _hex(results[-1].receipt["transactionHash"]),
                )
            )
            bar.advance(task)
        self.draws[size] = samples

    # ------------------------------------------------------------------ votes

    def votes(self, bar) -> None:
        """On the full pool: own commits and reveals (OWN_VOTE_CASES cases), then one relayed
        commitSigned batch and one reveal batch over RELAYED_CASES cases."""
        task = bar.add_task("votes: open and draw cases", total=OWN_VOTE_CASES + RELAYED_CASES)
        cases = []
        for _ in range(OWN_VOTE_CASES + RELAYED_CASES):
            case_id, _ = self.open_case()
            cases.append(case_id)
        for case_id in cases:
            self.draw_panel(case_id)
            bar.advance(task)
        start = max(self.court.case(c).period_start for c in cases)
        self.wait_until(start + self.params.evidence_period)
        for case_id in cases:
            self.court.pass_period(case_id)
        own, relayed = cases[:OWN_VOTE_CASES], cases[OWN_VOTE_CASES:]
        first, _ = seats_of(0)
        choices = (Choice.REFUND_BUYER, Choice.REFUND_BUYER, Choice.PAY_MERCHANT)
        seats = {
            c: [(first + s, self.court.juror_at(c, first + s), choices[s]) for s in range(SEATS)]
            for c in cases
        }

        task = bar.add_task("votes: commits", total=len(own) * SEATS + 1)
        commit_gas, commit_txs, own_commit_results = [], [], []
        for case_id in own:
            for seat, juror, choice in seats[case_id]:
                result = self.juror(juror).commit(case_id, seat, choice)
                result.event("VoteCommitted")
                own_commit_results.append(result)
                commit_gas.append(result.gas_used)
                commit_txs.append(result.receipt["transactionHash"])
                bar.advance(task)
        deadline = self.chain.clock.now() + 3600
        signed = [
            self.juror(juror).signed_commit(case_id, seat, choice, deadline)
            for case_id in relayed
            for seat, juror, choice in seats[case_id]
        ]
        relayer = self.court.as_account(self.chain.account("stranger"))
        commit_batch = relayer.relay_commits(signed)
        self._check_batch(relayer, commit_batch, "VoteCommitted", len(signed))
        bar.advance(task)

        for case_id in cases:
            if self.court.case(case_id).period != Period.COMMIT:
                raise BenchError(f"case {case_id} left its commit period before every commit")
            self.court.pass_period(case_id)  # every seat committed: ends early
            if self.court.case(case_id).period != Period.REVEAL:
                raise BenchError(f"case {case_id}: the commit period did not end early")

        task = bar.add_task("votes: reveals", total=len(own) * SEATS + 1)
        reveal_gas = []
        reveal_txs = []
        for case_id in own:
            for seat, juror, choice in seats[case_id]:
                client = self.juror(juror)
                result = client.reveal([client.reveal_item(case_id, seat, choice)])
                result.event("VoteRevealed")
                reveal_gas.append(result.gas_used)
                reveal_txs.append(result.receipt["transactionHash"])
                bar.advance(task)
        logs = CourtLogs(relayer)  # each reveal proves its commit under the batch's root
        items = [
            self.juror(juror).reveal_item(
                case_id, seat, choice, logs.commitment(case_id, seat).proof
            )
            for case_id in relayed
            for seat, juror, choice in seats[case_id]
        ]
        reveal_batch = relayer.reveal(items)
        self._check_batch(relayer, reveal_batch, "VoteRevealed", len(items))
        bar.advance(task)
        for case_id in cases:
            if self.court.round(case_id, 0).revealed != SEATS:
                raise BenchError(f"case {case_id}: not every seat revealed")

        n = len(signed)
        self.figures["commit_gas"] = int(statistics.median(commit_gas))
        self.figures["reveal_gas"] = int(statistics.median(reveal_gas))
        self.figures["relayed_vote_gas_per_juror"] = (
            commit_batch.gas_used + reveal_batch.gas_used
        ) // n
        self.details["votes"] = {
            "own_commits": commit_gas,
            "own_reveals": reveal_gas,
            "relayed_jurors": n,
            "relayed_cases": len(relayed),
            "commit_signed_batch": commit_batch.gas_used,
            "reveal_batch": reveal_batch.gas_used,
            "commit_signed_per_juror": commit_batch.gas_used // n,
            "reveal_batch_per_juror": reveal_batch.gas_used // n,
            "own_commit_plus_reveal": self.figures["commit_gas"] + self.figures["reveal_gas"],
        }
        # Every commitment root the votes stored (own commits: one each; the batch: one).
        self.commit_roots = [
            bytes(e.args["root"])
            for result in (*own_commit_results, commit_batch)
            for e in result.events
            if e.name == "VoteCommitted"
        ]
        self.vote_txs = {  # profiled: a median own commit and reveal, both batches
            "commit": _median_tx(commit_gas, commit_txs),
            "reveal": _median_tx(reveal_gas, reveal_txs),
            "commit_signed_12": commit_batch.receipt["transactionHash"],
            "reveal_batch_12": reveal_batch.receipt["transactionHash"],
        }

    def _check_batch(self, client: CourtClient, result: TxResult, event: str, n: int) -> None:
        refused = client.refusals(result)
        landed = sum(1 for e in result.events if e.name == event)
        if refused or landed != n:
            raise BenchError(f"{event}: {landed} of {n} landed, refused: {refused}")

    # ------------------------------------------------------------------ chain time

    def chain_time(self, bar) -> None:
        """A first round on the default timings and randomness (BlockhashRandomness): from the
        case's opening to CaseExecuted, everyone acting at once, then nobody acting early."""
        address, randomness = deploy_court(self.session, self.params)
        court = CourtClient(self.session, address)
        arbitrable = self.session.contract(
            "TestArbitrable", self.session.deploy("TestArbitrable", address)
        )
        jurors = make_stakers(0, 5, self.params.min_stake, tag="timing")
        self.rpc.batch_all(
            [("anvil_setBalance", [j.address, hex(j.stake + 10**18)]) for j in jurors]
        )
        for j in jurors:
            self.by_address[j.address.lower()] = j
            court.as_account(Account.from_key(j.key)).set_stake(j.stake)
        task = bar.add_task("chain time: first rounds (early, worst)", total=2)
        runs = {}
        for scenario in ("early", "worst"):
            runs[scenario] = self._first_round(court, arbitrable, scenario)
            bar.advance(task)
        self.figures["first_round_hours_early"] = runs["early"]["hours"]
        self.figures["first_round_hours_worst"] = runs["worst"]["hours"]
        self.details["chain_time"] = {"court": address, "randomness": randomness, **runs}

    def _first_round(self, court: CourtClient, arbitrable, scenario: str) -> dict[str, Any]:
        p = self.params
        case_id, opened = self.open_case(arbitrable, court)
        t_open = self.chain.w3.eth.get_block(opened.receipt["blockNumber"])["timestamp"]
        marks: dict[str, int] = {}

        def mark(name: str, result: TxResult) -> None:
            marks[name] = self.chain.w3.eth.get_block(result.receipt["blockNumber"])["timestamp"]

        # The randomness: the hash of a block fixed at the request (DELAY blocks later); a
        # keeper draws as soon as it exists. Blocks come with transactions: mine empty ones.
        ticket = court.round(case_id, 0).ticket
        while self.chain.w3.eth.block_number <= ticket:
            self.rpc.call("evm_mine")
        draws = self.draw_panel(case_id, court)
        mark("drawn", draws[-1])
        self.blockhash_draw_tx = _hex(draws[-1].receipt["transactionHash"])
        self.details.setdefault("draw_3_of_5_blockhash_gas", []).append(
            sum(d.gas_used for d in draws)
        )
        first, _ = seats_of(0)
        panel = [court.juror_at(case_id, first + s) for s in range(SEATS)]
        choices = (Choice.PAY_MERCHANT, Choice.PAY_MERCHANT, Choice.REFUND_BUYER)
        clients = [self.juror(j, court) for j in panel]

        start = court.case(case_id).period_start
        self.wait_until(start + p.evidence_period)  # evidence always runs its full time
        mark("commit", court.pass_period(case_id))
        start = court.case(case_id).period_start
        # early: all three commit at once; worst: two commit near the deadline, one never does
        voters = clients if scenario == "early" else clients[:2]
        if scenario == "worst":
            self.wait_until(start + p.commit_period - 600)
        for i, client in enumerate(voters):
            client.commit(case_id, first + i, choices[i])
        if scenario == "worst":
            self.wait_until(start + p.commit_period)
        mark("reveal", court.pass_period(case_id))
        start = court.case(case_id).period_start
        # early: every committed vote revealed at once; worst: one of the two never reveals
        revealers = voters if scenario == "early" else voters[:1]
        if scenario == "worst":
            self.wait_until(start + p.reveal_period - 600)
        court.reveal(
            [c.reveal_item(case_id, first + i, choices[i]) for i, c in enumerate(revealers)]
        )
        if scenario == "worst":
            self.wait_until(start + p.reveal_period)
        mark("appeal", court.pass_period(case_id))
        case = court.case(case_id)
        if case.period != Period.APPEAL:
            raise BenchError(f"timing case {case_id}: expected the appeal period, {case.period!r}")
        self.wait_until(case.period_start + p.appeal_period)  # nobody appeals: runs its full time
        executed = court.pass_period(case_id)
        mark("executed", executed)
        if not executed.event("CaseExecuted").args["accepted"]:
            raise BenchError(f"timing case {case_id}: the arbitrable refused the ruling")
        if court.case(case_id).period != Period.EXECUTED:
            raise BenchError(f"timing case {case_id} not executed")
        order = ["commit", "reveal", "appeal", "executed"]
        periods = {}
        previous = t_open
        for name, period in zip(order, ("evidence", "commit", "reveal", "appeal"), strict=True):
            periods[f"{period}_h"] = round((marks[name] - previous) / 3600, 3)
            previous = marks[name]
        return {
            "case_id": case_id,
            "hours": round((marks["executed"] - t_open) / 3600, 3),
            "seconds": marks["executed"] - t_open,
            "periods": periods,
            "drawn_after_s": marks["drawn"] - t_open,
            "committed": len(voters),
            "revealed": len(revealers),
            "ruling": int(executed.event("CaseExecuted").args["ruling"]),
        }

    # ------------------------------------------------------------------ baseline

    def baseline_transfer(self) -> None:
        sender, receiver = self.chain.spare(), self.chain.spare()
        w3 = self.chain.w3
        tx = {
            "to": receiver.address,
            "value": 1,
            "gas": 21_000,
            "gasPrice": w3.eth.gas_price,
            "nonce": w3.eth.get_transaction_count(sender.address),
            "chainId": self.chain_id,
        }
        self.baselines["eth_transfer"] = self.chain.signer(sender).send_raw(tx).gas_used

    # ------------------------------------------------------------------ run

    def run(self) -> None:
        with progress() as bar:
            for size in POOL_SIZES:
                self.grow_pool(size, bar)
                self.measure_draws(size, bar)
            self.votes(bar)
            self.chain_time(bar)
        self.baseline_transfer()
        for size in POOL_SIZES:
            self.figures[f"draw_3_of_{size}_gas"] = int(
                statistics.median(s.gas for s in self.draws[size])
            )
        self.figures["draw_growth_1k_to_10k"] = round(
            self.figures["draw_3_of_10000_gas"] / self.figures["draw_3_of_1000_gas"], 3
        )
        self.profiles()

    def median_draw(self, size: int) -> DrawSample:
        samples = sorted(self.draws[size], key=lambda s: s.gas)
        return samples[len(samples) // 2]

    def profiles(self) -> None:
        """Gas by kind (debug_traceTransaction) of the median draws at 1,000 and 10,000 and of
        the vote transactions."""
        txs = {f"draw_3_of_{n}": self.median_draw(n).tx for n in (1_000, 10_000)}
        txs.update({name: _hex(tx_hash) for name, tx_hash in self.vote_txs.items()})
        cases = self.court.case_count()
        _, total = self.court.weight_of(self.stakers[0].address)
        layout_ok = SlotNames.check(
            self.rpc,
            self.court.address,
            {SLOT_TREE_SIZE: len(self.stakers), SLOT_TREE_TOTAL: total, SLOT_CASE_COUNT: cases},
        )
        names = (
            SlotNames([s.address for s in self.stakers], len(self.stakers), cases)
            if layout_ok
            else None
        )
        if names is not None:
            names.add_roots(self.commit_roots)
        profiles = {}
        for name, tx_hash in txs.items():
            try:
                profiles[name] = gas_profile(self.rpc, tx_hash, names)
            except Exception as exc:  # noqa: BLE001 - a profile is an explanation, not a figure
                profiles[name] = {"error": str(exc)[:200]}
        profiles["draw_3_of_5_blockhash"] = gas_profile(self.rpc, self.blockhash_draw_tx)
        self.details["gas_profiles"] = profiles
        self.details["storage_layout_matched"] = layout_ok


# ---------------------------------------------------------------------------- report


def build_report(bench: CourtBench, anvil_version: str, elapsed: float) -> dict[str, Any]:
    figures = dict(bench.figures)
    ordered = [f"draw_3_of_{n}_gas" for n in POOL_SIZES] + [
        "draw_growth_1k_to_10k",
        "commit_gas",
        "reveal_gas",
        "relayed_vote_gas_per_juror",
        "first_round_hours_early",
        "first_round_hours_worst",
    ]
    figures = {k: figures[k] for k in ordered}
    missed = [
        name
        for name, (op, limit) in TARGETS.items()
        if not (figures[name] <= limit if op == "<=" else figures[name] >= limit)
    ]
    gas_figures = {k: v for k, v in figures.items() if k.endswith("_gas") or k.endswith("_juror")}
    eth = bench.baselines["eth_transfer"]
    return {
        "anvil_version": anvil_version,
        **figures,
        "baselines": dict(bench.baselines),
        "ratios": {
            "x_eth_transfer": {k: round(v / eth, 2) for k, v in gas_figures.items()},
            "relayed_vs_own_vote": round(
                figures["relayed_vote_gas_per_juror"]
                / (figures["commit_gas"] + figures["reveal_gas"]),
                3,
            ),
        },
        "targets": {name: f"{op} {limit:,}" for name, (op, limit) in TARGETS.items()},
        "targets_met": not missed,
        "targets_missed": missed,
        "params": asdict(bench.params),
        "details": {
            "draws": {
                str(size): [s.__dict__ for s in samples] for size, samples in bench.draws.items()
            },
            "draw_iterations": DRAW_ITERATIONS,
            "pools": [p.__dict__ for p in bench.pools],
            **bench.details,
        },
        "duration_s": round(elapsed, 1),
    }


def print_report(report: dict[str, Any], out_path: Path) -> None:
    eth = report["baselines"]["eth_transfer"]

    def verdict(name: str) -> tuple[str, str]:
        if name not in report["targets"]:
            return "", ""
        limit = report["targets"][name].replace("<=", "≤").replace(">=", "≥")
        return limit, "[red]NO[/]" if name in report["targets_missed"] else "[green]yes[/]"

    def gas_row(name: str, label: str) -> list[str]:
        value = report[name]
        return [label, fmt_gas(value), f"{value / eth:.2f}", *verdict(name)]

    details = report["details"]
    draws = details["draws"]
    rows: list[list[str] | None] = []
    for size in POOL_SIZES:
        samples = draws[str(size)]
        attempts = "/".join(str(s["attempts"]) for s in samples)
        rows.append(gas_row(f"draw_3_of_{size}_gas", f"draw 3 of {size:,} (attempts {attempts})"))
    growth = report["draw_growth_1k_to_10k"]
    rows.append(["draw_growth_1k_to_10k", f"×{growth:.3f}", "", *verdict("draw_growth_1k_to_10k")])
    rows.append(None)
    votes = details["votes"]
    rows.append(gas_row("commit_gas", "commit (juror's own, median of 6)"))
    rows.append(gas_row("reveal_gas", escape("reveal([item]) alone (median of 6)")))
    rows.append(
        gas_row(
            "relayed_vote_gas_per_juror",
            f"relayed vote per juror ({votes['relayed_jurors']} seats, "
            f"{votes['relayed_cases']} cases)",
        )
    )
    rows.append(None)
    for name, label in (
        ("first_round_hours_early", "first round, everyone acts at once"),
        ("first_round_hours_worst", "first round, nobody acts early"),
    ):
        limit, ok = verdict(name)
        rows.append([label, f"{report[name]:.3f} h", "", limit, ok])
    rows.append(None)
    rows.append(["baseline: ETH transfer", fmt_gas(eth), "1.00", "", ""])

    pools = details["pools"]
    time_early = details["chain_time"]["early"]["periods"]
    time_worst = details["chain_time"]["worst"]["periods"]
    print_table(
        f"fairkey court ({report['anvil_version']}, gasUsed from receipts)",
        ["figure", ("value", "right"), ("× 21k", "right"), ("target", "right"), "ok"],
        rows,
        footnotes=[
            f"draw: median of {CASES_PER_SIZE} cases per pool size (own TestRandomness seed "
            "each), opened and drawn one at a time once the pool was built; "
            f"draw(caseId, {DRAW_ITERATIONS}) until seated. Attempts include rejected candidates "
            "(a juror already on the panel, or without free stake).",
            "pool: "
            + ", ".join(
                f"{p['size']:,} ({p['added']:,} setStake in {p['blocks']} block(s), "
                f"{p['seconds']} s, median {fmt_gas(p['stake_gas_median'])} gas)"
                for p in pools
            ),
            f"relayed: (commitSigned {fmt_gas(votes['commit_signed_batch'])} + reveal batch "
            f"{fmt_gas(votes['reveal_batch'])}) / {votes['relayed_jurors']}; own commit + reveal "
            f"{fmt_gas(votes['own_commit_plus_reveal'])}.",
            "chain time, per period (h) early: "
            + ", ".join(f"{k[:-2]} {v}" for k, v in time_early.items())
            + "; worst: "
            + ", ".join(f"{k[:-2]} {v}" for k, v in time_worst.items())
            + " (CourtParams() defaults, BlockhashRandomness).",
            f"× 21k = gas / 21,000 (a plain ETH transfer). JSON: {out_path}",
        ],
    )
    print_profiles(details.get("gas_profiles", {}))


PROFILE_HEADERS = {
    "draw_3_of_1000": "draw 1k",
    "draw_3_of_10000": "draw 10k",
    "draw_3_of_5_blockhash": "draw 5 BH¹",
    "commit": "commit",
    "reveal": "reveal",
    "commit_signed_12": "cSigned×12",
    "reveal_batch_12": "reveal×12",
}


def _k(gas: int) -> str:
    return f"{gas / 1000:.1f}k"


def print_profiles(profiles: dict[str, Any]) -> None:
    """Gas by kind per profiled transaction (one table for the draws, one for the votes), then
    what each reads and writes, by court variable."""
    profiles = {k: v for k, v in profiles.items() if "by_kind" in v}
    kinds = list(KINDS)
    kinds += sorted({k for p in profiles.values() for k in p["by_kind"]} - set(kinds))
    legend = (
        "gas / count of the top-level steps of each kind (a call includes its callee). SLOAD "
        "cold = 2,100, warm = 100; SSTORE 0→x = 20,000 (+2,100 if cold), x→y = 2,900 (+2,100 if "
        "cold), again = 100. refund: EIP-3529 (e.g. _pendingDraws 1 → 0)."
    )
    for title, group, extra in (
        (
            "drawing",
            [n for n in profiles if n.startswith("draw")],
            "¹ the timing court's draw: BlockhashRandomness, 5 stakers; the others on the "
            "10,000-staker court with TestRandomness (two cold SLOADs of its own).",
        ),
        ("votes", [n for n in profiles if not n.startswith("draw")], ""),
    ):
        if not group:
            continue
        rows: list[list[str] | None] = []
        for kind in kinds:
            cells = [profiles[n]["by_kind"].get(kind) for n in group]
            if any(cells):
                rows.append(
                    [KINDS.get(kind, kind)]
                    + [f"{_k(c['gas'])} / {c['count']}" if c else "" for c in cells]
                )
        rows.append(None)
        for key in ("intrinsic", "execution", "refund", "gas_used"):
            rows.append([key, *(fmt_gas(profiles[n][key]) for n in group)])
        notes = [legend, extra] if extra else [legend]
        for name in group:
            storage = profiles[name].get("storage")
            if storage:
                parts = [
                    f"{variable}: " + ", ".join(f"{op} {n}" for op, n in sorted(ops.items()))
                    for variable, ops in sorted(
                        storage.items(), key=lambda kv: -kv[1].get("cold", 0)
                    )
                ]
                notes.append(escape(f"{PROFILE_HEADERS.get(name, name)} — " + "; ".join(parts)))
        print_table(
            f"where the gas goes: {title} (debug_traceTransaction)",
            ["kind", *((PROFILE_HEADERS.get(n, n), "right") for n in group)],
            rows,
            footnotes=notes,
        )


KINDS = {  # table order and short names of gas_profile's kinds
    "SLOAD cold (2,100)": "SLOAD cold",
    "SLOAD warm (100)": "SLOAD warm",
    "SSTORE 0 → x (20,000 + cold)": "SSTORE 0→x",
    "SSTORE x → y (2,900 + cold)": "SSTORE x→y",
    "SSTORE rewrite (100)": "SSTORE again",
    "STATICCALL (incl. callee)": "STATICCALL",
    "LOG (events)": "LOG",
    "KECCAK256": "KECCAK256",
    "other opcodes": "other ops",
}


def main() -> int:
    started = time.monotonic()
    try:
        with bench_chain(spare_accounts=4) as chain:
            anvil_version = chain.anvil_version
            console.print(f"{anvil_version} on {chain.node.url}")
            bench = CourtBench(chain)
            console.print(f"court {bench.court.address}, TestRandomness {bench.rng}")
            bench.run()
    except (BenchError, ContractRevert) as exc:
        console.print(f"[red]{type(exc).__name__}: {exc}[/]")
        return 2
    return finish(
        NAME, build_report(bench, anvil_version, time.monotonic() - started), print_report
    )


if __name__ == "__main__":
    sys.exit(main())
