"""Seed the demo marketplace (scripts/up/market.py) on a fresh demo chain, in this process,
through the SDK functions the `fairkey` command runs for the same steps (vault import and batch
plan, listing terms, `buy_keys`, `deliver_assigned`, the escrow client's dispute, confirm,
refund and contest): one interpreter instead of a command per step keeps `make up`'s start
fast. What needs the running services (publishing the listings' documents to the API, a key
checked by the verifier at the issuer) follows once they answer: `seed_live.py`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from arbitration.court_client import CourtClient
from fairkey.chain.deploy import Deployment
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH, ListingTerms, order_ref
from fairkey.crypto.order_keys import seed_from_account
from fairkey.flows.buyer import buy_keys, check_purchase
from fairkey.flows.merchant import deliver_assigned
from fairkey.merchant.units import first_unit
from fairkey.settings import Settings
from fairkey.units import parse_amount, parse_duration
from fairkey.vault import Vault
from scripts.demo_data import DEMO_MERCHANT_POLICY, issuer_states, read_codes, write_demo_keys
from scripts.up.accounts import DEMO_PASSPHRASE, JUROR_STAKE, JURORS, ROLES, account
from scripts.up.market import LISTINGS, ORDERS, DemoListing, DemoOrder

DEMO_DUSD = 1_000  # dUSD minted to each demo account that pays or bonds in it
ORDERS_FILE = "orders.json"  # in the demo folder: the seeded orders and the state each shows


class _KeyIndexes:
    """A buyer's order-key indices for this seeding (the CLI keeps them in orders.json; a
    later `fairkey buy` skips the ones the chain shows as used)."""

    def __init__(self) -> None:
        self.next = 0

    def next_index(self) -> int:
        return self.next

    def reserve(self, end: int) -> None:
        self.next = max(self.next, end)


@dataclass
class _Seeder:
    w3: Web3
    deployment: Deployment
    home: Path
    demo: Path

    def __post_init__(self) -> None:
        reader = ChainSession(self.w3, None)
        self.escrow = EscrowClient(reader, self.deployment.escrow)
        self.vaults: dict[int, Vault] = {}
        self.indexes: dict[int, _KeyIndexes] = {}
        self.codes: dict[str, str] = {}  # every demo key -> its state at the demo issuer

    def client(self, index: int) -> EscrowClient:
        return self.escrow.as_account(account(index))

    def vault(self, merchant: int) -> Vault:
        if merchant not in self.vaults:
            address = account(merchant).address
            path = Settings(home=self.home).account_dir(address) / "vault.sqlite"
            self.vaults[merchant] = Vault.create(path, DEMO_PASSPHRASE)
        return self.vaults[merchant]

    def close(self) -> None:
        for vault in self.vaults.values():
            vault.close()

    # ------------------------------------------------------------------ money

    def fund_demo_token(self) -> None:
        """dUSD for whoever pays or bonds in it (and the walkthrough's buyer, for the dApp)."""
        token = self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.token),
            abi=ChainSession(self.w3, None).artifacts["TestToken"].abi,
        )
        payers = {ROLES["buyer"], *(o.buyer for o in ORDERS if _listing(o).token == "demo")}
        payers |= {item.merchant for item in LISTINGS if item.token == "demo"}
        session = ChainSession(self.w3, account(ROLES["operator"]))
        for index in sorted(payers):
            units = DEMO_DUSD * 10**6  # dUSD has 6 decimals
            session.send(token.functions.mint(account(index).address, units))

    # ------------------------------------------------------------------ shops

    def open_listing(self, number: int, item: DemoListing) -> None:
        """`fairkey listing create`, `stock import` and `stock commit` for one demo listing."""
        token = ETH if item.token == "eth" else self.deployment.token
        decimals = 18 if item.token == "eth" else 6
        amounts = {k: parse_amount(item.terms[k], decimals)
                   for k in ("price", "bond", "dispute-bond")}  # fmt: skip
        windows = {k: parse_duration(item.terms[k])
                   for k in ("delivery-window", "confirm-window", "response-window",
                             "appeal-window")}  # fmt: skip
        terms = ListingTerms(
            token=token,
            price=amounts["price"],
            bond_per_unit=amounts["bond"],
            dispute_bond=amounts["dispute-bond"],
            delivery_window=windows["delivery-window"],
            confirm_window=windows["confirm-window"],
            response_window=windows["response-window"],
            appeal_window=windows["appeal-window"],
            max_replacements=int(item.terms["max-replacements"]),
            verifier=account(ROLES["verifier"]).address if item.verifier else ETH,  # ETH: 0x0
            description_hash=item.document.description_hash(),
        )
        merchant = self.client(item.merchant)
        listing_id = merchant.create_listing(terms, item.alphabet)
        if listing_id != number:
            raise RuntimeError(f"demo listing {number} was created as listing {listing_id}")
        file = self.demo / f"listing-{number}-{item.supplier}.txt"
        codes = read_codes(write_demo_keys(file, item.keys))
        self.codes |= issuer_states(codes, item.redeemed)
        vault = self.vault(item.merchant)
        report = vault.import_file(file, item.supplier)
        plan = vault.plan_batch(report.batch_id, merchant.session.account.address)
        result = merchant.commit_stock(listing_id, plan.root, plan.count, plan.supplier)
        tx = result.receipt["transactionHash"].to_0x_hex()
        vault.mark_committed(report.batch_id, listing_id, tx)

    def stake_jurors(self) -> None:
        """`fairkey juror stake` for the demo jurors."""
        court = CourtClient(ChainSession(self.w3, None), self.deployment.arbitrator)
        for juror in JURORS:
            court.as_account(account(juror)).set_stake(Web3.to_wei(JUROR_STAKE, "ether"))

    # ------------------------------------------------------------------ orders

    def play(self, story: DemoOrder) -> int:
        """One order's story: `fairkey buy`, `deliver`, `dispute`, then `confirm`, `respond
        refund` or `respond contest` (verify waits for the verifier: seed_live.py)."""
        item = _listing(story)
        buyer = self.client(story.buyer)
        check_purchase(self.escrow, story.listing, 1)
        seed = seed_from_account(
            buyer.session.account, self.deployment.chain_id, self.deployment.escrow
        )
        indexes = self.indexes.setdefault(story.buyer, _KeyIndexes())
        price = self.escrow.listing(story.listing).price
        (order_id,) = buy_keys(buyer, seed, indexes, story.listing, 1, max_price=price).order_ids
        if not story.deliver:
            return order_id
        merchant = self.client(item.merchant)
        vault = self.vault(item.merchant)
        deliver_assigned(merchant, first_unit(vault, story.listing, order_id))
        vault.mark_delivered(order_id)
        if story.dispute is not None:
            buyer.dispute(order_id, story.dispute)
        if story.then == "confirm":
            buyer.confirm(order_id)
        elif story.then == "refund":
            merchant.refund(order_id)
        elif story.then == "contest":
            merchant.contest(order_id)
        return order_id


