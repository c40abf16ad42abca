"""Who trades in the simulated market, and how often each misbehaves: the mixes, each with a
one-line why (the seeds: card shops' after-sales threads, /work/shared/seeds/).

Every figure of bench/market.py is computed against these populations' ground truth (ledger.py).
Counts are per run (scaled to the orders asked for only through each buyer's order count).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MerchantMix:
    population: str  # honest | sloppy | fraud_wrong | fraud_resold | fraud_vanish
    count: int
    weight: float  # share of the buyers' orders that go to each merchant of this population
    redeemed_share: float = 0.0  # of its keys the issuer already says "redeemed"
    wrong_share: float = 0.0  # of its deliveries that encrypt another key than the committed one
    vanish_day: float | None = None  # its bot stops for good on this chain day
    why: str = ""


MERCHANTS: tuple[MerchantMix, ...] = (
    MerchantMix(
        "honest",
        7,
        1.0,
        why="most shops deliver what they list; the seeds' complaints "
        "are about the few that do not",
    ),
    MerchantMix(
        "sloppy",
        2,
        1.0,
        redeemed_share=0.04,
        why="a cheap supplier's batch with a few "
        "keys already used (the seeds' most common after-sales case: '卡密已被使用')",
    ),
    MerchantMix(
        "fraud_wrong",
        1,
        0.6,
        wrong_share=0.3,
        why="sends another key than the one it "
        "committed to (wrong denomination/region): provable on chain",
    ),
    MerchantMix(
        "fraud_resold",
        1,
        0.6,
        redeemed_share=0.3,
        why="resells keys it already sold "
        "elsewhere (the issuer says redeemed) and contests every verdict until the court "
        "has ruled against it 3 times (each try costs it a court fee)",
    ),
    MerchantMix(
        "fraud_vanish",
        1,
        0.6,
        vanish_day=12.0,
        why="runs away with paid orders (跑路): its bot stops mid-run",
    ),
)


@dataclass(frozen=True)
class BuyerMix:
    population: str  # honest | fraud
    count: int
    confirm_share: float  # of working keys it confirms itself (the rest settle by the keeper)
    false_dispute_share: float = 0.0  # of working keys it disputes anyway
    why: str = ""


BUYERS: tuple[BuyerMix, ...] = (
    BuyerMix("honest", 46, 0.7, why="most buyers redeem and move on; many never press confirm"),
    BuyerMix(
        "fraud",
        4,
        0.2,
        false_dispute_share=0.5,
        why="the seeds' '白嫖' buyers who redeem "
        "the key and claim it did not work, hoping for a refund",
    ),
)

# Juror stake shares (the clique's share is varied 10–40 % for the curve).
JURORS: dict[str, float] = {"honest": 0.65, "lazy_random": 0.10, "absent": 0.05, "clique": 0.20}
JUROR_COUNT = 60  # jurors of equal stake (jurors.JUROR_STAKE each)

# The seeds' after-sales split: 80 % by rule, 15 % by the shop, 5 % by a human arbiter.
SEED_TIERS = {"L1": 0.80, "L2": 0.15, "L3": 0.05}

# The honest shops' bot policy beyond the protocol's defaults (docs/fairness.md): the defaults
# refund "other" and replace "key-invalid" at once, which hands a lying buyer a refund or a second
# key (fraud_buyer_win_share 1.0 in the first runs). Waiting for the verifier and contesting what
# it cannot check leaves a lie to the court instead.
HONEST_POLICY: dict = {}


def honest_policy() -> dict:
    from fairkey.chain.types import DisputeReason
    from fairkey.merchant.policy import DEFAULT_DISPUTES, DisputeAnswer

    disputes = dict(DEFAULT_DISPUTES)
    disputes[DisputeReason.KEY_INVALID] = DisputeAnswer.wait
    disputes[DisputeReason.OTHER] = DisputeAnswer.contest
    return {"disputes": disputes}
