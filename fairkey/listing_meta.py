"""A listing's description document and its hash: the one definition behind the `descriptionHash`
a listing carries on chain (`fairkey listing create`), the API's metadata store (which keeps a
document only if it hashes to the listing's hash) and the dApp (which checks it again).

The document is a JSON object:

    {"description": "…", "lang": "zh-CN", "schema": "fairkey.listing.v1", "title": "…"}

`schema` is this version's name; `title` (1 to 120 characters, no line breaks, no surrounding
spaces) and `description` (at most 5,000 characters) are required; `lang` (a BCP 47 tag such as
"en" or "zh-CN") is optional. No other member is allowed. Text is taken as written: no Unicode
normalisation, so the bytes hashed are the bytes typed.

Its canonical form is UTF-8 JSON with the members sorted by name, no whitespace between tokens
and no escaping beyond JSON's own (`"`, `\\`, and control characters: only tab and line feed are
allowed, in the description). That is exactly what Python's
`json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))` and JavaScript's
`JSON.stringify` of an object built with its keys in that order both write, so the browser
computes the same bytes. The description hash is keccak256 of those bytes.

Example: {"description":"Steam wallet card, 50 USD, global","schema":"fairkey.listing.v1",
"title":"Steam 50 USD"} hashes to the value `tests/flows/test_listing_meta.py` pins.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

SCHEMA = "fairkey.listing.v1"
MAX_TITLE = 120
MAX_DESCRIPTION = 5_000
MAX_DOCUMENT_BYTES = 32 * 1024  # the canonical form of the largest valid document is below this
_LANG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}")
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and line feed
_MEMBERS = {"schema", "title", "description", "lang"}


class MetadataError(ValueError):
    """A document that is not a valid listing description (the message says why)."""


@dataclass(frozen=True)
class ListingMetadata:
    title: str
    description: str
    lang: str | None = None

    def __post_init__(self) -> None:
        _check_text("title", self.title, MAX_TITLE, line_breaks=False)
        if self.title != self.title.strip() or not self.title:
            raise MetadataError("title must not be empty nor start or end with spaces")
        _check_text("description", self.description, MAX_DESCRIPTION, line_breaks=True)
        if self.lang is not None and not (
            isinstance(self.lang, str) and _LANG.fullmatch(self.lang)
        ):
            raise MetadataError(f"lang {self.lang!r} is not a language tag (e.g. en, zh-CN)")

    @classmethod
    def from_text(cls, description: str, title: str | None = None, lang: str | None = None):
        """The document of a CLI's `--description` (and `--title`: default, its first line)."""
        text = description.strip()
        if title is None:
            first = text.splitlines()[0].strip() if text else ""
            title = first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"
        return cls(title=title.strip(), description=text, lang=lang)

    def document(self) -> dict[str, str]:
        doc = {"schema": SCHEMA, "title": self.title, "description": self.description}
        if self.lang is not None:
            doc["lang"] = self.lang
        return doc

    def canonical(self) -> bytes:
        """The bytes the hash is taken over (see the module docstring)."""
        return canonical_json(self.document())

    def description_hash(self) -> bytes:
        """keccak256 of the canonical document: the listing's `descriptionHash`."""
        return keccak(self.canonical())

    @classmethod
    def from_document(cls, doc: Any) -> ListingMetadata:
        """A parsed JSON value as a document, or MetadataError saying what is wrong."""
        if not isinstance(doc, dict):
            raise MetadataError("a listing document is a JSON object")
        unknown = set(doc) - _MEMBERS
        if unknown:
            raise MetadataError(f"unknown member(s) {', '.join(sorted(unknown))}")
        if doc.get("schema") != SCHEMA:
            raise MetadataError(f"schema must be {SCHEMA!r}")
        for name in ("title", "description"):
            if not isinstance(doc.get(name), str):
                raise MetadataError(f"{name} must be a string")
        return cls(doc["title"], doc["description"], doc.get("lang"))

    @classmethod
    def parse(cls, raw: bytes | str) -> ListingMetadata:
        """A document from JSON text (any spacing or member order: it is hashed canonically)."""
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise MetadataError(f"a listing document is at most {MAX_DOCUMENT_BYTES} bytes")
        try:
            return cls.from_document(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise MetadataError(f"not JSON: {exc}") from None


def canonical_json(doc: dict[str, str]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _check_text(name: str, value: Any, limit: int, *, line_breaks: bool) -> None:
    if not isinstance(value, str):
        raise MetadataError(f"{name} must be a string")
    if len(value) > limit:
        raise MetadataError(f"{name} is {len(value)} characters; at most {limit}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MetadataError(f"{name} is not valid Unicode (a lone surrogate)") from None
    bad = _BAD_CONTROL.search(value) or (None if line_breaks else re.search(r"[\t\n]", value))
    if bad:
        raise MetadataError(f"{name} holds the control character {bad.group()!r}")