def _listing(story: DemoOrder) -> DemoListing:
    return LISTINGS[story.listing - 1]


def seed_market(w3: Web3, deployment: Deployment, home: Path, demo: Path) -> None:
    """Shops, stock, jurors and orders on a freshly deployed demo chain; writes the demo
    folder's issuer keys, bot policy and the seeded orders (ORDERS_FILE)."""
    demo.mkdir(parents=True, exist_ok=True)
    seeder = _Seeder(w3, deployment, home, demo)
    try:
        seeder.fund_demo_token()
        for number, item in enumerate(LISTINGS, start=1):
            seeder.open_listing(number, item)
        seeder.stake_jurors()
        played = [(story, seeder.play(story)) for story in ORDERS]
    finally:
        seeder.close()
    (demo / "issuer-keys.json").write_text(json.dumps(seeder.codes, indent=2) + "\n")
    (demo / "merchant-policy.toml").write_text(DEMO_MERCHANT_POLICY)
    orders = [{"order": order_ref(order_id), "listing": story.listing, "buyer": story.buyer,
               "then": story.then, "shows": story.shows}
              for story, order_id in played]  # fmt: skip
    (demo / ORDERS_FILE).write_text(json.dumps(orders, indent=2, ensure_ascii=False) + "\n")
    # The court draws from the hash of a block after the case opened (BlockhashRandomness):
    # mine those blocks now, so the keeper draws the live case's panel as soon as it starts.
    for _ in range(3):
        w3.provider.make_request("evm_mine", [])


def seeded_orders(demo: Path) -> list[dict]:
    """The seeded orders (ORDERS_FILE), [] before seeding."""
    path = demo / ORDERS_FILE
    return json.loads(path.read_text()) if path.exists() else []
