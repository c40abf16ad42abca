"""Every figure of the market benchmark, computed from the ledger (truth + chain events +
money) and nothing else.

- An *after-sales case* is an order that was disputed, had a misdelivery or duplicate proven,
  or was refunded for a missed delivery. Its tier is the indexer's (indexer/projections/tiers.py,
  what the reputation tables and the dashboard show): L1 when a published rule ended it (a proof,
  a deadline, the verifier's verdict either way), L2 the merchant's answer, L3 the court. Time to
  resolution: from the case's opening (the first dispute; the delivery deadline for a missed
  delivery) to the order's final event, in chain hours.
- Honest loss: per honest party, what it deserved minus what it ended with (never below 0): a
  buyer deserves to pay the price of each order whose last delivery is good (decrypts to the
  committed key, which the issuer says is valid) and nothing for the others; a merchant deserves
  the price less the escrow's fee for each good order, and loses a price for every replacement
  it had to give against a good key. Over the honest parties' volume (the prices of their
  orders).
- A court ruling *flips* when the order's outcome by ruling (refund, pay, split) is not the truth.
- A fraudulent buyer's false dispute *wins* when the order ends refunded or split while the key
  the buyer holds is good, or the merchant hands over a replacement after the lie. A replacement
  or refund that answered a true fault (a used first key before the lie) is no win: such orders
  are listed apart (`fraud_buyer_true_fault_orders`), the wins with their events too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from arbitration.court_client import Choice
from bench.market_sim.ledger import Ledger
from bench.market_sim.world import FEE_BPS
from fairkey.chain.types import CompletionCause, RefundCause
from indexer.projections.names import (
    COMPLETION_CAUSE,
    REFUND_CAUSE,
    VALID_VERDICT,
    name_of,
)
from indexer.projections.tiers import case_opened_at, tier_of

HOUR = 3600
COMPLAINTS = ("OrderDisputed", "MisdeliveryProven", "DuplicateProven")


def nearest_rank(values: list[float], q: float) -> float | None:
    """The q-quantile by nearest rank (an observed value), None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def _final(events) -> tuple[int, Any] | None:
    for at, e in events:
        if e.name in ("OrderCompleted", "OrderRefunded", "OrderSplit"):
            return at, e
    return None


def _delivery_deadline(events) -> int:
    """The order's delivery deadline as the chain set it (OrderPaid): the listing's window from
    the payment's block, not the loop's tick time plus an assumed window."""
    return next(e.args["deliveryDeadline"] for _, e in events if e.name == "OrderPaid")


_STATUS = {"OrderCompleted": "Completed", "OrderRefunded": "Refunded", "OrderSplit": "Split"}


def classify(ledger: Ledger, order_id: int) -> tuple[str, float] | None:
    """(tier, hours to resolution) of an after-sales case; None for an order without one.

    The tier is the indexer's rule (indexer/projections/tiers.py: the same numbers the
    reputation tables and the platform dashboard show), read off the order's events."""
    events = ledger.events.get(order_id, [])
    final = _final(events)
    disputed = [at for at, e in events if e.name == "OrderDisputed"]
    if final is None:
        complained = disputed or any(e.name in COMPLAINTS for _, e in events)
        return ("open", 0.0) if complained else None
    at, event = final
    cause = None
    if event.name == "OrderRefunded":
        cause = name_of(REFUND_CAUSE, event.args["cause"])
    elif event.name == "OrderCompleted":
        cause = name_of(COMPLETION_CAUSE, event.args["cause"])
    elif any(e.name == "Ruling" for _, e in events):
        cause = "Ruling"
    status, verdict = _STATUS[event.name], _standing_verdict(events, at)
    tier = tier_of(
        status,
        cause,
        bool(disputed),
        after_verdict=verdict is not None and verdict != VALID_VERDICT,
        after_valid=verdict == VALID_VERDICT,
    )
    if tier is None:
        return None
    opened = case_opened_at(
        cause, disputed[0] if disputed else None, _delivery_deadline(events), at
    )
    return f"L{tier}", (at - opened) / HOUR


