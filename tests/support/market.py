"""A test marketplace: roles, factories and helpers over a real Anvil and real contracts."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account import Account
from web3 import Web3

from fairkey.chain.anvil import ChainClock
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import ETH, ListingTerms
from fairkey.crypto.keys import StockUnit, new_salt, normalise_key
from fairkey.crypto.merkle import build_stock_tree
from fairkey.crypto.order_keys import OrderKey, derive_order_key
from fairkey.crypto.records import DeliveryRecord
from fairkey.flows.merchant import buyer_key_of, seal_unit
from tests.support.stock_batch import StockBatch

PRICE = 10**16  # 0.01 ETH
BOND = 5 * 10**15
DISPUTE_BOND = 10**15
HOUR = 3600


Stock = StockBatch  # a committed batch whose plain keys the test knows


@dataclass
class Market:
    w3: Web3
    escrow_address: str
    arbitrator_address: str
    token_address: str
    session: object
    accounts: dict[str, object]
    clock: ChainClock
    _key_counter: int = field(default=0)
    _stock_counter: int = field(default=0)

    @classmethod
    def of(cls, w3: Web3, session, deployment, accounts: dict, clock: ChainClock | None = None):
        """The market of a `deploy_stack` deployment."""
        return cls(
            w3,
            deployment.escrow,
            deployment.arbitrator,
            deployment.token,
            session,
            accounts,
            clock or ChainClock(w3),
        )

    def client(self, role: str) -> EscrowClient:
        return EscrowClient(self.session.with_account(self.accounts[role]), self.escrow_address)

    def address(self, role: str) -> str:
        return self.accounts[role].address

    # ------------------------------------------------------------------ factories

    def terms(self, **overrides) -> ListingTerms:
        values = dict(
            token=ETH,
            price=PRICE,
            bond_per_unit=BOND,
            dispute_bond=DISPUTE_BOND,
            delivery_window=HOUR,
            confirm_window=24 * HOUR,
            response_window=12 * HOUR,
            appeal_window=2 * HOUR,
            max_replacements=2,
            verifier=self.address("verifier"),
            description_hash=Web3.keccak(text="Steam wallet card, 50 USD, global"),
        )
        values.update(overrides)
        return ListingTerms(**values)

    def make_listing(self, merchant: str = "merchant", **overrides) -> int:
        return self.client(merchant).create_listing(self.terms(**overrides))

    def make_units(self, count: int, keys: list[str] | None = None) -> list[StockUnit]:
        if keys is None:
            self._stock_counter += 1
            keys = [f"KEY-{self._stock_counter:04d}-{i:05d}-ABCDEFGH" for i in range(count)]
        return [StockUnit(i, normalise_key(k), new_salt()) for i, k in enumerate(keys)]

    def make_stock(
        self,
        listing_id: int,
        count: int = 5,
        merchant: str = "merchant",
        keys: list[str] | None = None,
        supplier: str = "supplier-a",
    ) -> Stock:
        units = self.make_units(count, keys)
        tree = build_stock_tree(units, self.address(merchant))
        self.client(merchant).commit_stock(listing_id, tree.root, len(units), supplier)
        return Stock(listing_id, units, tree)

    def new_order_key(self) -> OrderKey:
        self._key_counter += 1
        return derive_order_key(Web3.keccak(text="test buyer seed"), self._key_counter)

    def make_order(self, listing_id: int, buyer: str = "buyer") -> tuple[int, OrderKey]:
        key = self.new_order_key()
        result = self.client(buyer).pay(listing_id, key.x, key.y)
        return result.event("OrderPaid").args["orderId"], key

    def sealed_record(self, order_id: int, stock: Stock, unit: StockUnit) -> DeliveryRecord:
        return seal_unit(
            order_id,
            buyer_key_of(self.client("stranger"), order_id),
            root=stock.root,
            index=unit.index,
            plaintext=unit.plaintext,
            commitment=unit.commitment,
            fingerprint=unit.fingerprint,
        )

    def deliver(
        self, order_id: int, stock: Stock, unit: StockUnit | None = None, merchant: str = "merchant"
    ):
        unit = unit or stock.take()
        record = self.sealed_record(order_id, stock, unit)
        result = self.client(merchant).deliver(order_id, record, stock.tree.proof(unit.index))
        return record, result

    def eth_balance(self, role_or_address: str) -> int:
        addr = (
            self.accounts[role_or_address].address
            if role_or_address in self.accounts
            else role_or_address
        )
        return self.w3.eth.get_balance(addr)

    def credit(self, role: str, token: str = ETH) -> int:
        return self.client("stranger").credit_of(token, self.address(role))


def fresh_account():
    return Account.create()
