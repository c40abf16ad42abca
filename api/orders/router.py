"""Orders: one order with its timeline (from the index), what the signed-in caller may do with
it now (the SDK's rule, with transactions for the caller's wallet), and the merchant's contest
of a verifier's refund.

An order and its timeline are public (the chain's events, nothing of a caller's), so their JSON
is remembered per worker under the index head it was built at (api/answer_cache.py), as the
process's index watch saw it (api/notifications/wakeup.py): it shows what the index holds, a
NOTIFY (PostgreSQL) or at most `notify_poll_s` late, as the notification streams do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter

from api.answer_cache import AnswerCache
from api.deps import SignedIn, State
from api.market import Market, escrow_of
from api.orders.actions import ZERO32, ActionBuilder
from api.orders.contest import contest_refusal
from api.orders.schemas import BYTES32, ActionsOut, ContestIn, ContestOut, OrderOut
from api.orders.view import order_out
from api.params import OrderRef, order_id_of
from api.problems import ApiProblem, problem_responses
from api.schemas import TxRequest
from api.state import ApiState
from fairkey.chain.types import order_ref
from fairkey.flows.actions import court_fee_needed, role_of
from indexer import queries

router = APIRouter(prefix="/orders", tags=["orders"])

ANSWERS = 4_096  # orders remembered per worker (a few kB each)
_ORDER = TypeAdapter(OrderOut)  # what FastAPI serialises a `response_model` with


async def order_answers(request: Request) -> AnswerCache:  # async: no thread-pool hop
    return request.app.state.order_answers


Answers = Annotated[AnswerCache, Depends(order_answers)]


@router.get(
    "/{order_id}",
    response_model=OrderOut,
    responses=problem_responses(404, 503),
    summary="One order and its timeline",
    description="From the index: every event of the order in chain order, each with the state "
    "it left the order in. What the index has not ingested yet appears once it has.",
)
async def one_order(order_id: OrderRef, state: State, answers: Answers) -> Response:
    # async, and a cold read inline on the event loop: it is one indexed statement (one round
    # trip on PostgreSQL), which waits less than a thread-pool hop costs. Measured with
    # bench.api on PostgreSQL: p99 13 ms inline against 45-48 ms through the thread pool,
    # whose hops contend for the GIL with the loop (0.38 against 0.6-0.8 ms of CPU a request).
    oid = order_id_of(order_id)
    version = await state.index.watch.current()
    cached = answers.get(version, oid) if version is not None else None
    if cached is None:
        cached = _order_json(state, oid)
        if version is not None:
            answers.put(version, oid, cached)
    return Response(cached, media_type="application/json")


def _order_json(state: ApiState, oid: int) -> bytes:
    found = state.index.read(lambda conn: queries.order_history(conn, oid))  # one round trip
    if found is None:
        raise ApiProblem(
            404,
            "no-such-order",
            "no such order",
            f"the index has no order {order_ref(oid)} (yet: it shows what it has ingested)",
        )
    return _ORDER.dump_json(order_out(found.order, found.timeline, found.head_block), by_alias=True)


@router.get(
    "/{order_id}/actions",
    response_model=ActionsOut,
    responses=problem_responses(401, 404, 503),
    summary="What you may do with the order now, and until when",
    description="The signed-in caller's actions (as buyer, merchant or anyone), read from the "
    "chain now: each with its deadline (`until`) and, unless it needs something only your "
    "device holds (`needs`), the unsigned transaction for your wallet. `evidence_hash` goes "
    "into the dispute and contest transactions.",
)
def order_actions(
    order_id: OrderRef,
    session: SignedIn,
    state: State,
    market: Market,
    evidence_hash: Annotated[str | None, Query(pattern=BYTES32)] = None,
) -> ActionsOut:
    evidence = bytes.fromhex(evidence_hash[2:]) if evidence_hash else ZERO32
    builder = ActionBuilder(
        escrow_of(state), state.court, market, order_id_of(order_id), session.address, evidence
    )
    return builder.answer()


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
    escrow = escrow_of(state)
    oid = order_id_of(order_id)
    order = escrow.order(oid)
    listing = escrow.listing(order.listing_id)
    needed = court_fee_needed(order, role_of(order, listing, session.address))
    fee = escrow.arbitration_cost(oid) if needed else None
    refusal = contest_refusal(oid, order, listing, session.address, escrow.now(), fee)
    if refusal is not None:
        raise refusal
    assert fee is not None  # the rule refuses a contest without a court
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
