"""A listing's description document and its hash (fairkey/listing_meta.py): one canonical form
whatever the JSON's spacing and member order, the hash pinned (the dApp's TypeScript must give
the same bytes), and documents that are not one refused with a sentence."""

from __future__ import annotations

import json

import pytest
from eth_utils import keccak

from fairkey.listing_meta import MAX_TITLE, ListingMetadata, MetadataError

STEAM = ListingMetadata("Steam 50 USD", "Steam wallet card, 50 USD, global")
STEAM_CANONICAL = (
    b'{"description":"Steam wallet card, 50 USD, global","schema":"fairkey.listing.v1",'
    b'"title":"Steam 50 USD"}'
)


def test_the_canonical_form_is_sorted_compact_utf8_json_and_the_hash_its_keccak():
    assert STEAM.canonical() == STEAM_CANONICAL
    assert STEAM.description_hash() == keccak(STEAM_CANONICAL)


def test_the_pinned_vectors_do_not_move():
    """Shared vectors: JavaScript's JSON.stringify of these objects (keys in sorted order) and
    keccak_256 of its UTF-8 give the same hashes (checked with @noble/hashes in web/)."""
    assert STEAM.description_hash().hex() == (
        "fd8dc761eded106b6b74e06b6694ce43472c1213796d342801ce4ca679b6dbf4"
    )
    chinese = ListingMetadata("Steam 充值卡 50 美元", "全球通用。\n到账即发卡。", "zh-CN")
    assert (
        chinese.canonical()
        == (
            '{"description":"全球通用。\\n到账即发卡。","lang":"zh-CN",'
            '"schema":"fairkey.listing.v1","title":"Steam 充值卡 50 美元"}'
        ).encode()
    )
    assert chinese.description_hash().hex() == (
        "2d4e08a4e9f7cc9977e299d962757f229d7ef3ea0dda2de9d41eb08537b21e34"
    )


def test_any_spacing_or_member_order_parses_to_the_same_document():
    spaced = json.dumps(
        {"title": "Steam 50 USD", "schema": "fairkey.listing.v1",
         "description": "Steam wallet card, 50 USD, global"},
        indent=4,
    )  # fmt: skip
    assert ListingMetadata.parse(spaced) == STEAM
    assert ListingMetadata.parse(spaced).canonical() == STEAM_CANONICAL


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ([], "JSON object"),
        ({"schema": "v0", "title": "t", "description": ""}, "schema"),
        ({"schema": "fairkey.listing.v1", "title": "", "description": ""}, "empty"),
        ({"schema": "fairkey.listing.v1", "title": " t", "description": ""}, "spaces"),
        ({"schema": "fairkey.listing.v1", "title": "a\nb", "description": ""}, "control"),
        ({"schema": "fairkey.listing.v1", "title": "t" * (MAX_TITLE + 1), "description": ""},
         "at most"),
        ({"schema": "fairkey.listing.v1", "title": "t", "description": "\x00"}, "control"),
        ({"schema": "fairkey.listing.v1", "title": "t", "description": "", "price": 1},
         "unknown"),
        ({"schema": "fairkey.listing.v1", "title": "t", "description": "", "lang": "?"}, "lang"),
        ({"schema": "fairkey.listing.v1", "title": "t", "description": 3}, "string"),
    ],
)  # fmt: skip
def test_what_is_not_a_listing_document_is_refused_with_the_reason(doc, why):
    with pytest.raises(MetadataError, match=why):
        ListingMetadata.from_document(doc)


def test_a_lone_surrogate_is_refused_because_no_browser_hashes_it_the_same():
    with pytest.raises(MetadataError, match="surrogate"):
        ListingMetadata.parse('{"schema":"fairkey.listing.v1","title":"t","description":"\\ud800"}')


def test_the_cli_text_becomes_a_document_titled_by_its_first_line():
    doc = ListingMetadata.from_text("  Xbox Game Pass Ultimate, 1 month\nGlobal key  ")
    assert (doc.title, doc.description) == (
        "Xbox Game Pass Ultimate, 1 month",
        "Xbox Game Pass Ultimate, 1 month\nGlobal key",
    )
    assert len(ListingMetadata.from_text("x" * 500).title) == MAX_TITLE