def _standing_verdict(events, final_at: int) -> int | None:
    """The verifier's verdict the order ended under: the last VerifierAttested of its current
    delivery (a replacement or a new dispute after it ends its standing)."""
    verdict = None
    for at, e in events:
        if at > final_at:
            break
        if e.name == "VerifierAttested":
            verdict = e.args["verdict"]
        elif e.name == "KeyDelivered" or (e.name == "OrderDisputed" and verdict == VALID_VERDICT):
            verdict = None
    return verdict


def ruling_outcome(ledger: Ledger, order_id: int) -> Choice | None:
    final = _final(ledger.events.get(order_id, []))
    if final is None:
        return None
    e = final[1]
    if e.name == "OrderRefunded":
        return Choice.REFUND_BUYER if e.args["cause"] == RefundCause.RULING else None
    if e.name == "OrderCompleted":
        return Choice.PAY_MERCHANT if e.args["cause"] == CompletionCause.RULING else None
    return Choice.REFUSE


def replacements_after(ledger: Ledger, order_id: int) -> int:
    """Replacement deliveries (KeyDelivered with deliveryNo ≥ 1) of the order."""
    return sum(
        1
        for _, e in ledger.events.get(order_id, [])
        if e.name == "KeyDelivered" and e.args.get("deliveryNo", 0) >= 1
    )


def false_dispute_won(ledger: Ledger, order_id: int) -> dict[str, Any] | None:
    """How a fraudulent buyer's false dispute paid off (None: it did not): the order ended
    refunded or split while the key the buyer holds is good, or a replacement was delivered
    after a dispute against a good key. A replacement that answered an earlier, true dispute
    (a redeemed or wrong first key) is no win. With what the chain did, for the report."""
    order = ledger.orders[order_id]
    events = ledger.events.get(order_id, [])
    current_no, lied, replaced = 0, False, False
    for _, e in events:
        if e.name == "KeyDelivered":
            no = e.args.get("deliveryNo", 0)
            replaced = replaced or (lied and no > current_no)
            current_no = no
        elif e.name == "OrderDisputed" and not lied:
            delivery = order.deliveries.get(current_no)
            lied = delivery is not None and delivery.good
    current = order.current()
    refunded = _ended_refunded(events) and current is not None and current.good
    if not (refunded or replaced):
        return None
    return order_story(ledger, order_id, "refunded" if refunded else "replaced")


def _refunded_or_replaced(ledger: Ledger, order_id: int) -> bool:
    """The order ended refunded or split, or had a replacement (whatever it answered)."""
    return (
        _ended_refunded(ledger.events.get(order_id, [])) or replacements_after(ledger, order_id) > 0
    )


def _ended_refunded(events) -> bool:
    """The order's final event gave the buyer money back (a refund or a split)."""
    final = _final(events)
    return final is not None and final[1].name in ("OrderRefunded", "OrderSplit")


def order_story(ledger: Ledger, order_id: int, how: str) -> dict[str, Any]:
    """One order as the report lists it: its merchant's population, its disputes' reasons and
    its events in chain order, and `how` it is listed."""
    order = ledger.orders[order_id]
    events = ledger.events.get(order_id, [])
    start = min(o.paid_at for o in ledger.orders.values())
    return {
        "order_id": hex(order_id),
        "merchant": ledger.parties[order.merchant].population,
        "how": how,
        "dispute_reasons": [int(e.args["reason"]) for _, e in events if e.name == "OrderDisputed"],
        "events": [
            e.name
            + (f"({name_of(REFUND_CAUSE, e.args['cause'])})" if e.name == "OrderRefunded" else "")
            for _, e in events
        ],
        "paid_day": round((order.paid_at - start) / 86_400, 2),
    }


def deserved(ledger: Ledger) -> dict[str, int]:
    """What each party deserved by the ground truth (see the module)."""
    fair: dict[str, int] = defaultdict(int)
    for order in ledger.orders.values():
        current = order.current()
        good = current is not None and current.good
        if good:
            fair[order.buyer] -= order.price
            fair[order.merchant] += order.price - order.price * FEE_BPS // 10_000
    return fair


