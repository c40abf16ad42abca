"""Profiles: `GET /merchants/{address}` (figures and their history by day), its public order
list, and `GET /suppliers/{tag}` (a supplier tag across the merchants using it). Every figure is
the index's (indexer/queries.py): a pure function of chain events."""

from __future__ import annotations

import re
from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import APIRouter, Path, Query

from api.deps import State
from api.orders.pages import State as Phase
from api.orders.pages import order_page
from api.orders.schemas import OrderPage
from api.pagination import Cursor
from api.params import AddressPath, Limit, address
from api.problems import ApiProblem, problem_responses
from api.profiles.schemas import (
    MerchantDayOut,
    MerchantFigures,
    MerchantProfile,
    SupplierDayOut,
    SupplierFigures,
    SupplierMerchant,
    SupplierProfile,
)
from fairkey.chain.escrow_client import supplier_tag
from indexer import queries
from indexer.projections.scoring import bps
from indexer.projections.windows import as_date, day_of

router = APIRouter(tags=["profiles"])

Days = Annotated[int, Query(ge=1, le=366, description="Days of history, ending today")]
_BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}")
_SUPPLIER_FIGURES = ("batches", "units_committed", "units_revoked", "units_delivered",
                     "disputes", "bad_keys", "misdeliveries")  # fmt: skip


def _days(conn, clock_now: float, days: int) -> tuple[int, int, int | None]:
    """(first day, last day, head time): the history ends on the index head's UTC day."""
    head = queries.projection_state(conn).get("head_time")
    last = day_of(head if head is not None else int(clock_now))
    return last - days + 1, last, head


@router.get(
    "/merchants/{merchant}",
    response_model=MerchantProfile,
    responses=problem_responses(404, 503),
    summary="A merchant's record and its history by day",
)
def merchant_profile(merchant: AddressPath, state: State, days: Days = 90) -> MerchantProfile:
    who = address(merchant, "merchant")

    def read(conn):
        row = queries.merchant(conn, who)
        if row is None:
            raise ApiProblem(
                404, "no-such-merchant", "no such merchant", f"the index has no merchant {who}"
            )
        first, last, head = _days(conn, state.clock(), days)
        return row, head, queries.merchant_history(conn, who, first, last)

    row, head, history = state.index.read(read)
    fields = {name: getattr(row, name) for name in MerchantFigures.model_fields}
    fields["score_bps"] = row.score_bps if row.settled else None
    return MerchantProfile(
        merchant=who,
        figures=MerchantFigures(**fields),
        history=[
            MerchantDayOut(
                date=as_date(d.day).isoformat(),
                sales=d.sales,
                settled=d.settled,
                completed=d.completed,
                refunded=d.refunded,
                split=d.split,
                disputes=d.disputes,
                success_bps=d.success_bps,
                score_bps=d.score_bps if d.settled_to_date else None,
            )
            for d in history
        ],
        head_time=head,
    )


@router.get(
    "/merchants/{merchant}/orders",
    response_model=OrderPage,
    responses=problem_responses(503),
    summary="A merchant's sales, newest first",
    description="Public, as the chain is: every order paid to the merchant's listings.",
)
def merchant_orders(
    merchant: AddressPath,
    state: State,
    phase: Annotated[Phase | None, Query(alias="state")] = None,
    cursor: Annotated[str | None, Cursor] = None,
    limit: Limit = 20,
) -> OrderPage:
    return order_page(state.index, address(merchant, "merchant"), "merchant", phase, cursor, limit)


@router.get(
    "/suppliers/{tag}",
    response_model=SupplierProfile,
    responses=problem_responses(404, 503),
    summary="A supplier tag's record, per merchant and by day",
    description="`tag`: the batch's supplier tag as bytes32 hex, or its name (`fairkey stock "
    "import --supplier NAME`, at most 32 bytes).",
)
def supplier_profile(
    tag: Annotated[str, Path(min_length=1, max_length=66)], state: State, days: Days = 90
) -> SupplierProfile:
    supplier = _supplier(tag)

    def read(conn):
        rows = queries.supplier_rows(conn, supplier)
        if not rows:
            raise ApiProblem(
                404, "no-such-supplier", "no such supplier", f"the index has no supplier {tag!r}"
            )
        first, last, head = _days(conn, state.clock(), days)
        return rows, head, queries.supplier_history(conn, supplier, first, last)

    rows, head, history = state.index.read(read)
    totals = {name: sum(getattr(r, name) for r in rows) for name in _SUPPLIER_FIGURES}
    return SupplierProfile(
        supplier=supplier,
        name=_name(supplier),
        figures=_figures(totals),
        merchants=[
            SupplierMerchant(
                merchant=to_checksum_address(r.merchant),
                **_figures({n: getattr(r, n) for n in _SUPPLIER_FIGURES}).model_dump(),
            )
            for r in rows
        ],
        history=[
            SupplierDayOut(
                date=as_date(d.day).isoformat(),
                delivered=d.delivered,
                disputed=d.disputed,
                bad_keys=d.bad_keys,
                misdeliveries=d.misdeliveries,
            )
            for d in history
        ],
        head_time=head,
    )


def _supplier(tag: str) -> str:
    if _BYTES32.fullmatch(tag):
        return tag.lower()
    try:
        return "0x" + supplier_tag(tag).hex()
    except ValueError as exc:
        raise ApiProblem(422, "invalid-supplier", "not a supplier tag", str(exc)) from None


def _name(supplier: str) -> str | None:
    raw = bytes.fromhex(supplier[2:]).rstrip(b"\0")
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None


def _figures(c: dict[str, int]) -> SupplierFigures:
    return SupplierFigures(
        **c,
        dispute_bps=bps(c["disputes"], c["units_delivered"]),
        bad_key_bps=bps(c["bad_keys"], c["units_delivered"]),
    )
