"""Index rows of orders (indexer/queries.py) as the API answers them."""

from __future__ import annotations

from sqlalchemy import Row

from api.orders.schemas import CourtCaseRef, OrderOut, OrderSummary, TimelineEntry
from api.params import checksum


def summary(r: Row) -> OrderSummary:
    return OrderSummary(**_summary_fields(r))


def _summary_fields(r: Row) -> dict:
    return {
        "order_id": checksum(r.order_id),
        "basket_id": checksum(r.basket_id) if r.basket_id else None,
        "listing_id": r.listing_id,
        "merchant": checksum(r.merchant),
        "buyer": checksum(r.buyer),
        "token": checksum(r.token),
        "price": str(r.price),
        "status": r.status,
        "deadline": r.deadline,
        "paid_time": r.paid_time,
        "deliveries": r.deliveries,
        "dispute_reason": r.dispute_reason,
        "cause": r.cause,
        "tier": r.tier,
        "resolved_time": r.resolved_time,
    }


def order_out(r: Row, events: list[Row], head_block: int | None) -> OrderOut:
    case = None
    if r.arbitrator is not None and r.dispute_id is not None:
        case = CourtCaseRef(arbitrator=checksum(r.arbitrator), case_id=str(r.dispute_id))
    return OrderOut(
        **_summary_fields(r),
        case=case,
        timeline=[
            TimelineEntry(
                block_number=e.block_number,
                log_index=e.log_index,
                time=e.block_time,
                tx_hash=e.tx_hash,
                event=e.event,
                status=e.status,
                detail=e.detail,
                deadline=e.deadline,
            )
            for e in events
        ],
        index_head_block=head_block,
    )
