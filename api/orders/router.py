"""Orders: the merchant's contest of a verifier's refund, as a transaction for its wallet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import SignedIn, State
from api.escrow import EscrowReader
from api.orders.contest import contest_refusal
from api.orders.schemas import ContestIn, ContestOut
from api.problems import ApiProblem, problem_responses
from api.schemas import TxRequest
from api.state import ApiState
from fairkey.chain.types import ORDER_ID_FORMAT, order_ref, parse_order_ref

router = APIRouter(prefix="/orders", tags=["orders"])

OrderRef = Annotated[
    str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description=f"The order: {ORDER_ID_FORMAT}")
]
ZERO32 = b"\0" * 32


def _escrow(state: ApiState) -> EscrowReader:
    if state.escrow is None:
        raise ApiProblem(
            503,
            "no-escrow",
            "no escrow configured",
            "set FAIRKEY_API_ESCROW_ADDRESS (or deploy: the deployment names the escrow)",
        )
    return state.escrow


def _order_id(ref: str) -> int:
    try:
        return parse_order_ref(ref)
    except ValueError as exc:
        raise ApiProblem(422, "invalid-order-id", "not an order id", str(exc)) from None


@router.post(
    "/{order_id}/contest",
    response_model=ContestOut,
    responses=problem_responses(400, 401, 403, 404, 409, 503),
    summary="Contest a verifier's refund: the transaction for the merchant's wallet",
    description="The listing's merchant only, while the verifier's refund waits out its appeal "
    "window. The wallet sends `contest(orderId, evidenceHash)` with value = the court's fee; the "
    "order becomes a court case. 409 when there is no verifier refund to contest, its window is "
    "closed, or the escrow would refuse it (the problem's `error` names the escrow's reason).",
)
def contest_verifier_refund(
    order_id: OrderRef, session: SignedIn, state: State, body: ContestIn | None = None
) -> ContestOut:
    escrow = _escrow(state)
    oid = _order_id(order_id)
    order = escrow.order(oid)
    merchant = escrow.listing(order.listing_id).merchant
    refusal = contest_refusal(oid, order, merchant, session.address, escrow.now())
    if refusal is not None:
        raise refusal
    fee = escrow.arbitration_cost(oid)
    if fee is None:
        raise ApiProblem(
            409,
            "escrow-refuses",
            "no court",
            "this escrow has no court",
            error="EscrowNoArbitrator",
        )
    evidence = bytes.fromhex(body.evidence_hash[2:]) if body and body.evidence_hash else ZERO32
    args = [oid, evidence]
    refused = escrow.simulate("contest", args, session.address, fee)
    if refused is not None:
        raise ApiProblem(
            409, "escrow-refuses", "the escrow would refuse it", str(refused), error=refused.name
        )
    return ContestOut(
        order_id=order_ref(oid),
        deadline=order.deadline,
        fee_wei=str(fee),
        tx=TxRequest.model_validate(escrow.tx_request("contest", args, session.address, fee)),
    )
