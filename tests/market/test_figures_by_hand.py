"""Every figure of the market benchmark (bench/market_sim/figures.py) on markets whose every
number is known by hand (issue 13): first on hand-built ledgers (no chain), one rule each; then
on a small real market on Anvil whose every order's outcome follows from its populations, checked
against a count made from the ledger's truth, not from figures.py's output.

Units: PRICE = 0.01 ETH, the escrow's fee 1 % (NET = 0.0099 ETH to the merchant), the unit bond
0.005 ETH, the buyer's dispute bond 0.003 ETH."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

from bench.market_sim.figures import HOUR, classify, compute, missed_targets
from bench.market_sim.loop import SimConfig, simulate
from bench.market_sim.populations import BuyerMix, MerchantMix
from fairkey.chain.types import CompletionCause as Done
from fairkey.chain.types import DisputeReason as Why
from fairkey.chain.types import RefundCause as Refund
from fairkey.chain.types import Verdict
from fairkey.merchant.policy import DisputeAnswer, Fallback
from tests.market.market_support import (
    BOND,
    DISPUTE_BOND,
    FEE,
    NET,
    PRICE,
    HandLedger,
    arbitration,
    attested,
    completed,
    delivered,
    disputed,
    event,
    refunded,
    split,
)

VALID, REDEEMED = Verdict.VALID, Verdict.REDEEMED


def loss(hand: HandLedger) -> dict:
    return compute(hand.ledger)["honest_loss"]


# ---------------------------------------------------------------------------- honest loss


def test_an_honest_buyer_who_paid_for_a_dead_key_loses_its_price_whatever_the_merchant_got():
    hand = HandLedger()
    m = hand.merchant("m", sent=BOND, escrow_credit=NET + BOND)  # paid, as if the key were good
    b = hand.buyer("b", sent=PRICE)  # paid, nothing back
    hand.order(m, b, delivered(0), completed(24, Done.CONFIRM_WINDOW_PASSED), keys=("redeemed",))
    found = loss(hand)
    # Buyer: deserved 0 (the key is dead), ended -PRICE: loses PRICE. The honest merchant was
    # paid NET it did not deserve: a gain, which does not offset another party's loss.
    # Volume: one order between two honest parties = 2 PRICE. Share 1/2.
    assert found["by_party"] == {"b": PRICE}
    assert found["volume_wei"] == 2 * PRICE
    assert compute(hand.ledger)["honest_loss_share"] == 0.5


def test_an_honest_merchant_that_refunded_a_good_key_loses_the_price_less_the_fee():
    hand = HandLedger()
    m = hand.merchant("m", sent=BOND, escrow_credit=BOND)  # its bond back, no price
    b = hand.buyer("b", "fraud", sent=PRICE + DISPUTE_BOND, escrow_credit=PRICE + DISPUTE_BOND)
    hand.order(
        m, b, delivered(0), disputed(2, Why.OTHER), refunded(5, Refund.MERCHANT_REFUNDED),
        keys=("valid",), false_disputes=1,
    )  # fmt: skip
    # Merchant deserved NET (a good key), ended 0: loses NET = 0.0099 ETH. Volume PRICE (the
    # buyer is not honest): share 0.99.
    assert loss(hand)["by_party"] == {"m": NET}
    assert compute(hand.ledger)["honest_loss_share"] == NET / PRICE == 0.99


def test_a_replacement_given_against_a_good_key_costs_the_merchant_a_price():
    hand = HandLedger()
    m = hand.merchant("m", sent=2 * BOND, escrow_credit=NET + 2 * BOND)  # paid once, 2 keys out
    b = hand.buyer("b", "fraud", sent=PRICE + DISPUTE_BOND, escrow_credit=DISPUTE_BOND)
    hand.order(
        m, b, delivered(0), disputed(3, Why.KEY_INVALID), delivered(4, no=1),
        completed(28, Done.CONFIRM_WINDOW_PASSED), keys=("valid", "valid"), false_disputes=1,
    )  # fmt: skip
    # The money is right (NET for a good order) but a second key went out against a lie: PRICE.
    assert loss(hand) == {"lost_wei": PRICE, "volume_wei": PRICE, "by_party": {"m": PRICE},
                          "share": 1.0}  # fmt: skip


def test_a_replacement_against_a_dead_key_is_no_loss():
    hand = HandLedger()
    m = hand.merchant("m", sent=2 * BOND, escrow_credit=NET + 2 * BOND)
    b = hand.buyer("b", sent=PRICE + DISPUTE_BOND, escrow_credit=DISPUTE_BOND)
    hand.order(
        m, b, delivered(0), disputed(3, Why.KEY_INVALID), delivered(4, no=1),
        completed(5, Done.BUYER_CONFIRMED), keys=("redeemed", "valid"),
    )  # fmt: skip
    # The buyer's dispute was true (no false dispute): the replacement was owed. Merchant deserved
    # NET and has it; the buyer deserved -PRICE and has it. Loss 0 of 2 PRICE.
    assert loss(hand)["lost_wei"] == 0 and loss(hand)["volume_wei"] == 2 * PRICE


def test_a_court_fee_an_honest_winner_does_not_get_back_is_its_loss():
    hand = HandLedger()
    m = hand.merchant("m", "sloppy", sent=BOND + 3 * FEE, escrow_credit=BOND)
    court_fee = 3 * 10**15  # a first round (3 seats x 0.001 ETH) beyond the dispute bond
    b = hand.buyer("b", sent=PRICE + DISPUTE_BOND + court_fee,
                   escrow_credit=PRICE + DISPUTE_BOND)  # fmt: skip
    hand.order(
        m, b, delivered(0), disputed(3, Why.KEY_INVALID), arbitration(15, case_id=1),
        refunded(40, Refund.RULING), keys=("redeemed",),
    )  # fmt: skip
    # The buyer was right and got price and bond back, but not the 0.003 ETH fee it advanced.
    # Volume PRICE (sloppy is not honest): share 0.3.
    assert loss(hand)["by_party"] == {"b": court_fee}
    assert compute(hand.ledger)["honest_loss_share"] == court_fee / PRICE == 0.3


def test_a_fraudulent_partys_loss_is_not_counted():
    hand = HandLedger()
    m = hand.merchant("m", "fraud_resold", sent=BOND, escrow_credit=BOND)  # refunded a good key
    b = hand.buyer("b", sent=PRICE, escrow_credit=PRICE)
    f = hand.buyer("f", "fraud", sent=PRICE + DISPUTE_BOND)  # lost its bond on a lie
    h = hand.merchant("h", sent=BOND, escrow_credit=NET + BOND + DISPUTE_BOND)
    hand.order(m, b, delivered(0), refunded(2, Refund.MERCHANT_REFUNDED), keys=("valid",))
    hand.order(
        h, f, delivered(0), disputed(2, Why.OTHER), arbitration(14, case_id=7),
        completed(40, Done.RULING), keys=("valid",), false_disputes=1,
    )  # fmt: skip
    # fraud_resold deserved NET and got 0; f deserved -PRICE and has -PRICE - bond: neither is
    # honest. b and h end at or above what they deserved. Volume: b's and h's orders, 2 PRICE.
    assert loss(hand) == {"lost_wei": 0, "volume_wei": 2 * PRICE, "by_party": {}, "share": 0.0}


def test_an_honest_partys_windfall_on_one_order_offsets_its_loss_on_another():
    hand = HandLedger()
    m = hand.merchant("m", "sloppy", sent=2 * BOND, escrow_credit=NET + BOND)
    v = hand.merchant("v", "fraud_vanish", sent=BOND)
    b = hand.buyer("b", sent=2 * PRICE, escrow_credit=PRICE + BOND)
    hand.order(m, b, delivered(0), completed(24, Done.CONFIRM_WINDOW_PASSED), keys=("redeemed",))
    hand.order(v, b, refunded(1.5, Refund.NOT_DELIVERED, compensation=BOND))
    # Per party, not per order: b deserved 0, ended -PRICE + BOND (it paid for a dead key, and
    # was compensated for the missed delivery): loses PRICE - BOND = 0.005 ETH, not PRICE.
    assert loss(hand)["by_party"] == {"b": PRICE - BOND}


# ---------------------------------------------------------------------------- tiers and hours

# One order per path an after-sales case can take: (events, tier, hours from the complaint, or
# from the delivery deadline for a missed delivery, to the final event).
PATHS = {
    "misdelivery proof": (
        (delivered(0), event(2, "MisdeliveryProven", fault=1),
         refunded(2, Refund.MISDELIVERY, BOND)), "L1", 0.0),
    "duplicate proof": (
        (delivered(0), event(2, "DuplicateProven"), refunded(2, Refund.DUPLICATE, BOND)),
        "L1", 0.0),
    "verifier refund": (
        (delivered(0), disputed(2, Why.KEY_INVALID), attested(2, REDEEMED),
         refunded(14, Refund.VERIFIER_ATTESTED)), "L1", 12.0),
    "missed delivery": ((refunded(1.5, Refund.NOT_DELIVERED, BOND),), "L1", 0.5),
    "merchant refund": (
        (delivered(0), disputed(2, Why.OTHER), refunded(5, Refund.MERCHANT_REFUNDED)), "L2", 3.0),
    "replacement": (
        (delivered(0), disputed(2, Why.KEY_INVALID), delivered(3, no=1),
         completed(7, Done.BUYER_CONFIRMED)), "L2", 5.0),
    "silent merchant": (
        (delivered(0), disputed(2, Why.NOT_AS_DESCRIBED), refunded(14, Refund.MERCHANT_SILENT)),
        "L1", 12.0),
    "withdrawn dispute": (
        (delivered(0), disputed(2, Why.OTHER), event(3, "DisputeWithdrawn"),
         completed(4, Done.BUYER_CONFIRMED)), "L2", 2.0),
    # The verifier's VALID verdict rejects the claim by rule (the indexer's tiers.py: L1), and
    # the order is paid once the buyer's window to take it to the court passes.
    "valid verdict": (
        (delivered(0), disputed(2, Why.KEY_INVALID), attested(2, VALID),
         completed(14, Done.CONFIRM_WINDOW_PASSED)), "L1", 12.0),
    "court ruling": (
        (delivered(0), disputed(2, Why.OTHER), arbitration(14, case_id=1),
         refunded(32, Refund.RULING)), "L3", 30.0),
    "stalled split": (
        (delivered(0), disputed(2, Why.OTHER), arbitration(14, case_id=2), split(14 + 30 * 24)),
        "L3", 732.0),
    "open dispute": ((delivered(0), disputed(2, Why.OTHER)), "open", 0.0),
}  # fmt: skip


def path_ledger(names=PATHS) -> HandLedger:
    hand = HandLedger()
    m, b = hand.merchant("m"), hand.buyer("b")
    for name in names:
        hand.order(m, b, *PATHS[name][0], keys=("valid",))
    return hand


@pytest.mark.parametrize("path", PATHS)
def test_each_after_sales_path_has_its_tier_and_hours(path):
    hand = path_ledger([path])
    _, tier, hours = PATHS[path]
    assert classify(hand.ledger, 1) == (tier, hours)


def test_an_order_without_a_complaint_is_no_after_sales_case():
    hand = HandLedger()
    hand.order(hand.merchant("m"), hand.buyer("b"), delivered(0),
               completed(5, Done.BUYER_CONFIRMED), keys=("valid",))  # fmt: skip
    assert classify(hand.ledger, 1) is None
    assert compute(hand.ledger)["after_sales_cases"] == 0
    assert compute(hand.ledger)["without_court_share"] == 1.0  # no case: nothing went to court


def test_the_tier_split_and_the_hours_over_one_order_per_path():
    figures = compute(path_ledger().ledger)
    # 12 cases: L1 = misdelivery, duplicate, verifier refund, missed, silent, valid verdict (6);
    # L2 = merchant refund, replacement, withdrawn (3); L3 = ruling, stalled split (2); 1 open,
    # which counts as a case in every denominator.
    assert figures["after_sales_cases"] == 12
    assert figures["tiers"]["counts"] == {"L1": 6, "L2": 3, "L3": 2, "open": 1}
    assert figures["tiers"]["split"] == {"L1": 6 / 12, "L2": 3 / 12, "L3": 2 / 12}
    assert figures["without_court_share"] == 9 / 12 == 0.75
    # Nearest rank (rank = ceil(n q)): L1 [0, 0, 0.5, 12, 12, 12]: median rank 3 -> 0.5, p95
    # rank 6 -> 12. L2 [2, 3, 5]: median rank 2 -> 3, p95 rank 3 -> 5. L3 [30, 732]: ranks 1, 2.
    assert figures["hours_to_resolution"] == {
        "L1": {"median": 0.5, "p95": 12.0, "cases": 6},
        "L2": {"median": 3.0, "p95": 5.0, "cases": 3},
        "L3": {"median": 30.0, "p95": 732.0, "cases": 2},
    }


def test_hours_per_tier_are_nearest_ranks_of_the_cases():
    hand = HandLedger()
    m, b = hand.merchant("m"), hand.buyer("b")
    for h in range(20, 0, -1):  # 20 merchant refunds, 1 .. 20 hours after their dispute
        hand.order(m, b, delivered(0), disputed(1, Why.OTHER),
                   refunded(1 + h, Refund.MERCHANT_REFUNDED), keys=("valid",))  # fmt: skip
    # n = 20: median rank ceil(10) = 10 -> 10 h; p95 rank ceil(19) = 19 -> 19 h. No L1/L3 case.
    hours = compute(hand.ledger)["hours_to_resolution"]
    assert hours["L2"] == {"median": 10.0, "p95": 19.0, "cases": 20}
    assert hours["L1"] == hours["L3"] == {"median": None, "p95": None, "cases": 0}


# ---------------------------------------------------------------------------- the court


def test_a_ruling_flips_when_it_is_not_the_truth_and_a_split_always_does():
    hand = HandLedger()
    m, b = hand.merchant("m"), hand.buyer("b")
    cases = (  # (key's truth, final event): truth REFUND_BUYER for a dead key, else PAY_MERCHANT
        ("redeemed", refunded(30, Refund.RULING)),  # with the truth
        ("redeemed", completed(30, Done.RULING)),  # flip
        ("valid", refunded(30, Refund.RULING)),  # flip
        ("valid", completed(30, Done.RULING)),  # with the truth
        ("valid", split(30)),  # REFUSE: never the truth, a flip (a refusal or a stalled case)
        ("valid", None),  # not ruled yet: no ruling
    )
    for case_id, (state, final) in enumerate(cases, start=1):
        events = [delivered(0), disputed(2, Why.OTHER), arbitration(14, case_id)]
        hand.order(m, b, *events, *([final] if final else []), keys=(state,))
    figures = compute(hand.ledger)
    # 5 rulings, 3 flips: 0.6.
    assert (figures["court_rulings"], figures["court_flips"]) == (5, 3)
    assert figures["clique_flip_share"] == 0.6


def test_without_rulings_the_flip_share_is_zero():
    assert compute(HandLedger().ledger)["clique_flip_share"] == 0.0


def test_a_lying_buyer_wins_by_a_refund_a_split_or_a_replacement():
    hand = HandLedger()
    m, f = hand.merchant("m"), hand.buyer("f", "fraud")
    lie = (delivered(0), disputed(2, Why.OTHER))
    endings = (
        (refunded(5, Refund.MERCHANT_REFUNDED),),  # win
        (arbitration(14, 1), split(40)),  # win
        (delivered(3, no=1), completed(27, Done.CONFIRM_WINDOW_PASSED)),  # win: a second key
        (arbitration(14, 2), completed(40, Done.RULING)),  # the lie rejected by the court
        (attested(2, VALID), completed(14, Done.CONFIRM_WINDOW_PASSED)),  # … by the verifier
        (),  # still open: a dispute, no win
    )
    for ending in endings:
        hand.order(m, f, *lie, *ending, keys=("valid", "valid"), false_disputes=1)
    # A fraudulent buyer's true dispute of a dead key is no lie: not counted at all.
    hand.order(m, f, delivered(0), disputed(2, Why.KEY_INVALID),
               refunded(5, Refund.MERCHANT_REFUNDED), keys=("redeemed",))  # fmt: skip
    figures = compute(hand.ledger)
    # 6 lies, 3 won: 0.5.
    assert (figures["fraud_buyer_disputes"], figures["fraud_buyer_wins"]) == (6, 3)
    assert figures["fraud_buyer_win_share"] == 0.5


def test_a_replacement_that_answered_an_earlier_true_dispute_is_no_win_for_a_later_lie():
    hand = HandLedger()
    m, f = hand.merchant("m"), hand.buyer("f", "fraud")
    # The first key was used already: a true dispute, answered with a second key. The buyer
    # then lies about the good second key; the verifier finds it valid and the merchant is paid.
    true_then_lie = hand.order(
        m, f, delivered(0), disputed(2, Why.KEY_INVALID), delivered(3, no=1),
        disputed(5, Why.OTHER), attested(5, VALID), completed(14, Done.CONFIRM_WINDOW_PASSED),
        keys=("redeemed", "valid"), false_disputes=1,
    )  # fmt: skip
    # The same lie, but on the first key, answered with a second one: a win.
    lie_then_replaced = hand.order(
        m, f, delivered(0), disputed(2, Why.OTHER), delivered(3, no=1),
        completed(27, Done.CONFIRM_WINDOW_PASSED),
        keys=("valid", "valid"), false_disputes=1,
    )  # fmt: skip
    figures = compute(hand.ledger)
    assert (figures["fraud_buyer_disputes"], figures["fraud_buyer_wins"]) == (2, 1)
    assert [o["order_id"] for o in figures["fraud_buyer_won_orders"]] == [hex(lie_then_replaced)]
    assert figures["fraud_buyer_won_orders"][0]["how"] == "replaced"
    assert [o["order_id"] for o in figures["fraud_buyer_true_fault_orders"]] == [hex(true_then_lie)]


def test_juror_nets_are_passed_through_and_judged():
    hand = HandLedger()
    hand.ledger.juror_earnings = {"honest": 4 * 10**15, "clique": -2 * 10**16}
    figures = compute(hand.ledger)
    assert figures["juror_net_wei"] == {"honest": 4 * 10**15, "clique": -2 * 10**16}
    assert not {"honest_jurors_net", "clique_net"} & set(missed_targets(figures))
    hand.ledger.juror_earnings = {"honest": -1, "clique": 1}
    assert {"honest_jurors_net", "clique_net"} <= set(missed_targets(compute(hand.ledger)))
    hand.ledger.juror_earnings = {}
    assert "juror_net (no court play ran)" in missed_targets(compute(hand.ledger))


def _nearest_rank(values: list[float], q: float) -> float:
    """The nearest-rank quantile written out for the by-hand count: the ceil(n q)-th smallest."""
    return sorted(values)[max(1, math.ceil(len(values) * q)) - 1]


# ---------------------------------------------------------------------------- a real small market

# One honest shop and one that vanishes half a day in; three honest buyers and two that dispute
# every good key. No dispute reaches the court: on a listing with a verifier every dispute waits
# for its verdict, and the overrides make the fallback a refund (not a contest). The key reaches
# the verifier from the buyer (a key-invalid claim) or from the shop's bot (any claim, while it
# runs), and the VALID verdict on chain rejects the lie; a vanished shop sends nothing, so a lie
# the buyer did not send itself ends by the silent-merchant refund.
SMALL = SimConfig(
    seed=4,
    orders=32,
    days=1.0,
    drain_days=3.0,
    merchants=(MerchantMix("honest", 1, 1.0), MerchantMix("fraud_vanish", 1, 1.0, vanish_day=0.5)),
    buyers=(BuyerMix("honest", 3, 0.7), BuyerMix("fraud", 2, 0.0, false_dispute_share=1.0)),
    policy_overrides={"fallback": Fallback.refund, "on_valid": DisputeAnswer.wait},
    court_play=False,
)
SHOP, VANISH = "honest-0", "fraud_vanish-0"


@dataclass
class Expected:
    """Each order's outcome as the populations dictate, counted from the ledger's truth."""

    missed: list[int] = field(default_factory=list)  # the vanished shop's undelivered orders
    refunded_lies: list[int] = field(default_factory=list)  # lies to a vanished shop
    rejected_lies: list[int] = field(default_factory=list)  # lies the verifier saw: VALID
    plain: list[int] = field(default_factory=list)  # a good key and no complaint


def _names(ledger, order_id: int) -> dict:
    return {e.name: (at, e) for at, e in ledger.events[order_id]}


def vanish_window(ledger) -> tuple[int, int]:
    """(alive, gone): the vanished shop's bot delivered an order paid at `alive` and missed one
    paid at `gone`, so it stopped in between (its orders are a delivered run, then a missed run:
    see the first test)."""
    mine = [o for o in ledger.orders.values() if o.merchant == VANISH]
    alive = max(o.paid_at for o in mine if o.deliveries)
    gone = min(o.paid_at for o in mine if not o.deliveries)
    return alive, gone


def expected_of(ledger) -> Expected:
    expected = Expected()
    alive, gone = vanish_window(ledger)
    for order in ledger.orders.values():
        if not order.deliveries:
            expected.missed.append(order.order_id)
            continue
        if not order.false_disputes:
            expected.plain.append(order.order_id)
            continue
        at, dispute = _names(ledger, order.order_id)["OrderDisputed"]
        seen = order.merchant == SHOP or dispute.args["reason"] == Why.KEY_INVALID or at < alive
        if not seen and at < gone:  # disputed in the tick the shop stopped: either may happen
            seen = "VerifierAttested" in _names(ledger, order.order_id)
        (expected.rejected_lies if seen else expected.refunded_lies).append(order.order_id)
    return expected


@pytest.fixture(scope="module")
def small_market(tmp_path_factory):
    result = simulate(SMALL, tmp_path_factory.mktemp("small-market"))
    assert not result.unresolved
    return result.ledger, expected_of(result.ledger), compute(result.ledger)


def test_every_order_of_the_small_market_ends_as_its_populations_dictate(small_market):
    ledger, expected, _ = small_market
    assert len(ledger.orders) == SMALL.orders
    # Nobody delivers a bad key; only the vanished shop misses deliveries, and exactly those
    # paid after it stopped: its orders by payment time are a delivered run, then a missed run.
    assert all(d.good for o in ledger.orders.values() for d in o.deliveries.values())
    vanish = sorted((o for o in ledger.orders.values() if o.merchant == VANISH),
                    key=lambda o: o.paid_at)  # fmt: skip
    delivered_flags = [bool(o.deliveries) for o in vanish]
    cut = delivered_flags.index(False)
    assert cut > 0 and not any(delivered_flags[cut:])
    assert {o.order_id for o in vanish[cut:]} == set(expected.missed)
    # Every kind of order occurs in this run (seed 4): lies to both shops, rejected and won.
    assert expected.missed and expected.plain and expected.refunded_lies
    assert {ledger.orders[i].merchant for i in expected.rejected_lies} == {SHOP, VANISH}
    for order_id in expected.missed:
        final = _names(ledger, order_id)["OrderRefunded"][1].args
        assert (final["cause"], final["compensation"]) == (Refund.NOT_DELIVERED, BOND)
    for order_id in expected.rejected_lies:
        names = _names(ledger, order_id)
        assert names["VerifierAttested"][1].args["verdict"] == VALID
        assert names["OrderCompleted"][1].args["cause"] == Done.CONFIRM_WINDOW_PASSED
    for order_id in expected.refunded_lies:
        final = _names(ledger, order_id)["OrderRefunded"][1].args
        assert (final["cause"], final["compensation"]) == (Refund.MERCHANT_SILENT, BOND)
    for order_id in expected.plain:
        names = _names(ledger, order_id)
        assert "OrderCompleted" in names and "OrderDisputed" not in names


def test_the_small_markets_tiers_wins_and_court_figures_match_the_hand_count(small_market):
    ledger, expected, figures = small_market
    l1, lies = len(expected.missed), len(expected.refunded_lies) + len(expected.rejected_lies)
    # Missed deliveries are L1, and so is every lie: it ended by a published rule (the silent
    # merchant's refund, or the VALID verdict then the buyer's window). Nothing at L2 or L3.
    cases = l1 + lies
    assert figures["tiers"]["counts"] == {"L1": cases}
    assert figures["after_sales_cases"] == cases
    assert figures["tiers"]["split"] == {"L1": 1.0, "L2": 0.0, "L3": 0.0}
    assert figures["without_court_share"] == 1.0
    assert (figures["court_rulings"], figures["clique_flip_share"]) == (0, 0.0)
    # A lie wins when refunded (by a vanished shop); the others were rejected by the verifier.
    wins = len(expected.refunded_lies)
    assert (figures["fraud_buyer_disputes"], figures["fraud_buyer_wins"]) == (lies, wins)
    assert figures["fraud_buyer_win_share"] == wins / lies
    assert figures["juror_net_wei"] == {}


def test_the_small_markets_money_and_honest_loss_match_the_hand_count(small_market):
    ledger, expected, figures = small_market
    at_shop = [o for o in ledger.orders.values() if o.merchant == SHOP]
    refunded = sum(ledger.orders[i].merchant == SHOP for i in expected.refunded_lies)
    rejected = sum(ledger.orders[i].merchant == SHOP for i in expected.rejected_lies)
    # The honest shop is paid NET for every order but the refunded lies, and wins the liar's
    # dispute bond on every rejected one; its bonds all come back (held or credited).
    assert ledger.money[SHOP]["net"] == NET * (len(at_shop) - refunded) + DISPUTE_BOND * rejected
    # An honest buyer pays PRICE per delivered key and gains the unit bond per missed delivery.
    for name, party in ledger.parties.items():
        if party.role == "buyer" and party.honest:
            mine = [o for o in ledger.orders.values() if o.buyer == name]
            got = sum(bool(o.deliveries) for o in mine)
            assert ledger.money[name]["net"] == -PRICE * got + BOND * (len(mine) - got)
    # The only possible honest loss: the shop deserved NET for each refunded lie, less the bonds
    # it won (the loss nets per party); it refunded none. Volume: a price per honest side.
    assert refunded == 0
    lost = max(0, NET * refunded - DISPUTE_BOND * rejected)
    volume = sum(
        PRICE * (ledger.parties[o.buyer].honest + ledger.parties[o.merchant].honest)
        for o in ledger.orders.values()
    )
    assert figures["honest_loss"]["by_party"] == ({SHOP: lost} if lost else {})
    assert figures["honest_loss"]["volume_wei"] == volume
    assert figures["honest_loss_share"] == lost / volume


def test_the_small_markets_hours_follow_the_deadlines(small_market):
    ledger, expected, figures = small_market
    hours: dict[str, list[float]] = {"missed": [], "lies": []}
    for order_id in expected.missed:  # from the delivery deadline to the keeper's refund
        names = _names(ledger, order_id)
        deadline = names["OrderPaid"][1].args["deliveryDeadline"]
        hours["missed"].append((names["OrderRefunded"][0] - deadline) / HOUR)
    for order_id in expected.refunded_lies + expected.rejected_lies:  # from the dispute
        names = _names(ledger, order_id)
        final = names.get("OrderRefunded") or names["OrderCompleted"]
        hours["lies"].append((final[0] - names["OrderDisputed"][0]) / HOUR)
    # The keeper refunds a missed delivery within the tick after its deadline; the silent rule
    # and a VALID verdict's window end with the 12 h response window: each within one tick.
    assert all(0 <= h <= 1 for h in hours["missed"])
    assert all(12 <= h <= 13 for h in hours["lies"])
    found = hours["missed"] + hours["lies"]  # all of them L1
    assert figures["hours_to_resolution"]["L1"] == {
        "median": _nearest_rank(found, 0.5),
        "p95": _nearest_rank(found, 0.95),
        "cases": len(found),
    }