def honest_loss(ledger: Ledger) -> dict[str, Any]:
    fair = deserved(ledger)
    lost_keys: dict[str, int] = defaultdict(int)  # replacements given against a good key
    volume = 0
    for order in ledger.orders.values():
        buyer, merchant = ledger.parties[order.buyer], ledger.parties[order.merchant]
        volume += order.price * (buyer.honest + merchant.honest)
        if order.false_disputes:
            lost_keys[order.merchant] += order.price * replacements_after(ledger, order.order_id)
    losses = {}
    for name, party in ledger.parties.items():
        if not party.honest or name not in ledger.money:
            continue
        loss = max(0, fair.get(name, 0) - ledger.money[name]["net"]) + lost_keys.get(name, 0)
        if loss:
            losses[name] = loss
    total = sum(losses.values())
    return {
        "lost_wei": total,
        "volume_wei": volume,
        "by_party": losses,
        "share": total / volume if volume else 0.0,
    }


def compute(ledger: Ledger) -> dict[str, Any]:
    tiers: Counter[str] = Counter()
    hours: dict[str, list[float]] = defaultdict(list)
    for order_id in ledger.orders:
        found = classify(ledger, order_id)
        if found is None:
            continue
        tier, h = found
        tiers[tier] += 1
        if tier != "open":
            hours[tier].append(h)
    cases = sum(tiers.values())
    split = {t: (tiers[t] / cases if cases else 0.0) for t in ("L1", "L2", "L3")}

    rulings = flips = 0
    for _case_id, order_id in ledger.case_orders.items():
        outcome = ruling_outcome(ledger, order_id)
        if outcome is None:
            continue
        rulings += 1
        flips += outcome != ledger.orders[order_id].right_choice()

    false_disputes = 0
    won: list[dict[str, Any]] = []
    not_won: list[
        dict[str, Any]
    ] = []  # a lying buyer's order refunded or replaced for a true fault
    for order in ledger.orders.values():
        if not order.false_disputes or ledger.parties[order.buyer].population != "fraud":
            continue
        false_disputes += 1
        found = false_dispute_won(ledger, order.order_id)
        if found is not None:
            won.append(found)
        elif _refunded_or_replaced(ledger, order.order_id):  # but not for the lie
            not_won.append(
                order_story(ledger, order.order_id, "refund or replacement not won by the lie")
            )
    wins = len(won)

    loss = honest_loss(ledger)
    juror_net = dict(ledger.juror_earnings)
    return {
        "orders": len(ledger.orders),
        "after_sales_cases": cases,
        "honest_loss_share": loss["share"],
        "without_court_share": (tiers["L1"] + tiers["L2"]) / cases if cases else 1.0,
        "tiers": {"counts": dict(tiers), "split": split},
        "clique_flip_share": flips / rulings if rulings else 0.0,
        "court_rulings": rulings,
        "court_flips": flips,
        "fraud_buyer_win_share": wins / false_disputes if false_disputes else 0.0,
        "fraud_buyer_disputes": false_disputes,
        "fraud_buyer_wins": wins,
        "fraud_buyer_won_orders": won,
        "fraud_buyer_true_fault_orders": not_won,
        "hours_to_resolution": {
            t: {
                "median": nearest_rank(hours[t], 0.5),
                "p95": nearest_rank(hours[t], 0.95),
                "cases": len(hours[t]),
            }
            for t in ("L1", "L2", "L3")
        },
        "juror_net_wei": juror_net,
        "honest_loss": loss,
    }


TARGETS = {
    "honest_loss_share": ("<=", 0.001),
    "without_court_share": (">=", 0.95),
    "clique_flip_share": ("<=", 0.01),
    "fraud_buyer_win_share": ("<=", 0.01),
}


def missed_targets(figures: dict[str, Any]) -> list[str]:
    missed = []
    for name, (op, bound) in TARGETS.items():
        value = figures[name]
        if (op == "<=" and value > bound) or (op == ">=" and value < bound):
            missed.append(name)
    net = figures["juror_net_wei"]
    if net:
        if net.get("honest", 0) <= 0:
            missed.append("honest_jurors_net")
        if net.get("clique", 0) >= 0:
            missed.append("clique_net")
    else:
        missed.append("juror_net (no court play ran)")
    return missed
