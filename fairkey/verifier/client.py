"""Buyer side of a key check: fetch the verifier's /info, seal the key to it, POST it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from coincurve import PublicKey
from eth_utils import keccak, to_checksum_address

from fairkey.chain.types import order_ref
from fairkey.crypto.keys import normalise_key
from fairkey.verifier.envelope import key_check_aad, seal_for_verifier


class VerifierError(Exception):
    """The verifier refused the check; `problem` is its problem+json body (if any)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        detail = problem.get("detail") or problem.get("title") or str(problem)
        super().__init__(f"verifier answered {status}: {detail}")


class VerifierMismatch(ValueError):
    """The verifier is not the one expected (address, chain or escrow): the key is not sent."""


@dataclass(frozen=True)
class VerifierInfo:
    address: str
    public_key: bytes
    chain_id: int
    escrow: str


def address_of(public_key: bytes) -> str:
    raw = PublicKey(public_key).format(compressed=False)[1:]
    return to_checksum_address(keccak(raw)[12:])


class VerifierClient:
    def __init__(self, base_url: str, *, timeout: float = 120.0, http: httpx.Client | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> VerifierClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text}
        if response.status_code >= 400:
            raise VerifierError(response.status_code, body if isinstance(body, dict) else {})
        return body

    def info(self) -> VerifierInfo:
        data = self._json(self.http.get(f"{self.base_url}/info"))
        public_key = bytes.fromhex(data["public_key"].removeprefix("0x"))
        info = VerifierInfo(
            to_checksum_address(data["address"]),
            public_key,
            int(data["chain_id"]),
            to_checksum_address(data["escrow"]),
        )
        if address_of(public_key) != info.address:
            raise VerifierMismatch(f"the verifier's public key is not that of {info.address}")
        return info

    def check_key(
        self,
        order_id: int,
        key: str | bytes,
        *,
        expect_verifier: str | None = None,
        expect_chain_id: int | None = None,
        expect_escrow: str | None = None,
    ) -> dict[str, Any]:
        """Seal `key` to the verifier and ask for a check; returns its decision (a dict with
        answer, outcome, message, tx_hash, …). Raises VerifierError on a problem answer and
        VerifierMismatch, before sending anything, if the verifier is not the expected one."""
        info = self.info()
        if expect_verifier is not None and info.address != to_checksum_address(expect_verifier):
            raise VerifierMismatch(
                f"{self.base_url} is verifier {info.address}, but the listing names "
                f"{to_checksum_address(expect_verifier)}: not sending the key"
            )
        if expect_chain_id is not None and info.chain_id != expect_chain_id:
            raise VerifierMismatch(
                f"the verifier is on chain {info.chain_id}, not {expect_chain_id}"
            )
        if expect_escrow is not None and info.escrow != to_checksum_address(expect_escrow):
            raise VerifierMismatch(f"the verifier serves escrow {info.escrow}, not {expect_escrow}")
        aad = key_check_aad(info.chain_id, info.escrow, order_id)
        envelope = seal_for_verifier(normalise_key(key), info.public_key, aad)
        response = self.http.post(
            f"{self.base_url}/orders/{order_ref(order_id)}/key-check",
            json={"envelope": envelope.to_json()},
        )
        return self._json(response)

    def suppliers(self) -> list[dict[str, Any]]:
        return self._json(self.http.get(f"{self.base_url}/suppliers"))["suppliers"]
