"""Service-test fixtures: a merchant shop (data folder, vault with committed stock) on `market`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fairkey.chain.deploy import Deployment
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import OrderStatus
from fairkey.vault import UnitState, Vault
from fairkey.vault.cipher import KdfParams
from scripts.demo_data import write_demo_keys
from tests.support.market import Market

PASSPHRASE = "correct horse battery staple"
KDF_N = 1024  # tests only: a cheap scrypt


@dataclass
class Shop:
    """The merchant (dev account 2) with a home folder, an open vault and a stocked listing."""

    market: Market
    home: Path
    vault: Vault
    listing_id: int
    keys: dict = field(default_factory=dict)

    @property
    def client(self) -> EscrowClient:
        return self.market.client("merchant")

    @property
    def account_dir(self) -> Path:
        return self.home / "accounts" / self.market.address("merchant")

    def add_stock(self, count: int, name: str = "more", listing_id: int | None = None) -> int:
        """Import `count` fresh demo keys as a batch and commit it to the listing (or to
        `listing_id`, another listing of the merchant)."""
        path = write_demo_keys(self.home.parent / f"{name}-{count}.txt", count)
        return self._commit(path, listing_id)

    def add_keys(self, keys: list[str], name: str, listing_id: int | None = None) -> int:
        """`add_stock` with these keys, in this order."""
        path = self.home.parent / f"{name}.txt"
        path.write_text("".join(f"{key}\n" for key in keys))
        return self._commit(path, listing_id)

    def _commit(self, path: Path, listing_id: int | None) -> int:
        listing_id = self.listing_id if listing_id is None else listing_id
        report = self.vault.import_file(path, "acme")
        assert report.batch_id is not None, report
        plan = self.vault.plan_batch(report.batch_id, self.market.address("merchant"))
        tx = self.client.commit_stock(listing_id, plan.root, plan.count, plan.supplier)
        self.vault.mark_committed(plan.batch_id, listing_id, tx.receipt["transactionHash"].hex())
        return plan.batch_id

    def pay(self, count: int, buyer: str = "buyer", listing_id: int | None = None) -> list[int]:
        """`count` orders paid by `buyer` (of the listing, or of `listing_id`); their per-order
        keys go to `self.keys`."""
        ids = []
        for _ in range(count):
            order_id, key = self.market.make_order(listing_id or self.listing_id, buyer)
            self.keys[order_id] = key
            ids.append(order_id)
        return ids

    def status(self, order_id: int) -> OrderStatus:
        return self.client.order(order_id).status

    def counts(self) -> dict[UnitState, int]:
        return self.vault.stock_counts(self.listing_id)


@pytest.fixture
def make_shop(market: Market, tmp_path: Path) -> Callable[..., Shop]:
    vaults: list[Vault] = []

    def make(stock: int = 30, **terms) -> Shop:
        home = tmp_path / "home"
        Deployment(
            chain_id=market.w3.eth.chain_id,
            escrow=market.escrow_address,
            arbitrator=market.arbitrator_address,
            token=market.token_address,
            block=0,
        ).save(home / "deployment.json")
        path = home / "accounts" / market.address("merchant") / "vault.sqlite"
        vault = Vault.create(path, PASSPHRASE, kdf=KdfParams(n=KDF_N))
        vaults.append(vault)
        shop = Shop(market, home, vault, market.make_listing(**terms))
        if stock:
            shop.add_stock(stock, "stock")
        return shop

    yield make
    for vault in vaults:
        vault.close()
