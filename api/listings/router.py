"""Listings: browse (filter, sort, cursor pages), one listing, and publishing its description.

Figures come from the index (indexer/queries.py); titles and descriptions from the metadata
store, shown only when they hash to the listing's on-chain description hash. Publishing needs
no sign-in: the hash authenticates the document (a stranger can only publish the listing's own
text), so the route checks the hash on chain, bounds the body and limits the rate per IP.
Browsed pages are answered from memory while the index and the store are unchanged, as far as
this process has seen (api/listings/cache.py)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.deps import INT64, ClientIp, State
from api.listings.cache import ListingPages
from api.listings.schemas import ListingDocumentIn, ListingDocumentOut, ListingOut, ListingPage
from api.listings.view import listing_out, page_out
from api.market import Market, MarketState, escrow_of
from api.metadata.store import hash_hex
from api.pagination import Cursor, decode, encode
from api.params import ADDRESS, Limit, address
from api.problems import ApiProblem, problem_responses
from api.state import ApiState
from fairkey.listing_meta import ListingMetadata, MetadataError
from indexer import queries

router = APIRouter(prefix="/listings", tags=["listings"])


async def listing_pages(request: Request) -> ListingPages:
    return request.app.state.listing_pages


Pages = Annotated[ListingPages, Depends(listing_pages)]

ListingId = Annotated[int, Path(ge=1, le=INT64, description="The listing's id")]
Sort = Literal["newest", "price", "price_desc", "success", "delivery", "score"]
_UINT256 = 2**256


@router.get(
    "",
    response_model=ListingPage,
    responses=problem_responses(503),
    summary="Listings with their pre-sale figures",
    description="Filter by merchant, token, stock and title text; sort by `newest` (default), "
    "`price` (cheapest first), `price_desc`, `success` (best 7-day success rate), `delivery` "
    "(fastest p95), `score` (best merchant score); listings without the figure come last. "
    "`in_stock=true`: open to orders with keys on sale. Pages follow `next_cursor`.",
)
async def browse(
    state: State,
    market: Market,
    pages: Pages,
    merchant: Annotated[str | None, Query(pattern=ADDRESS)] = None,
    token: Annotated[
        str | None, Query(pattern=ADDRESS, description="0x000…000 for ETH, else the ERC-20")
    ] = None,
    in_stock: bool | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=120, description="In titles")] = None,
    sort: Sort = "newest",
    cursor: Annotated[str | None, Cursor] = None,
    limit: Limit = 20,
) -> Response:
    # async, so that a remembered page (api/listings/cache.py: no query) takes no thread-pool
    # hop; a page to build runs in the pool.
    after = _listing_cursor(sort, cursor)
    merchant = address(merchant, "merchant") if merchant else None
    token = address(token, "token") if token else None
    page = partial(_page, state, market, sort, merchant, token, in_stock, q, after, limit)
    if q is not None:
        return _json((await run_in_threadpool(page))[0])
    version = await pages.version(state.index.watch)
    query = (sort, merchant, token, in_stock, cursor, limit)
    cached = pages.get(version, query) if version is not None else None
    if cached is not None:
        return _json(cached)
    body, cacheable = await run_in_threadpool(page)
    if version is not None and cacheable:
        pages.put(version, query, body)
    return _json(body)


def _page(  # a page of the index as JSON, and whether it may be remembered
    state: ApiState,
    market: MarketState,
    sort: str,
    merchant: str | None,
    token: str | None,
    in_stock: bool | None,
    q: str | None,
    after: tuple | None,
    limit: int,
) -> tuple[bytes, bool]:
    hashes = market.metadata.search_titles(q) if q is not None else None
    rows = state.index.read(
        lambda conn: queries.listing_page(
            conn,
            sort=sort,
            merchant=merchant,
            token=token,
            in_stock=in_stock,
            description_hashes=hashes,
            after=after,
            limit=limit + 1,
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode(f"listings:{sort}", queries.listing_key(rows[-1], sort)) if more and rows else None
    )
    return page_out(market, rows, next_cursor)


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _listing_cursor(sort: str, cursor: str | None) -> tuple | None:
    key = decode(f"listings:{sort}", cursor, [(int,), (int, type(None)), (int,)])
    if key is None:
        return None
    null, value, listing_id = key
    valid = (null, value is None) in ((0, False), (1, True)) and 0 <= listing_id <= INT64
    if not valid or (value is not None and not 0 <= value < _UINT256):
        raise ApiProblem(422, "invalid-cursor", "invalid cursor", "the cursor is not valid")
    if sort in ("newest", "success", "delivery", "score") and value is not None and value > INT64:
        raise ApiProblem(422, "invalid-cursor", "invalid cursor", "the cursor is not valid")
    return key


@router.get(
    "/{listing_id}",
    response_model=ListingOut,
    responses=problem_responses(404, 503),
    summary="One listing",
)
def one(listing_id: ListingId, state: State, market: Market) -> ListingOut:
    row = state.index.read(lambda conn: queries.listing(conn, listing_id))
    if row is None:
        raise ApiProblem(
            404,
            "no-such-listing",
            "no such listing",
            f"the index has no listing {listing_id} (yet: it shows what it has ingested)",
        )
    stored = market.metadata.get_many([row.description_hash])
    return listing_out(market, row, stored.get(row.description_hash.lower()))


@router.put(
    "/{listing_id}/metadata",
    response_model=ListingDocumentOut,
    responses={
        201: {"model": ListingDocumentOut, "description": "Stored now"},
        **problem_responses(400, 404, 409, 429, 503),
    },
    summary="Publish a listing's title and description",
    description="Stored only if the document's canonical JSON (fairkey/listing_meta.py) hashes "
    "to the listing's description hash on chain: 409 `hash-mismatch` otherwise. No sign-in: the "
    "hash authenticates the text. 201 when stored now, 200 when it was already.",
)
def publish(
    listing_id: ListingId,
    document: ListingDocumentIn,
    state: State,
    market: Market,
    pages: Pages,
    ip: ClientIp,
    response: Response,
) -> ListingDocumentOut:
    market.metadata_limit.check(ip)
    try:
        metadata = ListingMetadata(document.title, document.description, document.lang)
    except MetadataError as exc:
        raise ApiProblem(422, "invalid-document", "not a listing document", str(exc)) from None
    on_chain = escrow_of(state).listing(listing_id)
    if int(on_chain.merchant, 16) == 0:
        raise ApiProblem(
            404, "no-such-listing", "no such listing", f"the escrow has no listing {listing_id}"
        )
    got, expected = metadata.description_hash(), on_chain.description_hash
    if got != expected:
        raise ApiProblem(
            409,
            "hash-mismatch",
            "not this listing's description",
            f"the document hashes to {hash_hex(got)}, listing {listing_id}'s description hash "
            f"is {hash_hex(expected)}",
            expected=hash_hex(expected),
            got=hash_hex(got),
        )
    stored = market.metadata.put(metadata, listing_id)
    if stored:
        pages.documents.stored()  # shown on this process's next page, not a poll later
    response.status_code = 201 if stored else 200
    return ListingDocumentOut(
        listing_id=listing_id,
        description_hash=hash_hex(got),
        stored=stored,
        title=metadata.title,
        description=metadata.description,
        lang=metadata.lang,
    )
