"""Index rows (indexer/queries.py `listing`, `listing_page`) as ListingOut, with their stored
description documents; a page of them as the JSON bytes answered (api/listings/cache.py)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import TypeAdapter
from sqlalchemy import Row

from api.listings.schemas import ListingOut, ListingPage, WindowsOut
from api.market import MarketState
from api.metadata.store import StoredDocument
from api.params import checksum, checksum_or_none

_PAGE = TypeAdapter(ListingPage)  # what FastAPI serialises a `response_model` with


def page_out(
    market: MarketState, rows: Sequence[Row], next_cursor: str | None
) -> tuple[bytes, bool]:
    """The page's JSON, as FastAPI serialises a ListingPage, and whether it may be remembered
    (api/listings/cache.py: not when a token could not be read)."""
    documents = market.metadata.get_many([r.description_hash for r in rows])
    items = [listing_out(market, r, documents.get(r.description_hash.lower())) for r in rows]
    body = _PAGE.dump_json(ListingPage(items=items, next_cursor=next_cursor), by_alias=True)
    return body, all(item.token.symbol is not None for item in items)


def listing_out(market: MarketState, r: Row, stored: StoredDocument | None) -> ListingOut:
    doc = stored.metadata if stored is not None and stored.verified else None
    return ListingOut(
        listing_id=r.listing_id,
        merchant=checksum(r.merchant),
        token=market.tokens.get(r.token),
        price=str(r.price),
        active=r.active,
        stock=r.stock_available,
        bond_per_unit=str(r.bond_per_unit),
        dispute_bond=str(r.dispute_bond),
        windows=WindowsOut(
            delivery_s=r.delivery_window,
            confirm_s=r.confirm_window,
            response_s=r.response_window,
            appeal_s=r.appeal_window,
        ),
        max_replacements=r.max_replacements,
        verifier=checksum_or_none(r.verifier),
        description_hash=r.description_hash,
        created_time=r.created_time,
        title=doc.title if doc else None,
        description=doc.description if doc else None,
        lang=doc.lang if doc else None,
        metadata_verified=doc is not None,
        sales=r.sales,
        sales_7d=r.sales_7d,
        success_7d_bps=r.success_7d_bps,
        success_30d_bps=r.success_30d_bps,
        delivery_p50_s=r.latency_p50_s,
        delivery_p95_s=r.latency_p95_s,
        after_sales_7d_bps=r.after_sales_7d_bps,
        merchant_score_bps=r.merchant_score_bps if r.merchant_settled else None,
    )
