"""A listing's terms (ListingCreated), current price (ListingPriceChanged) and active flag
(ListingActiveChanged).

Terms are read from raw events only for listings that had such an event in this refresh (their
creation, and only their latest price and active change); every other listing's terms are read
back from its `listings` row (derived the same way earlier). So a refresh never re-reads a busy
listing's history.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from indexer.projections.models import ListingRow
from indexer.projections.raw import LOG_COLUMNS, Log, logs_of, raw_logs, to_logs
from indexer.projections.sql import select_where_in

listings = ListingRow.__table__

TERM_COLUMNS = (
    "merchant",
    "token",
    "price",
    "active",
    "bond_per_unit",
    "dispute_bond",
    "delivery_window",
    "confirm_window",
    "response_window",
    "appeal_window",
    "max_replacements",
    "verifier",
    "description_hash",
    "created_block",
    "created_time",
)


def fold_terms(
    conn: sa.Connection, listing_ids: set[int] | None
) -> dict[int, dict[str, Any] | None]:
    """Terms of `listing_ids` (None: every listing) from the raw events; None for a listing whose
    ListingCreated is not (or no longer) in the canonical log. Only the latest price and active
    change of each listing is read (a listing may change its price thousands of times)."""
    result: dict[int, dict[str, Any] | None] = dict.fromkeys(listing_ids or ())
    created = logs_of(conn, raw_logs.c.listing_id, listing_ids, raw_logs.c.name == "ListingCreated")
    for log in created:
        result[int(log.args["listingId"])] = _created_terms(log)
    created_ids = {lid for lid, terms in result.items() if terms is not None}
    for name, term in _CHANGES.items():
        for log in _latest(conn, name, created_ids):
            result[int(log.args["listingId"])][term] = log.args[term]
    return result


def _created_terms(log: Log) -> dict[str, Any]:
    a, t = log.args, log.args["terms"]
    return {
        "merchant": a["merchant"],
        "token": a["token"],
        "price": t["price"],
        "active": True,
        "bond_per_unit": t["bondPerUnit"],
        "dispute_bond": t["disputeBond"],
        "delivery_window": t["deliveryWindow"],
        "confirm_window": t["confirmWindow"],
        "response_window": t["responseWindow"],
        "appeal_window": t["appealWindow"],
        "max_replacements": t["maxReplacements"],
        "verifier": t["verifier"],
        "description_hash": t["descriptionHash"],
        "created_block": log.block_number,
        "created_time": log.block_time,
    }


# The events that later change one term, and that term (also the event argument's name).
_CHANGES = {"ListingPriceChanged": "price", "ListingActiveChanged": "active"}


def _latest(conn: sa.Connection, name: str, listing_ids: set[int]) -> list[Log]:
    """The last `name` event of each listing (one indexed lookup per listing)."""
    found = []
    for lid in sorted(listing_ids):
        query = (
            sa.select(*LOG_COLUMNS)
            .where(raw_logs.c.listing_id == lid, raw_logs.c.name == name)
            .order_by(raw_logs.c.block_number.desc(), raw_logs.c.log_index.desc())
            .limit(1)
        )
        found.extend(to_logs(conn.execute(query)))
    return found


class TermsBook:
    """Terms by listing id for one refresh: freshly folded ones first, else the stored row."""

    def __init__(self, conn: sa.Connection, folded: dict[int, dict[str, Any] | None]) -> None:
        self._conn = conn
        self._terms = dict(folded)

    def load(self, listing_ids: set[int]) -> None:
        missing = {lid for lid in listing_ids if lid not in self._terms}
        columns = [listings.c.listing_id, *(listings.c[name] for name in TERM_COLUMNS)]
        for row in select_where_in(self._conn, columns, [listings.c.listing_id], missing):
            self._terms[row.listing_id] = {name: row._mapping[name] for name in TERM_COLUMNS}
        for lid in missing:
            self._terms.setdefault(lid, None)

    def get(self, listing_id: int) -> dict[str, Any] | None:
        if listing_id not in self._terms:
            self.load({listing_id})
        return self._terms[listing_id]

    def known(self) -> dict[int, dict[str, Any] | None]:
        return dict(self._terms)
