"""Opaque cursors for keyset pagination: a page's `next_cursor` is the sort key of its last row
(indexer/queries.py `listing_key`, `order_key`) with the name of what it pages, base64url JSON.
A cursor from another listing (another sort, other rows) or a forged one is a 422 problem,
never a 500: every value is checked against the shape the page expects."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from fastapi import Query

from api.problems import ApiProblem

MAX_CURSOR = 400  # characters: a key of three values, the largest a uint256

Cursor = Query(max_length=MAX_CURSOR, description="`next_cursor` of the previous page")


def encode(kind: str, key: Sequence[Any]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, cursor: str | None, shape: Sequence[tuple[type, ...]]) -> tuple | None:
    """The key `encode(kind, …)` wrote, its values of the types in `shape`; None for no cursor."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise _invalid("it is not one this API wrote") from None
    if not isinstance(found, list) or not found or found[0] != kind:
        raise _invalid("it belongs to another listing or sort order")
    key = found[1:]
    if len(key) != len(shape) or not all(
        type(v) in types
        for v, types in zip(key, shape, strict=True)  # bool is no int here
    ):
        raise _invalid("it is not one this API wrote")
    return tuple(key)


def _invalid(why: str) -> ApiProblem:
    return ApiProblem(422, "invalid-cursor", "invalid cursor", f"the cursor is not valid: {why}")
