"""The market simulation's policies and accounting on a small market (issue 13): the figures
are functions of the ledger alone, and the same seed gives the same figures."""

from __future__ import annotations

from arbitration.court_client import Choice
from bench.market_sim.figures import compute, nearest_rank
from bench.market_sim.ledger import Delivery, Ledger, OrderTruth, Party
from bench.market_sim.loop import SimConfig, juror_shares, simulate
from bench.market_sim.populations import BuyerMix, MerchantMix

PRICE = 10**16


def test_nearest_rank_is_an_observed_value():
    assert nearest_rank([5.0, 1.0, 3.0], 0.5) == 3.0
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 0.95) == 4.0
    assert nearest_rank([], 0.5) is None


def test_the_right_ruling_follows_the_last_delivery():
    order = OrderTruth(1, "m", "b", PRICE, 0)
    assert order.right_choice() is Choice.REFUND_BUYER  # nothing delivered
    order.deliveries[0] = Delivery(0, "K", True, "redeemed")
    assert order.right_choice() is Choice.REFUND_BUYER
    order.deliveries[1] = Delivery(1, "K2", True, "valid")
    assert order.right_choice() is Choice.PAY_MERCHANT


def test_an_honest_buyer_who_paid_for_a_dead_key_counts_as_honest_loss():
    ledger = Ledger()
    ledger.add_party(Party("m", "merchant", "sloppy", "0x" + "11" * 20))
    ledger.add_party(Party("b", "buyer", "honest", "0x" + "22" * 20))
    order = OrderTruth(1, "m", "b", PRICE, 0)
    order.deliveries[0] = Delivery(0, "K", True, "redeemed")
    ledger.orders[1] = order
    ledger.money = {"m": {"net": PRICE}, "b": {"net": -PRICE}}  # paid, key dead, not refunded
    figures = compute(ledger)
    assert figures["honest_loss"]["lost_wei"] == PRICE
    assert figures["honest_loss_share"] == 1.0  # one honest side, one price of volume


def test_juror_shares_keep_the_clique_at_its_share():
    shares = juror_shares(0.3)
    assert abs(sum(shares.values()) - 1) < 1e-9 and shares["clique"] == 0.3


SMALL = SimConfig(
    seed=5,
    orders=24,
    days=1.0,
    drain_days=4.0,
    merchants=(
        MerchantMix("honest", 1, 1.0),
        MerchantMix("fraud_wrong", 1, 1.0, wrong_share=0.5),
    ),
    buyers=(BuyerMix("honest", 6, 0.7),),
    court_play=False,
)


def test_a_small_market_is_reproducible_and_every_wrong_key_is_refunded_by_rule(tmp_path):
    first = simulate(SMALL, tmp_path / "a")
    second = simulate(SMALL, tmp_path / "b")
    a, b = compute(first.ledger), compute(second.ledger)
    assert a == b
    assert not first.unresolved
    wrong = [
        o for o in first.ledger.orders.values() if o.deliveries and not o.deliveries[0].check_ok
    ]
    assert wrong  # the fraudulent shop misdelivered some keys …
    assert a["tiers"]["counts"].get("L1", 0) >= len(wrong)  # … each proven on chain (L1)
    assert a["honest_loss_share"] == 0.0


def test_a_fraudulent_merchant_stops_contesting_after_its_third_court_loss():
    from types import SimpleNamespace

    from bench.market_sim.merchants import GIVE_UP_AFTER, MerchantAgent, merchant_policy
    from fairkey.chain.types import DisputeReason
    from fairkey.merchant.policy import DisputeAnswer, MerchantPolicy

    mix = MerchantMix("fraud_resold", 1, 1.0, redeemed_share=0.3)

    def holder():  # the bot's policy seam (MerchantBot.set_policy: tests/services)
        bot = SimpleNamespace(policy=merchant_policy("fraud_resold", "http://127.0.0.1:9"))
        bot.set_policy = lambda policy: setattr(bot, "policy", policy)
        return bot

    bot = holder()
    agent = MerchantAgent("fraud_resold-0", mix, None, 1, None, bot)
    assert bot.policy.disputes[DisputeReason.OTHER] is DisputeAnswer.contest
    for _ in range(GIVE_UP_AFTER - 1):
        agent.lost_in_court(MerchantPolicy(), GIVE_UP_AFTER)
    assert bot.policy.disputes[DisputeReason.OTHER] is DisputeAnswer.contest  # still trying
    agent.lost_in_court(MerchantPolicy(), GIVE_UP_AFTER)
    assert bot.policy.disputes == MerchantPolicy().disputes  # learnt: the protocol's defaults
    assert bot.policy.on_verdict == MerchantPolicy().on_verdict
    stubborn = holder()
    never = MerchantAgent("fraud_resold-1", mix, None, 2, None, stubborn)
    for _ in range(10):
        never.lost_in_court(MerchantPolicy(), None)
    assert stubborn.policy.disputes[DisputeReason.OTHER] is DisputeAnswer.contest
