"""The chain facts the SDK's one rule of order actions (`fairkey.flows.actions`) reads beyond the
order and its listing, read one way for `fairkey order show` and the API's
`GET /orders/{id}/actions`: the court's fee to contest, the appeal period of the order's court
case, and the caller's withdrawable credit in the listing's token. I/O only; the rule decides.

What differs between the readers is passed in: the escrow client, the caller (None: no account)
and `court_for`, the court client to read the order's case with (None: a court this reader does
not read). It lives here rather than beside the rule because reading a case needs the court's
client (`arbitration/court_client.py`), and the SDK never imports `arbitration/`."""

from __future__ import annotations

from collections.abc import Callable

from arbitration.appeal_period import appeal_period, order_case
from arbitration.court_client import CourtClient
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import Listing, Order, OrderStatus
from fairkey.flows.actions import AppealPeriod, OrderFacts, Role, court_fee_needed, role_of

CourtFor = Callable[[str], CourtClient | None]  # the court at an arbitrator address, or None


def order_facts(
    escrow: EscrowClient,
    order_id: int,
    order: Order,
    listing: Listing,
    now: int,
    caller: str | None,
    court_for: CourtFor,
) -> OrderFacts:
    """Everything the rule reads for `caller` (None: no account, so the role `anyone`)."""
    role = role_of(order, listing, caller)
    return OrderFacts(
        order_id,
        order,
        listing,
        role,
        now,
        court_fee=_court_fee(escrow, order_id, order, role),
        appeal=_appeal(escrow, order_id, order, role, court_for),
        credit=escrow.credit_of(listing.token, caller) if caller else 0,
    )


def _court_fee(escrow: EscrowClient, order_id: int, order: Order, role: Role) -> int | None:
    """The court's fee to contest, read only when `role` could be offered a contest; None when
    it could not, or the escrow has no court."""
    if not court_fee_needed(order, role):
        return None
    if int(escrow.session.call(escrow.f.arbitrator()), 16) == 0:
        return None
    return escrow.arbitration_cost(order_id)


def _appeal(
    escrow: EscrowClient, order_id: int, order: Order, role: Role, court_for: CourtFor
) -> AppealPeriod | None:
    """The appeal period of the order's court case, for a party of an order in arbitration."""
    if order.status is not OrderStatus.ARBITRATING or role is Role.ANYONE:
        return None
    found = order_case(escrow, order_id)
    if found is None:
        return None
    court = court_for(found[0])
    return appeal_period(court, found[1]) if court is not None else None
