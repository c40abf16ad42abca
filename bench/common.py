"""What every fairkey benchmark shares: a fresh Anvil with the stack deployed, demo listings and
stock built with the SDK, a results writer and a table printer.

Results go to the git-ignored ``bench/out/latest/<name>.json``; only a deliberate run with
``BENCH_SAVE=1`` (``make bench-save``) writes the committed ``bench/out/<name>.json``, and every
result records the machine it came from (``machine``).

Typical use::

    with bench_chain() as chain:
        listing_id, _ = create_demo_listing(chain)
        batch, _ = commit_batch(chain, listing_id, make_units(100, "demo"))
        ...
    write_results("latency", {"anvil_version": chain.anvil_version, ...})
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from web3 import Web3

from fairkey.chain.anvil import AnvilNode, ChainClock, dev_accounts
from fairkey.chain.artifacts import manifest_path
from fairkey.chain.deploy import Deployment, deploy_stack
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession, TxResult, http_web3
from fairkey.chain.types import ETH, ListingTerms
from fairkey.crypto.keys import StockUnit, new_salt, normalise_key
from fairkey.crypto.merkle import MerkleTree, build_stock_tree
from tests.support.stock_batch import StockBatch

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # committed results: written only when BENCH_SAVE=1
LATEST_DIR = OUT_DIR / "latest"  # every other run (git-ignored)
SAVE_ENV = "BENCH_SAVE"

# Named dev accounts (Anvil's public development mnemonic, in this order); further accounts are
# handed out by BenchChain.spare() to benchmarks that need fresh, untouched addresses.
ROLES = ("deployer", "treasury", "merchant", "buyer", "stranger", "verifier")

# Demo listing terms (the same as `make up` and the tests use): 0.01 ETH, 0.005 ETH bond per unit.
PRICE = 10**16
BOND = 5 * 10**15
DISPUTE_BOND = 10**15
FEE_BPS = 100
ARBITRATION_FEE = 10**15
HOUR = 3600

console = Console()


class BenchError(RuntimeError):
    """A benchmark cannot run (missing build, …); the message says what to do."""


# ---------------------------------------------------------------------------- chain


@dataclass
class BenchChain:
    """A fresh Anvil (automine unless a block time is given) with the fairkey stack deployed."""

    node: AnvilNode
    w3: Web3
    accounts: dict[str, LocalAccount]
    session: ChainSession  # signs as the deployer
    deployment: Deployment
    clock: ChainClock
    _spares: list[LocalAccount] = field(default_factory=list)

    @property
    def anvil_version(self) -> str:
        """Anvil's web3_clientVersion, e.g. ``anvil/v1.7.1``."""
        return self.w3.client_version

    @property
    def escrow(self) -> str:
        return self.deployment.escrow

    def account(self, role: str) -> LocalAccount:
        return self.accounts[role]

    def client(self, who: str | LocalAccount) -> EscrowClient:
        """The escrow, signing as a role name or an account."""
        account = self.accounts[who] if isinstance(who, str) else who
        return EscrowClient(self.session.with_account(account), self.deployment.escrow)

    def signer(self, who: str | LocalAccount) -> ChainSession:
        """A session signing as a role name or an account (for non-escrow contracts)."""
        return self.session.with_account(self.accounts[who] if isinstance(who, str) else who)

    def spare(self) -> LocalAccount:
        """A funded dev account no role uses and no earlier call returned."""
        if not self._spares:
            raise BenchError("no spare accounts left: ask bench_chain() for more")
        return self._spares.pop(0)

    def token(self, who: str | LocalAccount = "deployer"):
        """The demo TestToken contract (anyone may mint)."""
        return self.signer(who).contract("TestToken", self.deployment.token)


def require_build() -> None:
    if not manifest_path().exists():
        raise BenchError(f"no contract build at {manifest_path()}: run `make build` first")


@contextmanager
def bench_chain(
    *, spare_accounts: int = 10, block_time: float | None = None, fee_bps: int = FEE_BPS
) -> Iterator[BenchChain]:
    """Start a fresh Anvil, deploy the stack (treasury = the `treasury` role), stop on exit."""
    require_build()
    total = len(ROLES) + spare_accounts
    node = AnvilNode(accounts=total, block_time=block_time)
    node.start()
    try:
        w3 = http_web3(node.url)
        all_accounts = dev_accounts(total)
        accounts = dict(zip(ROLES, all_accounts, strict=False))
        session = ChainSession(w3, accounts["deployer"])
        deployment = deploy_stack(
            session,
            treasury=accounts["treasury"].address,
            fee_bps=fee_bps,
            arbitrator=session.deploy("TestArbitrator", ARBITRATION_FEE),  # bench court
        )
        yield BenchChain(
            node,
            w3,
            accounts,
            session,
            deployment,
            ChainClock(w3),
            list(all_accounts[len(ROLES) :]),
        )
    finally:
        node.stop()


# ---------------------------------------------------------------------------- listings and stock


def demo_terms(chain: BenchChain, **overrides: Any) -> ListingTerms:
    """The demo listing with the `verifier` role as verifier (see `demo_listing_terms`)."""
    return demo_listing_terms(chain.account("verifier").address, **overrides)


