"""`GET /me/orders`: the signed-in address's orders, as buyer or merchant (or both), in pages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import SignedIn, State
from api.orders.pages import State as Phase
from api.orders.pages import order_page
from api.orders.schemas import OrderPage
from api.pagination import Cursor
from api.params import Limit
from api.problems import problem_responses

router = APIRouter(prefix="/me", tags=["orders"])


@router.get(
    "/orders",
    response_model=OrderPage,
    responses=problem_responses(401, 503),
    summary="Your orders: bought (role=buyer) or sold (role=merchant)",
    description="Newest first, a basket's orders together; `state=open` for orders not final "
    "yet, `final` for the others. From the index.",
)
def my_orders(
    session: SignedIn,
    state: State,
    role: Literal["buyer", "merchant"] | None = None,
    phase: Annotated[Phase | None, Query(alias="state")] = None,
    cursor: Annotated[str | None, Cursor] = None,
    limit: Limit = 20,
) -> OrderPage:
    return order_page(state.index, session.address, role, phase, cursor, limit)
