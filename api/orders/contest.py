"""Whether the signed-in party may take an order's verifier verdict to the court now, as a problem.

A verifier's signed "invalid" puts a disputed order in VERIFIER_REFUND_PENDING: the buyer is
refunded once the appeal window passes, unless the listing's merchant contests inside it (the
escrow's `contest`, which opens a court case). Its signed "valid" puts the order back to
DELIVERED with the verdict standing: the merchant is paid after the window unless the buyer
contests. The rule is the SDK's one rule of order actions
(`fairkey.flows.actions`, action `contest-verdict`), which `GET /orders/{id}/actions` and
`fairkey order show` answer too; this module only turns its refusal into the route's problem."""

from __future__ import annotations

from api.problems import ApiProblem
from fairkey.chain.types import Listing, Order, order_ref
from fairkey.flows.actions import Kind, OrderFacts, Why, refusal, role_of


def contest_refusal(
    order_id: int, order: Order, listing: Listing, caller: str, now: int, court_fee: int | None
) -> ApiProblem | None:
    """Why `caller` may not contest now (a 403 or 409 problem), or None."""
    facts = OrderFacts(
        order_id, order, listing, role_of(order, listing, caller), now, court_fee=court_fee
    )
    no = refusal(Kind.CONTEST_VERDICT, facts)
    if no is None:
        return None
    ref = order_ref(order_id)
    if no.why is Why.ROLE:
        return ApiProblem(403, "not-the-party", "not your verdict to contest", no.sentence)
    if no.why is Why.STATUS:
        return ApiProblem(
            409,
            "no-verifier-refund",
            "no verifier refund to contest",
            f"order {ref} is {order.status.name}: only a verifier's refund, while its appeal "
            "window is open, is contested here",
            order_status=order.status.name,
        )
    if no.why is Why.DEADLINE:
        return ApiProblem(
            409,
            "appeal-window-closed",
            "the appeal window is closed",
            f"the appeal window of order {ref} closed at {order.deadline} (chain time {now}): "
            "the verifier's refund stands",
            deadline=order.deadline,
            chain_time=now,
        )
    if no.why is Why.NO_COURT:
        return ApiProblem(
            409,
            "escrow-refuses",
            "no court",
            "this escrow has no court",
            error="EscrowNoArbitrator",
        )
    return ApiProblem(409, "not-possible", "not possible now", no.sentence)
