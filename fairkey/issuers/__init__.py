"""Issuer adapters (ask a card's issuer whether a key is good) and a reference issuer simulator."""

from fairkey.issuers.adapter import IssuerAdapter, IssuerAnswer, IssuerUnavailable, UnavailableKind
from fairkey.issuers.http_json import HttpJsonAdapter

__all__ = [
    "HttpJsonAdapter",
    "IssuerAdapter",
    "IssuerAnswer",
    "IssuerUnavailable",
    "UnavailableKind",
]
