"""The demo marketplace `make up` seeds, as data: three shops, five listings (in English and
Chinese, in ETH and the demo token dUSD), four suppliers, and the story of the orders that leave
one order waiting in each state a buyer meets, including a live court case.

Listing 1 is the README walkthrough's (dev account 2, whose bot `make up` runs; 25 keys, the 2nd
and 3rd sold already redeemed at the demo issuer) and its court case is case 1: the tests and
the walkthrough count on both. The other shops deliver by hand (no bot), so their orders stay
where the story leaves them until someone acts or a deadline passes (`fairkey dev time +25h`:
the keeper then settles, refunds and executes what fell due)."""

from __future__ import annotations

from dataclasses import dataclass

from fairkey.chain.types import DisputeReason
from fairkey.crypto.canonical import KeyAlphabet
from fairkey.listing_meta import ListingMetadata
from scripts.demo_data import DEMO_LISTING_TERMS, DEMO_REDEEMED_UNITS
from scripts.up.accounts import ROLES, SECOND_BUYER, SHOPS

BOT_MERCHANT = ROLES["merchant"]


def _terms(args: tuple[str, ...]) -> dict[str, str]:
    """`--price 0.01 --bond …` (the CLI's arguments) as {"price": "0.01", …}."""
    return {args[i].removeprefix("--"): args[i + 1] for i in range(0, len(args), 2)}


_WALKTHROUGH = _terms(DEMO_LISTING_TERMS)  # the README's listing 1, as the CLI tests create it
_EVERYDAY = {"delivery-window": "1h", "confirm-window": "24h", "response-window": "12h",
             "appeal-window": "2h", "max-replacements": "2"}  # fmt: skip


@dataclass(frozen=True)
class DemoListing:
    merchant: int  # dev account
    document: ListingMetadata  # what the API stores and the dApp shows (its hash on chain)
    terms: dict[str, str]  # CLI-style amounts (in the token's whole units) and windows
    supplier: str  # the batch's supplier tag
    keys: int  # keys committed in one batch
    token: str = "eth"  # eth | demo (dUSD)
    verifier: bool = True  # the demo verifier (dev account 5) checks its disputed keys
    alphabet: KeyAlphabet = KeyAlphabet.PRINTABLE_ASCII
    redeemed: tuple[int, ...] = ()  # units (in delivery order) the demo issuer knows as redeemed


LISTINGS: tuple[DemoListing, ...] = (
    DemoListing(  # 1: the walkthrough's
        BOT_MERCHANT,
        ListingMetadata.from_text("Steam Wallet card, 50 USD, global (demo)"),
        _WALKTHROUGH,
        "demo-supplier",
        25,
        alphabet=KeyAlphabet.TEXT,
        redeemed=DEMO_REDEEMED_UNITS,
    ),
    DemoListing(  # 2: the bot's shop in Chinese
        BOT_MERCHANT,
        ListingMetadata(
            "Steam 钱包充值卡 100 元（国区）",
            "Steam 国区钱包充值码，面值 100 元，自动发货。激活前请确认账号地区为中国。",
            "zh-CN",
        ),
        {"price": "0.018", "bond": "0.009", "dispute-bond": "0.001", **_EVERYDAY},
        "huaxia-cards",
        10,
    ),
    DemoListing(  # 3: sold for dUSD (ERC-20: the buyer approves exactly the price)
        SHOPS["lotus-keys"],
        ListingMetadata(
            "Xbox Game Pass Ultimate, 1 month",
            "A 25-character Xbox code for one month of Game Pass Ultimate, any region. "
            "Delivered by hand within the hour.",
            "en",
        ),
        {"price": "12.5", "bond": "5", "dispute-bond": "1", **_EVERYDAY},
        "acme-cards",
        8,
        token="demo",
        redeemed=(1,),
    ),
    DemoListing(  # 4
        SHOPS["lotus-keys"],
        ListingMetadata(
            "App Store & iTunes gift card, 25 USD",
            "US store only. The code is shown once delivered; redeem it in the App Store app.",
            "en",
        ),
        {"price": "0.008", "bond": "0.004", "dispute-bond": "0.0005", **_EVERYDAY},
        "nightowl-wholesale",
        6,
    ),
    DemoListing(  # 5
        SHOPS["playpin"],
        ListingMetadata(
            "PlayStation Plus 会员 3 个月（港服）",
            "港服 PSN 会员兑换码，三个月。非港服账号无法兑换，请勿拍错。",
            "zh-CN",
        ),
        {"price": "0.015", "bond": "0.006", "dispute-bond": "0.001", **_EVERYDAY},
        "acme-cards",
        6,
        verifier=False,
    ),
)


@dataclass(frozen=True)
class DemoOrder:
    """One purchase and what happens to it before `make up` hands over."""

    listing: int  # 1-based, as on chain
    buyer: int
    deliver: bool = True
    dispute: DisputeReason | None = None
    then: str | None = None  # confirm | refund (the merchant's answer) | contest | verify
    shows: str = ""  # the state it is left in, for the summary


# In this order: the court case is the escrow's first contest, so it is case 1. The bot's
# merchant (dev account 2) has no other order: its balance is only what the walkthrough sells.
ORDERS: tuple[DemoOrder, ...] = (
    DemoOrder(1, ROLES["buyer"], dispute=DisputeReason.NOT_AS_DESCRIBED, then="contest",
              shows="Arbitrating: case 1, its panel drawn from the demo jurors"),
    DemoOrder(5, SECOND_BUYER, then="confirm", shows="Completed"),
    DemoOrder(5, SECOND_BUYER, then="confirm", shows="Completed"),
    DemoOrder(4, SECOND_BUYER, then="confirm", shows="Completed"),
    DemoOrder(5, SECOND_BUYER, dispute=DisputeReason.NOT_AS_DESCRIBED, then="refund",
              shows="Refunded by the merchant"),
    DemoOrder(4, SECOND_BUYER, deliver=False, shows="Paid, waiting for the merchant"),
    DemoOrder(3, SECOND_BUYER, shows="Delivered, the buyer may confirm or dispute"),
    DemoOrder(4, SECOND_BUYER, dispute=DisputeReason.OTHER,
              shows="Disputed, waiting for the merchant's answer"),
    DemoOrder(3, SECOND_BUYER, dispute=DisputeReason.KEY_INVALID, then="verify",
              shows="VerifierRefundPending: the issuer says redeemed"),
)  # fmt: skip
