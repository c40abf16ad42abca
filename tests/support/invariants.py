"""Helpers for the attack and invariant tests: token funding, money snapshots, verifier
signatures, deliberately wrong deliveries, and a Python model of what the escrow must hold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from eth_abi import decode, encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import ERC20_MAX
from fairkey.chain.types import ETH, DeliveryRecord, OrderStatus
from fairkey.crypto.keys import StockUnit, new_salt
from fairkey.crypto.order_keys import OrderKey
from fairkey.flows.merchant import buyer_key_of, seal_unit
from tests.support.market import Market, Stock

FEE_BPS = 100
ARBITRATION_FEE = 10**15
TERMINAL = (OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.SPLIT)
BOND_HELD = (
    OrderStatus.DISPUTED,
    OrderStatus.VERIFIER_REFUND_PENDING,
    OrderStatus.ARBITRATING,
)

# ---------------------------------------------------------------------------------- tokens


def erc20(market: Market, address: str | None = None):
    return market.session.contract("TestToken", address or market.token_address)


def send_as(market: Market, role_or_account, fn, value: int = 0):
    """Send `fn` signed by a role (or a LocalAccount)."""
    account = market.accounts.get(role_or_account, role_or_account)
    return market.session.with_account(account).send(fn, value)


def fund_token(market: Market, role: str, amount: int, token: str | None = None) -> None:
    """Mints `amount` of a test token to `role` and approves the escrow for all of it."""
    contract = erc20(market, token)
    send_as(market, role, contract.functions.mint(market.address(role), amount))
    send_as(market, role, contract.functions.approve(market.escrow_address, ERC20_MAX))


def balance_of(market: Market, token: str, address: str) -> int:
    if int(token, 16) == 0:
        return market.w3.eth.get_balance(Web3.to_checksum_address(address))
    return erc20(market, token).functions.balanceOf(Web3.to_checksum_address(address)).call()


def escrow_balance(market: Market, token: str) -> int:
    return balance_of(market, token, market.escrow_address)


def money_snapshot(
    market: Market, tokens: tuple[str, ...] | None = None, extra: tuple[str, ...] = ()
) -> dict:
    """Everything that says where money is: the escrow's holdings, every role's ledger credit
    and (for ERC-20s, which gas does not blur) every role's wallet balance."""
    tokens = tokens or (ETH, market.token_address)
    addresses = [market.address(r) for r in market.accounts] + list(extra)
    snap: dict[tuple[str, str, str], int] = {}
    reader = market.client("stranger")
    for token in tokens:
        snap[("escrow", token, "")] = escrow_balance(market, token)
        for address in addresses:
            snap[("credit", token, address)] = reader.credit_of(token, address)
            if int(token, 16) != 0:
                snap[("wallet", token, address)] = balance_of(market, token, address)
    return snap


class ExactClock:
    """Block times that do not follow the wall clock: while started, every block is one second
    after the previous one and `advance` jumps exactly (Anvil ignores evm_increaseTime then).
    A stateful test replays its steps while shrinking; each deadline check must fall the same
    way every time, so the next block's time must be known: `now() + 1`."""

    def __init__(self, market: Market) -> None:
        self.w3 = market.w3

    def _rpc(self, method: str, params: list) -> None:
        response = self.w3.provider.make_request(method, params)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")

    def start(self) -> None:
        self._rpc("anvil_setBlockTimestampInterval", [1])

    def stop(self) -> None:
        self._rpc("anvil_removeBlockTimestampInterval", [])

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def advance(self, seconds: int) -> int:
        """Mines one block exactly `seconds` after the latest; returns its time."""
        target = self.now() + seconds
        self._rpc("evm_setNextBlockTimestamp", [target])
        self._rpc("evm_mine", [])
        return target


def revert_name(call, *args, **kwargs) -> str:
    """Runs a call that must revert and returns the custom error's name."""
    try:
        call(*args, **kwargs)
    except ContractRevert as err:
        return err.name
    raise AssertionError(f"{getattr(call, '__name__', call)} did not revert")


