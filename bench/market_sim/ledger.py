"""The simulation's ground truth and its money, one place for both.

Truth: every order's merchant and buyer (and their populations), and for each of its deliveries
what the buyer found when it opened it: the key decrypted against its commitment (`check_ok`)
and what the issuer says of the key (`issuer_state`). A delivery is *good* when both hold: the
merchant delivered what it committed, and the key redeems. The court's right ruling for an order
is the buyer's refund when its current delivery is not good, else the merchant's pay.

Money: what each party sent to the contracts (the `value` of every transaction it signed, read
from the chain's blocks), what the escrow and the court still owe it (`credit_of`) and what it
withdrew (escrow `Withdrawn` events), and for a merchant the bond still held for its unsold
units. Gas is left out: it is the same for a fair and an unfair outcome.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from arbitration.court_client import Choice
from indexer.projections.names import ORDER_EVENTS


@dataclass(frozen=True)
class Party:
    name: str
    role: str  # merchant | buyer
    population: str
    address: str

    @property
    def honest(self) -> bool:
        return self.population == "honest"


@dataclass
class Delivery:
    delivery_no: int
    key: str | None
    check_ok: bool
    issuer_state: str  # valid | redeemed | invalid | region_locked | unknown

    @property
    def good(self) -> bool:
        return self.check_ok and self.issuer_state == "valid"


@dataclass
class OrderTruth:
    order_id: int
    merchant: str  # party names
    buyer: str
    price: int
    paid_at: int
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    false_disputes: int = 0  # disputes the buyer filed against a good key

    def current(self) -> Delivery | None:
        return self.deliveries[max(self.deliveries)] if self.deliveries else None

    def right_choice(self) -> Choice:
        current = self.current()
        return Choice.PAY_MERCHANT if current is not None and current.good else Choice.REFUND_BUYER


@dataclass
class Ledger:
    parties: dict[str, Party] = field(default_factory=dict)  # by name
    orders: dict[int, OrderTruth] = field(default_factory=dict)
    case_orders: dict[int, int] = field(default_factory=dict)  # court case id -> order id
    events: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))  # by order
    money: dict[str, dict[str, int]] = field(default_factory=dict)  # party -> parts (wei)
    juror_earnings: dict[str, int] = field(default_factory=dict)
    end_time: int = 0
    resolve_case: Any = None  # court case id -> order id, read from the escrow while running

    def add_party(self, party: Party) -> Party:
        self.parties[party.name] = party
        return party

    def by_address(self) -> dict[str, Party]:
        return {p.address.lower(): p for p in self.parties.values()}

    def truth_of_case(self, case_id: int) -> Choice:
        """The ruling the ground truth calls right for a court case (CourtPlay's `truth`)."""
        if case_id not in self.case_orders and self.resolve_case is not None:
            self.case_orders[case_id] = self.resolve_case(case_id)
        return self.orders[self.case_orders[case_id]].right_choice()


# ---------------------------------------------------------------------------- reading the chain


def read_order_events(ledger: Ledger, escrow, from_block: int) -> None:
    """Every order event of the run, per order, in chain order, with its block's time."""
    found = []
    for name in ORDER_EVENTS:
        found.extend(escrow.events(name, from_block))
    found.sort(key=lambda e: (e.block_number, e.log_index))
    times = block_times(escrow.session, {e.block_number for e in found})
    for e in found:
        order_id = e.args["orderId"]
        ledger.events[order_id].append((times[e.block_number], e))
        if e.name == "ArbitrationRequested":
            ledger.case_orders[e.args["disputeId"]] = order_id


def block_times(session, numbers: set[int]) -> dict[int, int]:
    calls = [("eth_getBlockByNumber", [hex(n), False]) for n in sorted(numbers)]
    answers = session.rpc.batch_all(calls)
    return {int(b["number"], 16): int(b["timestamp"], 16) for b in answers}


def sent_values(session, addresses: set[str], to_block: int) -> dict[str, int]:
    """Wei each address sent in the `value` of its transactions, blocks 0..to_block."""
    wanted = {a.lower() for a in addresses}
    sent: dict[str, int] = defaultdict(int)
    calls = [("eth_getBlockByNumber", [hex(n), True]) for n in range(to_block + 1)]
    for block in session.rpc.batch_all(calls):
        for tx in block["transactions"]:
            sender = tx["from"].lower()
            if sender in wanted:
                sent[sender] += int(tx["value"], 16)
    return sent


def read_money(ledger: Ledger, escrow, court, bonds_held: dict[str, int]) -> None:
    """Each party's money parts: sent, escrow and court credit, withdrawn, bonds still held."""
    session = escrow.session
    head = session.w3.eth.block_number
    by_address = ledger.by_address()
    sent = sent_values(session, set(by_address), head)
    withdrawn: dict[str, int] = defaultdict(int)
    for e in escrow.events("Withdrawn", 0):
        withdrawn[e.args["account"].lower()] += e.args["amount"]
    for address, party in by_address.items():
        parts = {
            "sent": sent.get(address, 0),
            "escrow_credit": escrow.credit_of("0x" + "00" * 20, party.address),
            "court_credit": court.credit_of("0x" + "00" * 20, party.address),
            "withdrawn": withdrawn.get(address, 0),
            "bonds_held": bonds_held.get(party.name, 0),
        }
        parts["net"] = (
            parts["escrow_credit"]
            + parts["court_credit"]
            + parts["withdrawn"]
            + parts["bonds_held"]
            - parts["sent"]
        )
        ledger.money[party.name] = parts
