"""Whether the signed-in merchant may contest an order's verifier refund now (pure).

A verifier's signed "invalid" puts a disputed order in VERIFIER_REFUND_PENDING: the buyer is
refunded once the appeal window passes, unless the listing's merchant contests inside it (the
escrow's `contest`, which opens a court case). The window is the SDK's deadline rule
(`fairkey.merchant.decisions.in_time`, which the merchant bot applies to the same verdicts): a
transaction sent now lands in a later block, so the latest block must be before the deadline.
What only the chain can say (a court to contest in, its fee) the route asks with eth_call."""

from __future__ import annotations

from api.problems import ApiProblem
from fairkey.chain.types import Order, OrderStatus, order_ref
from fairkey.merchant.decisions import in_time


def contest_refusal(
    order_id: int, order: Order, merchant: str, caller: str, now: int
) -> ApiProblem | None:
    """Why `caller` may not contest now (a 403 or 409 problem), or None."""
    ref = order_ref(order_id)
    if caller.lower() != merchant.lower():
        return ApiProblem(
            403, "not-the-merchant", "merchants only", f"only the merchant of order {ref} may"
        )
    if order.status is not OrderStatus.VERIFIER_REFUND_PENDING:
        return ApiProblem(
            409,
            "no-verifier-refund",
            "no verifier refund to contest",
            f"order {ref} is {order.status.name}: only a verifier's refund, while its appeal "
            "window is open, is contested here",
            order_status=order.status.name,
        )
    if not in_time(order, now):
        return ApiProblem(
            409,
            "appeal-window-closed",
            "the appeal window is closed",
            f"the appeal window of order {ref} closed at {order.deadline} (chain time {now}): "
            "the verifier's refund stands",
            deadline=order.deadline,
            chain_time=now,
        )
    return None