def _abi_type(item: dict) -> str:
    if item["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + item["type"][5:]
    return item["type"]


class BatchReader:
    """Reads many view functions and balances in one JSON-RPC batch (the invariant checks run
    after every step of a stateful test; one round trip per value would dominate its runtime).
    Requests: `call(contract_name, address, function, *args)` and `balance(address)`."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self._tables: dict[str, dict[str, tuple[bytes, list[str], list[str]]]] = {}

    def _fn(self, contract_name: str, name: str) -> tuple[bytes, list[str], dict]:
        table = self._tables.get(contract_name)
        if table is None:
            table = self._tables[contract_name] = {}
            for item in self.market.session.artifacts[contract_name].abi:
                if item.get("type") == "function":
                    ins = [_abi_type(i) for i in item["inputs"]]
                    sig = f"{item['name']}({','.join(ins)})"
                    table[item["name"]] = (function_signature_to_4byte_selector(sig), ins, item)
        return table[name]

    @staticmethod
    def _decode(item: dict, data: bytes):
        """A single output as its value; a struct as a dict by field name (struct layouts
        change, names do not); several outputs as a tuple."""
        outputs = item["outputs"]
        values = decode([_abi_type(o) for o in outputs], data)
        if len(outputs) != 1:
            return values
        if outputs[0]["type"] == "tuple":
            names = [c["name"] for c in outputs[0]["components"]]
            return dict(zip(names, values[0], strict=True))
        return values[0]

    @staticmethod
    def call(contract_name: str, address: str, name: str, *args) -> tuple:
        return ("call", contract_name, Web3.to_checksum_address(address), name, args)

    @staticmethod
    def balance(address: str) -> tuple:
        return ("balance", Web3.to_checksum_address(address))

    def run(self, requests: list[tuple]) -> list:
        """Executes the requests in one round trip; returns their decoded results in order."""
        raw = []
        for req in requests:
            if req[0] == "balance":
                raw.append(("eth_getBalance", [req[1], "latest"]))
            else:
                selector, ins, _ = self._fn(req[1], req[3])
                data = "0x" + (selector + encode(ins, list(req[4]))).hex()
                raw.append(("eth_call", [{"to": req[2], "data": data}, "latest"]))
        responses = self.market.w3.provider.make_batch_request(raw)
        if not isinstance(responses, list):
            raise RuntimeError(f"batch request failed: {responses}")
        out = []
        for req, resp in zip(requests, responses, strict=True):
            if "error" in resp:
                raise RuntimeError(f"{req} failed: {resp['error']}")
            value = resp["result"]
            if req[0] == "balance":
                out.append(int(value, 16))
            else:
                out.append(self._decode(self._fn(req[1], req[3])[2], bytes.fromhex(value[2:])))
        return out


# ---------------------------------------------------------------------------------- verifier


def sign_verdict(
    market: Market,
    order_id: int,
    delivery_no: int,
    fingerprint: bytes,
    verdict: int,
    deadline: int,
    signer: str = "verifier",
) -> bytes:
    """The listing verifier's EIP-712 KeyVerdict signature (docs/protocol.md)."""
    domain = {
        "name": "fairkey",
        "version": "1",
        "chainId": market.w3.eth.chain_id,
        "verifyingContract": Web3.to_checksum_address(market.escrow_address),
    }
    types = {
        "KeyVerdict": [
            {"name": "orderId", "type": "uint256"},
            {"name": "deliveryNo", "type": "uint256"},
            {"name": "fingerprint", "type": "bytes32"},
            {"name": "verdict", "type": "uint8"},
            {"name": "deadline", "type": "uint64"},
        ]
    }
    message = {
        "orderId": order_id,
        "deliveryNo": delivery_no,
        "fingerprint": fingerprint,
        "verdict": verdict,
        "deadline": deadline,
    }
    key = market.accounts[signer].key
    return bytes(Account.sign_typed_data(key, domain, types, message).signature)


# ---------------------------------------------------------------------------------- deliveries


def wrong_key_record(
    market: Market, order_id: int, stock: Stock, unit: StockUnit
) -> DeliveryRecord:
    """A merchant who commits `unit` and encrypts another key: provable misdelivery."""
    other = StockUnit(0, b"WRONG-" + unit.key, new_salt())
    return seal_unit(
        order_id,
        buyer_key_of(market.client("stranger"), order_id),
        root=stock.root,
        index=unit.index,
        plaintext=other.plaintext,
        commitment=unit.commitment,
        fingerprint=unit.fingerprint,
    )


# ---------------------------------------------------------------------------------- model


@dataclass
class BatchModel:
    """A committed batch; units are delivered in index order. `revoked` counts units withdrawn
    from sale (only as far as no open order relies on them, so it may grow several times)."""

    stock: Stock
    listing: ListingModel
    used: int = 0
    revoked: int = 0

    @property
    def count(self) -> int:
        return len(self.stock.units)

    @property
    def unsold(self) -> int:
        return self.count - self.used - self.revoked

    def next_unit(self) -> StockUnit | None:
        if self.unsold <= 0:
            return None
        return self.stock.units[self.used]


@dataclass
class ListingModel:
    listing_id: int
    merchant: str
    token: str
    price: int
    bond: int
    dispute_bond: int
    max_replacements: int
    stock: int = 0  # stockAvailable
    batches: list[BatchModel] = field(default_factory=list)

    def live_batch(self) -> BatchModel | None:
        """A committed, unrevoked batch with an undelivered unit (to deliver from)."""
        for b in self.batches:
            if b.next_unit() is not None:
                return b
        return None

    def nth_unit(self, k: int) -> tuple[BatchModel, StockUnit] | None:
        """The unit `k` deliveries from now will use (0 = the next one, as `live_batch` picks
        it), with its batch: a batch call plans several deliveries before any is made."""
        for b in self.batches:
            if k < b.unsold:
                return b, b.stock.units[b.used + k]
            k -= max(b.unsold, 0)
        return None


@dataclass
class OrderModel:
    order_id: int
    key: OrderKey
    listing: ListingModel
    buyer: str
    price: int
    deadline: int = 0  # end of the current phase (from the phase's event)
    status: OrderStatus = OrderStatus.PAID
    deliveries: int = 0
    record: DeliveryRecord | None = None
    bad_delivery: bool = False
    reason: int = 0  # the open dispute's DisputeReason (0 = none)
    dispute_id: int | None = None
    history: list[OrderStatus] = field(default_factory=lambda: [OrderStatus.PAID])

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def verdict_stands(self) -> bool:
        """A VALID verdict put the order back to Delivered, its dispute reason and bond kept."""
        return self.status == OrderStatus.DELIVERED and self.reason != 0

    @property
    def bond_held(self) -> bool:
        return self.status in BOND_HELD or self.verdict_stands

    def move(self, status: OrderStatus) -> None:
        assert not self.terminal, f"order {self.order_id:#x} left terminal state {self.status.name}"
        self.status = status
        self.history.append(status)


class EscrowModel:
    """What the escrow must hold, per token, and who may withdraw it (the published rules)."""

    def __init__(self, treasury: str = "treasury", fee_bps: int = FEE_BPS) -> None:
        self.treasury = treasury
        self.fee_bps = fee_bps
        self.credits: Counter[tuple[str, str]] = Counter()
        self.listings: list[ListingModel] = []
        self.orders: list[OrderModel] = []

    # -- bookkeeping
    def credit(self, token: str, role: str, amount: int) -> None:
        self.credits[(token, role)] += amount

    def open_orders(self, listing: ListingModel | None = None) -> list[OrderModel]:
        return [
            o for o in self.orders if not o.terminal and (listing is None or o.listing is listing)
        ]

    def holdings(self, token: str) -> int:
        """credits + escrowed prices + held dispute bonds + locked unit bonds."""
        total = sum(v for (t, _), v in self.credits.items() if t == token)
        for o in self.open_orders():
            if o.listing.token == token:
                total += o.price
                if o.bond_held:
                    total += o.listing.dispute_bond
        for listing in self.listings:
            if listing.token == token:
                total += (listing.stock + len(self.open_orders(listing))) * listing.bond
        return total

    # -- the three ways money leaves an order
    def pay_merchant(self, o: OrderModel, dispute_bond_to: str | None) -> None:
        """`dispute_bond_to`: who gets a held dispute bond; under a standing VALID verdict it is
        always the merchant (the buyer's claim was found false)."""
        l = o.listing  # noqa: E741
        fee = o.price * self.fee_bps // 10_000
        held = o.bond_held
        if o.verdict_stands:
            dispute_bond_to = l.merchant
        o.move(OrderStatus.COMPLETED)
        self.credit(l.token, l.merchant, o.price - fee + l.bond)
        self.credit(l.token, self.treasury, fee)
        if held and dispute_bond_to:
            self.credit(l.token, dispute_bond_to, l.dispute_bond)

    def refund_buyer(self, o: OrderModel, fault: bool) -> None:
        l = o.listing  # noqa: E741
        held = o.bond_held
        o.move(OrderStatus.REFUNDED)
        compensation = 0
        if fault:
            compensation = l.bond
        elif o.deliveries == 0:
            l.stock += 1
        else:
            self.credit(l.token, l.merchant, l.bond)
        self.credit(l.token, o.buyer, o.price + compensation + (l.dispute_bond if held else 0))

    def split(self, o: OrderModel) -> None:
        l = o.listing  # noqa: E741
        held = o.bond_held
        o.move(OrderStatus.SPLIT)
        buyer_share = o.price // 2
        merchant_share = o.price - buyer_share
        fee = merchant_share * self.fee_bps // 10_000
        self.credit(l.token, o.buyer, buyer_share + (l.dispute_bond if held else 0))
        self.credit(l.token, l.merchant, merchant_share - fee + l.bond)
        self.credit(l.token, self.treasury, fee)

    @staticmethod
    def releasable(b: BatchModel) -> int:
        """Units a revocation takes off sale: the batch's unsold units, as far as they are not
        needed by open orders (stockAvailable counts the units no order holds)."""
        return min(b.unsold, b.listing.stock)

    def revoke(self, b: BatchModel) -> int:
        l = b.listing  # noqa: E741
        released = self.releasable(b)
        b.revoked += released
        l.stock -= released
        self.credit(l.token, l.merchant, released * l.bond)
        return released
