"""Whether a signed EIP-4361 message signs its address in here: the pure decision, before the
nonce is spent (service.py). Every refusal names its reason (`SignInRefused.kind`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from siwe import siwe


@dataclass(frozen=True)
class SignInRules:
    domain: str  # host[:port] the message must name
    origin: str  # scheme://host[:port] its URI must belong to
    chain_id: int
    clock_skew: int  # seconds Issued At may lie ahead of our clock


class SignInRefused(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}".lower()


def parse_message(text: str) -> siwe.SiweMessage:
    try:
        # siwe's regular-expression parser: its default ABNF parser takes seconds of CPU on a
        # few KiB of crafted text (tests/api/test_fuzz.py found it), the regex one microseconds.
        return siwe.SiweMessage.from_message(text, abnf=False)
    except Exception as exc:  # noqa: BLE001 - the parser raises many kinds; all mean "malformed"
        raise SignInRefused(
            "siwe-malformed", f"not an EIP-4361 message: {str(exc)[:200]}"
        ) from None


def check_message(text: str, signature: str, rules: SignInRules, now: datetime) -> siwe.SiweMessage:
    """The parsed message if it is for this server, this chain, valid at `now` (UTC-aware) and
    signed by its address (an externally owned account: no EIP-1271 contract wallets yet);
    else SignInRefused."""
    message = parse_message(text)
    if message.domain != rules.domain:
        raise SignInRefused(
            "siwe-wrong-domain", f"the message is for {message.domain!r}, not {rules.domain!r}"
        )
    if message.scheme is not None and message.scheme != urlsplit(rules.origin).scheme:
        raise SignInRefused(
            "siwe-wrong-domain", f"the message's scheme {message.scheme!r} is not ours"
        )
    if _origin(str(message.uri)) != rules.origin.lower():
        raise SignInRefused(
            "siwe-wrong-uri", f"the message's URI {message.uri} is not under {rules.origin}"
        )
    if message.chain_id != rules.chain_id:
        raise SignInRefused(
            "siwe-wrong-chain", f"the message is for chain {message.chain_id}, not {rules.chain_id}"
        )
    if message.issued_at._datetime > now + timedelta(seconds=rules.clock_skew):
        raise SignInRefused(
            "siwe-not-yet-valid", f"the message is issued in the future ({message.issued_at})"
        )
    if message.expiration_time is not None and now >= message.expiration_time._datetime:
        raise SignInRefused("siwe-expired", f"the message expired at {message.expiration_time}")
    if message.not_before is not None and now < message.not_before._datetime:
        raise SignInRefused("siwe-not-yet-valid", f"the message is valid from {message.not_before}")
    # The signature is checked over the exact text received (not siwe's re-serialisation of it):
    # what was parsed and checked above is then exactly what the wallet showed and signed.
    try:
        signer = Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception:  # noqa: BLE001 - a malformed signature makes eth-keys raise anything
        raise SignInRefused("siwe-bad-signature", "the signature does not decode") from None
    if signer != message.address:
        raise SignInRefused("siwe-bad-signature", f"the signature is not {message.address}'s")
    return message
