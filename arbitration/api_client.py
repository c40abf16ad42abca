"""The juror's client of the appeal API (api/): Sign-In with Ethereum, a case's evidence (checked
against its keccak256, so the API cannot swap a file), and votes posted for relaying.

The sign-in message names the site the user asked for, never one the server suggests: a server
that signs people in for another domain or chain is refused before anything is signed, so a
signature made here cannot sign the juror in anywhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

STATEMENT = "Sign in to the fairkey court"
MESSAGE_TTL = 600  # seconds the signed message is valid for


class ApiRefused(Exception):
    """The API answered with a problem (RFC 9457): its status, type and detail."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(f"the API refused ({status}, {kind}): {detail}")
        self.status = status
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class EvidenceFile:
    content_hash: str
    content_type: str
    size: int
    filename: str | None
    uploaded_by: str


class CourtApi:
    def __init__(self, url: str, account: LocalAccount, chain_id: int, timeout: float = 30) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{url!r} is not an http(s) URL")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.domain = parts.netloc.lower()
        self.account = account
        self.chain_id = chain_id
        self.http = httpx.Client(base_url=self.origin, timeout=timeout)
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CourtApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sign-in

    def sign_in(self) -> str:
        """Signs in as the account (a bearer session); returns the signed-in address."""
        nonce = self._json(self.http.post("/auth/nonce"))
        if str(nonce.get("domain", "")).lower() != self.domain:
            raise ApiRefused(
                0,
                "wrong-site",
                f"{self.origin} signs people in for {nonce.get('domain')!r}, not {self.domain!r}:"
                " refusing to sign a message for another site",
            )
        if nonce.get("chain_id") != self.chain_id:
            raise ApiRefused(
                0,
                "wrong-chain",
                f"{self.origin} is for chain {nonce.get('chain_id')}, this node is chain "
                f"{self.chain_id}",
            )
        # Imported here: siwe builds its ABNF grammars at import (≈ 0.35 s), which every
        # `fairkey` command would pay, signing in or not (the CLI imports this module).
        from siwe.siwe import ISO8601Datetime, SiweMessage

        issued = datetime.now(UTC)
        message = SiweMessage(
            domain=self.domain,
            address=self.account.address,
            statement=STATEMENT,
            uri=self.origin,
            version="1",
            chain_id=self.chain_id,
            issued_at=ISO8601Datetime.from_datetime(issued),
            nonce=nonce["nonce"],
            expiration_time=ISO8601Datetime.from_datetime(issued + timedelta(seconds=MESSAGE_TTL)),
        ).prepare_message()
        signed = self.account.sign_message(encode_defunct(text=message))
        answer = self._json(
            self.http.post(
                "/auth/verify",
                json={
                    "message": message,
                    "signature": "0x" + bytes(signed.signature).hex(),
                    "session": "bearer",
                },
            )
        )
        self._token = answer["token"]
        self.http.headers["Authorization"] = f"Bearer {self._token}"
        return answer["address"]

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A signed-in request. A session ends (its TTL, a sign-out elsewhere) while a juror's
        service runs for days: on a 401 it signs in again, once, and resends."""
        if self._token is None:
            self.sign_in()
        answer = self.http.request(method, path, **kwargs)
        if answer.status_code == 401:
            self._token = None
            self.sign_in()
            answer = self.http.request(method, path, **kwargs)
        return answer

    # ------------------------------------------------------------------ evidence

    def evidence(self, case_id: int) -> list[EvidenceFile]:
        """The files of the case held by this API (parties and drawn jurors only)."""
        listing = self._json(self._call("GET", f"/cases/{case_id}/evidence"))
        return [
            EvidenceFile(
                f["content_hash"], f["content_type"], f["size"], f.get("filename"), f["uploaded_by"]
            )
            for f in listing["files"]
        ]

    def upload(self, case_id: int, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        """A party's file, stored by the API under its keccak256: {uri, content_hash, …} for the
        party's own `submitEvidence` (the API never holds a key)."""
        files = {"file": (name, data, content_type)}
        return self._json(self._call("POST", f"/cases/{case_id}/evidence", files=files))

    def download(self, case_id: int, content_hash: str) -> bytes:
        """One file, checked against its content hash (the hash anchored on chain)."""
        answer = self._call("GET", f"/cases/{case_id}/evidence/{content_hash}")
        if answer.status_code != 200:
            self._json(answer)
        data = answer.content
        if "0x" + keccak(data).hex() != content_hash.lower():
            raise ApiRefused(
                answer.status_code,
                "hash-mismatch",
                f"the file served for {content_hash} has another keccak256: not the evidence",
            )
        return data

    # ------------------------------------------------------------------ votes

    def post_commit(self, signed: tuple) -> dict[str, Any]:
        """A signed commit (caseId, seat, commitHash, deadline, signature) for the relayer."""
        case_id, seat, commit, deadline, signature = signed
        body = {
            "case_id": case_id,
            "seat": seat,
            "commit_hash": "0x" + bytes(commit).hex(),
            "deadline": deadline,
            "signature": "0x" + bytes(signature).hex(),
        }
        return self._json(self._call("POST", "/votes/commits", json=body))

    def post_reveal(self, item: tuple) -> dict[str, Any]:
        """A reveal (caseId, seat, juror, choice, salt, proof) for the relayer (reveal period
        only; the relayer finds the proof itself)."""
        case_id, seat, _, choice, salt = item[:5]
        body = {"case_id": case_id, "seat": seat, "choice": int(choice), "salt": "0x" + salt.hex()}
        return self._json(self._call("POST", "/votes/reveals", json=body))

    def my_votes(self) -> list[dict[str, Any]]:
        return self._json(self._call("GET", "/votes/mine"))["votes"]

    # ------------------------------------------------------------------ answers

    @staticmethod
    def _json(answer: httpx.Response) -> dict[str, Any]:
        if answer.status_code >= 400:
            try:
                problem = answer.json()
            except ValueError:
                problem = {}
            raise ApiRefused(
                answer.status_code,
                str(problem.get("type", "")).rsplit("/", 1)[-1] or "error",
                str(problem.get("detail") or problem.get("title") or answer.text[:200]),
            )
        return answer.json()
