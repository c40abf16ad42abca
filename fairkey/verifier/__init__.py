"""The key verifier: checks a disputed key at its issuer and attests invalid / redeemed keys."""

from fairkey.verifier.envelope import (
    Envelope,
    EnvelopeError,
    key_check_aad,
    open_for_verifier,
    seal_for_verifier,
)

__all__ = ["Envelope", "EnvelopeError", "key_check_aad", "open_for_verifier", "seal_for_verifier"]
