"""A small marketplace on the test chain for the marketplace routes: three listings (ETH and the
demo ERC-20, two merchants, one without stock), described by documents published or not, and
orders in every open state and several final ones. Built with the real escrow and court, once
per test module (tests/api/shop_layer.py), which also indexes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from fairkey.chain.types import DisputeReason
from fairkey.listing_meta import ListingMetadata
from tests.support.court import CourtWorld
from tests.support.disputes import EVIDENCE, Deal, sign_verdict, submit
from tests.support.market import PRICE, Stock
from tests.support.rules import mint

STEAM = ListingMetadata("Steam 50 USD", "Steam wallet card, 50 USD, global", "en")
XBOX = ListingMetadata("Xbox 游戏通行证 1 个月", "全球通用，到账即发卡。", "zh-CN")
GIFT = ListingMetadata("Apple gift card 10 USD", "US store only")
TOKEN_FUND = 10**12  # demo-token units minted to merchant2 and buyer2 (6 decimals)


@dataclass
class Shop:
    world: CourtWorld
    listings: dict[str, int] = field(default_factory=dict)
    stock: dict[str, Stock] = field(default_factory=dict)
    orders: dict[str, Deal] = field(default_factory=dict)
    documents: dict[str, ListingMetadata] = field(default_factory=dict)

    @property
    def market(self):
        return self.world.market

    def order_id(self, name: str) -> int:
        return self.orders[name].order_id

    def sell(self, name: str, listing: str, buyer: str = "buyer", deliver: bool = True) -> Deal:
        m = self.market
        merchant = "merchant2" if listing == "xbox" else "merchant"
        order_id, key = m.make_order(self.listings[listing], buyer)
        record = None
        if deliver:
            record, _ = m.deliver(order_id, self.stock[listing], merchant=merchant)
        deal = Deal(m, self.listings[listing], self.stock[listing], order_id, key, record)
        self.orders[name] = deal
        return deal


def open_shop(world: CourtWorld) -> Shop:
    """Listings `steam` (merchant, ETH, 10 keys from supplier acme), `xbox` (merchant2, the demo
    token at 2.5 dUSD, 4 keys from bolt) and `gift` (merchant, ETH at half price, no stock, its
    document never published); orders: `confirmed1..3`, `delivered`, `paid`, `disputed`,
    `verdict` (a verifier refund pending) and `contested` (a court case) of steam; `token` and
    `token_confirmed` of xbox, bought by buyer2."""
    m = world.market
    for role in ("merchant2", "buyer2"):  # merchant2's bonds and buyer2's payments
        mint(m, m.address(role), TOKEN_FUND)
    shop = Shop(world)
    shop.documents = {"steam": STEAM, "xbox": XBOX, "gift": GIFT}
    shop.listings["steam"] = m.make_listing(description_hash=STEAM.description_hash())
    shop.stock["steam"] = m.make_stock(shop.listings["steam"], 10, supplier="acme")
    shop.listings["xbox"] = m.make_listing(
        "merchant2",
        token=m.token_address,
        price=2_500_000,
        bond_per_unit=1_000_000,
        dispute_bond=100_000,
        description_hash=XBOX.description_hash(),
    )
    shop.stock["xbox"] = m.make_stock(
        shop.listings["xbox"], 4, merchant="merchant2", supplier="bolt"
    )
    shop.listings["gift"] = m.make_listing(
        price=PRICE // 2, description_hash=GIFT.description_hash()
    )

    for i in (1, 2, 3):
        shop.sell(f"confirmed{i}", "steam")
        m.client("buyer").confirm(shop.order_id(f"confirmed{i}"))
    shop.sell("delivered", "steam")
    shop.sell("paid", "steam", deliver=False)
    disputed = shop.sell("disputed", "steam")
    m.client("buyer").dispute(disputed.order_id, DisputeReason.NOT_AS_DESCRIBED, EVIDENCE)
    verdict = shop.sell("verdict", "steam")
    m.client("buyer").dispute(verdict.order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    submit(verdict, sign_verdict(verdict))
    contested = shop.sell("contested", "steam")
    m.client("buyer").dispute(contested.order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    m.client("merchant").contest(contested.order_id)
    shop.sell("token_confirmed", "xbox", buyer="buyer2")
    m.client("buyer2").confirm(shop.order_id("token_confirmed"))
    shop.sell("token", "xbox", buyer="buyer2")
    return shop


def court_case_of(world: CourtWorld, order_id: int) -> int:
    """The court's case id of a contested order (the escrow's `cases(orderId)`)."""
    escrow = world.market.client("stranger")
    court, case_id = escrow.session.call(escrow.f.cases(order_id))
    assert court.lower() == world.court.address.lower()
    return case_id
