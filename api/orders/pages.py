"""Pages of an address's orders (indexer/queries.py `orders_page`): newest first, a basket's
orders together, an opaque cursor to the next page."""

from __future__ import annotations

import re
from typing import Literal

from api.deps import INT64
from api.index import IndexReader
from api.orders.schemas import OrderPage
from api.orders.view import summary
from api.pagination import decode, encode
from api.problems import ApiProblem
from indexer import queries
from indexer.queries import BUYER, MERCHANT, OPEN_STATUSES, TERMINAL

State = Literal["open", "final"]
_ID = re.compile(r"0x[0-9a-f]{40}")


def order_page(
    index: IndexReader,
    address: str,
    role: str | None,
    phase: State | None,
    cursor: str | None,
    limit: int,
) -> OrderPage:
    kind = f"orders:{address.lower()}:{role or 'any'}:{phase or 'all'}"
    after = _order_cursor(kind, cursor)
    roles = (role,) if role else (BUYER, MERCHANT)
    statuses = {"open": OPEN_STATUSES, "final": TERMINAL, None: None}[phase]
    rows = index.read(
        lambda conn: queries.orders_page(conn, address, roles, statuses, after, limit + 1)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode(kind, queries.order_key(rows[-1])) if more and rows else None
    return OrderPage(items=[summary(r) for r in rows], next_cursor=next_cursor)


def _order_cursor(kind: str, cursor: str | None) -> tuple | None:
    key = decode(kind, cursor, [(int,), (str,), (str,)])
    if key is None:
        return None
    block, group, oid = key
    if not (0 <= block <= INT64 and _ID.fullmatch(group) and _ID.fullmatch(oid)):
        raise ApiProblem(422, "invalid-cursor", "invalid cursor", "the cursor is not valid")
    return key