def demo_listing_terms(verifier: str, **overrides: Any) -> ListingTerms:
    """The demo listing: ETH, 0.01 price, 0.005 bond/unit, 1 h delivery, 24 h confirm window,
    12 h response, 2 h appeal, 2 replacements, `verifier` as verifier."""
    values: dict[str, Any] = dict(
        token=ETH,
        price=PRICE,
        bond_per_unit=BOND,
        dispute_bond=DISPUTE_BOND,
        delivery_window=HOUR,
        confirm_window=24 * HOUR,
        response_window=12 * HOUR,
        appeal_window=2 * HOUR,
        max_replacements=2,
        verifier=verifier,
        description_hash=Web3.keccak(text="Steam wallet card, 50 USD, global"),
    )
    values.update(overrides)
    return ListingTerms(**values)


def create_demo_listing(
    chain: BenchChain, merchant: str | LocalAccount = "merchant", **overrides: Any
) -> tuple[int, TxResult]:
    """Create a listing with demo_terms(**overrides); returns its id and the transaction."""
    client = chain.client(merchant)
    result = client.session.send(
        client.f.createListing(demo_terms(chain, **overrides).as_tuple(), 0)
    )
    return result.event("ListingCreated").args["listingId"], result


def make_units(count: int, tag: str, on_unit: Callable[[], None] | None = None) -> list[StockUnit]:
    """`count` stock units with distinct keys (``BENCH-<tag>-<i>-…``: unique per tag, so the
    fingerprint registry never refuses them) and fresh salts."""
    units = []
    for i in range(count):
        units.append(StockUnit(i, normalise_key(f"BENCH-{tag}-{i:06d}-ABCDEFGHJKLM"), new_salt()))
        if on_unit is not None:
            on_unit()
    return units


Batch = StockBatch  # a committed batch whose plain keys the benchmark knows


def commit_batch(
    chain: BenchChain,
    listing_id: int,
    units: Sequence[StockUnit],
    *,
    merchant: str | LocalAccount = "merchant",
    tree: MerkleTree | None = None,
    supplier: str = "bench",
) -> tuple[Batch, TxResult]:
    """Commit `units` (tree built with the SDK unless given) to `listing_id`, bond included
    (ERC-20 listings: the SDK approves first, in its own transaction)."""
    client = chain.client(merchant)
    tree = tree or build_stock_tree(units, client.session.account.address)
    result = client.commit_stock(listing_id, tree.root, len(units), supplier)
    return Batch(listing_id, list(units), tree), result


# ---------------------------------------------------------------------------- output


def progress() -> Progress:
    """A rich progress display (bar, n/m, elapsed) on the shared console."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _proc_field(path: str, field: str) -> str | None:
    """The value of ``field: value`` in a /proc file (Linux), or None."""
    try:
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == field:
                return value.strip()
    except OSError:
        pass
    return None


def machine_info() -> dict[str, Any]:
    """The machine a result came from: CPUs, their model, memory, Python, OS."""
    mem_kib = _proc_field("/proc/meminfo", "MemTotal")
    return {
        "nproc": os.cpu_count(),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or None,
        "memory_gib": round(int(mem_kib.split()[0]) / 2**20, 1) if mem_kib else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def saving() -> bool:
    """True when this run is meant to replace the committed results (``BENCH_SAVE=1``)."""
    return os.environ.get(SAVE_ENV, "") == "1"


def write_results(name: str, payload: dict[str, Any], out_dir: Path | None = None) -> Path:
    """Write ``<name>.json``: ``generated_at`` (UTC), the payload, then ``machine``.

    Into ``out_dir`` if given, else bench/out/ when ``BENCH_SAVE=1`` (results to commit), else
    the git-ignored bench/out/latest/, so an ordinary run never overwrites committed figures.
    """
    if out_dir is None:
        out_dir = OUT_DIR if saving() else LATEST_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **payload,
        "machine": machine_info(),
    }
    path = out_dir / f"{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def finish(
    name: str,
    report: dict[str, Any],
    show: Callable[[dict[str, Any], Path], None],
    missed: Sequence[str] | None = None,
) -> int:
    """A benchmark's last step: write its JSON, `show` the table, say whether the targets were
    met. Returns the exit code: 1 if a target (`missed`, default `report["targets_missed"]`)
    was missed, else 0."""
    out_path = write_results(name, report)
    show(report, out_path)
    missed = report["targets_missed"] if missed is None else missed
    if missed:
        console.print(f"[red]{name} targets missed: {', '.join(missed)}[/]")
        return 1
    console.print(f"[green]all {name} targets met[/] ({report['duration_s']} s)")
    return 0


def print_table(
    title: str,
    columns: Sequence[str | tuple[str, str]],
    rows: Sequence[Sequence[Any] | None],
    footnotes: Sequence[str] = (),
) -> None:
    """Print a table; a column is a name or (name, justify); a None row starts a new section."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        name, justify = column if isinstance(column, tuple) else (column, "left")
        table.add_column(name, justify=justify)
    for row in rows:
        if row is None:
            table.add_section()
        else:
            table.add_row(*(str(cell) for cell in row))
    console.print(table)
    for note in footnotes:
        console.print(note, style="dim", highlight=False)


def fmt_gas(gas: int) -> str:
    return f"{gas:,}"
