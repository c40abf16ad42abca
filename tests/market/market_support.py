"""Hand-built market ledgers for the figures' tests: parties, ground truth and chain events
filled the way bench/market_sim/ledger.py's readers fill them (events per order as
(block time, Event) in chain order with the escrow's decoded argument names and plain-int enums,
case ids from ArbitrationRequested, money parts per party), without a chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from bench.market_sim.ledger import Delivery, Ledger, OrderTruth, Party
from fairkey.chain.session import Event

HOUR = 3600
DAY = 24 * HOUR
PRICE = 10**16
FEE = PRICE // 100  # the escrow's 1 % (bench/market_sim/world.py FEE_BPS)
NET = PRICE - FEE  # what a merchant is owed for a good key
BOND = 5 * 10**15  # the unit bond: the late or faulty merchant's compensation to the buyer
DISPUTE_BOND = 3 * 10**15
ESCROW = "0x" + "ee" * 20
DELIVERY_WINDOW = HOUR
T0 = 1_900_000_000


def money(
    sent: int = 0,
    escrow_credit: int = 0,
    court_credit: int = 0,
    withdrawn: int = 0,
    bonds_held: int = 0,
) -> dict[str, int]:
    """A party's money parts as read_money stores them (net: what came back less what was sent)."""
    parts = dict(
        sent=sent,
        escrow_credit=escrow_credit,
        court_credit=court_credit,
        withdrawn=withdrawn,
        bonds_held=bonds_held,
    )
    parts["net"] = escrow_credit + court_credit + withdrawn + bonds_held - sent
    return parts


@dataclass
class HandLedger:
    ledger: Ledger = field(default_factory=Ledger)
    _ids: count = field(default_factory=lambda: count(1))
    _logs: count = field(default_factory=lambda: count())

    def party(self, name: str, role: str, population: str, **parts: int) -> str:
        address = "0x" + f"{len(self.ledger.parties) + 1:040x}"
        self.ledger.add_party(Party(name, role, population, address))
        self.ledger.money[name] = money(**parts)
        return name

    def merchant(self, name: str, population: str = "honest", **parts: int) -> str:
        return self.party(name, "merchant", population, **parts)

    def buyer(self, name: str, population: str = "honest", **parts: int) -> str:
        return self.party(name, "buyer", population, **parts)

    def order(
        self,
        merchant: str,
        buyer: str,
        *events: tuple[float, str, dict],
        keys: tuple[str, ...] = (),
        paid_at: int = T0,
        false_disputes: int = 0,
    ) -> int:
        """An order paid at `paid_at`, its deliveries' truth (`keys`: the issuer's state of each
        delivery's key, "wrong" for one that does not decrypt to its commitment) and its
        events after OrderPaid as (hours after payment, name, args)."""
        order_id = next(self._ids)
        truth = OrderTruth(order_id, merchant, buyer, PRICE, paid_at)
        for no, state in enumerate(keys):
            wrong = state == "wrong"
            truth.deliveries[no] = Delivery(no, f"K{order_id}.{no}", not wrong,
                                            "valid" if wrong else state)  # fmt: skip
        truth.false_disputes = false_disputes
        self.ledger.orders[order_id] = truth
        paid = {"price": PRICE, "deliveryDeadline": paid_at + DELIVERY_WINDOW}
        for hours, name, args in ((0, "OrderPaid", paid), *events):
            self._log(order_id, paid_at + round(hours * HOUR), name, args)
        return order_id

    def _log(self, order_id: int, at: int, name: str, args: dict) -> None:
        event = Event(name, {"orderId": order_id, **args}, ESCROW, at, "0x", next(self._logs))
        self.ledger.events[order_id].append((at, event))
        if name == "ArbitrationRequested":
            self.ledger.case_orders[args["disputeId"]] = order_id


# Event builders: the escrow's argument names, enums as the plain ints web3 decodes.
def delivered(hours: float, no: int = 0) -> tuple[float, str, dict]:
    return hours, "KeyDelivered", {"deliveryNo": no}


def disputed(hours: float, reason) -> tuple[float, str, dict]:
    return hours, "OrderDisputed", {"reason": int(reason)}


def attested(hours: float, verdict: int) -> tuple[float, str, dict]:
    return hours, "VerifierAttested", {"verdict": int(verdict)}


def arbitration(hours: float, case_id: int) -> tuple[float, str, dict]:
    return hours, "ArbitrationRequested", {"disputeId": case_id}


def completed(hours: float, cause) -> tuple[float, str, dict]:
    return hours, "OrderCompleted", {"cause": int(cause), "merchantAmount": NET, "fee": FEE}


def refunded(hours: float, cause, compensation: int = 0) -> tuple[float, str, dict]:
    args = {"cause": int(cause), "buyerAmount": PRICE + compensation, "compensation": compensation}
    return hours, "OrderRefunded", args


def split(hours: float) -> tuple[float, str, dict]:
    return hours, "OrderSplit", {"buyerAmount": PRICE // 2, "merchantAmount": PRICE // 2}


def event(hours: float, name: str, **args) -> tuple[float, str, dict]:
    return hours, name, args
