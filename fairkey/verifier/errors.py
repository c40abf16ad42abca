"""Why the verifier refuses a key check or an answer: domain errors, raised by the service
(fairkey/verifier/service.py) and turned into HTTP problems by its routes (routes.py). Each
carries the sentence for the person (`detail`) and the facts a program reads (`fields`)."""

from __future__ import annotations

from typing import Any


class CheckRefused(Exception):
    def __init__(self, detail: str, **fields: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class NoSuchOrder(CheckRefused):
    """The escrow has no such order."""


class NotDelivered(CheckRefused):
    """The order holds no delivered key (yet)."""


class NotThisVerifier(CheckRefused):
    """The order's listing names another verifier."""


class EnvelopeUnopened(CheckRefused):
    """The sealed key does not open with this verifier's key (or is no key)."""


class WrongKey(CheckRefused):
    """The key opened, but it is not the one delivered: its fingerprint differs."""


class NotDisputed(CheckRefused):
    """The order is not disputed: nothing for the verifier to decide yet."""


class VerdictTooLate(CheckRefused):
    """The issuer gave a verdict, but the order is no longer disputed: it cannot be submitted."""


class VerdictRejected(CheckRefused):
    """The escrow reverted the verdict's submission."""


class NotChecked(CheckRefused):
    """No check of the order's current delivery yet."""
