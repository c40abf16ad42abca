"""Vote commitments, mirrored from contracts/arbitration/court/CourtVotes.sol.

A commit hash binds chain id, court, case, round, juror, choice and salt, so copying another
juror's commit is useless. The salt is derived from the juror's own signature over (chain, court,
case, round): eth-account signs deterministically (RFC 6979), so the same wallet re-derives the
same salt on another machine after a restart and can still reveal, while nobody without the key
can compute it.
"""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from fairkey.chain.typed_data import typed_message

VOTE_TAG = keccak(text="fairkey.court.vote")
COURT_DOMAIN = "fairkey court"

_COMMIT_FIELDS = [
    {"name": "caseId", "type": "uint256"},
    {"name": "round", "type": "uint256"},
    {"name": "seat", "type": "uint256"},
    {"name": "commitHash", "type": "bytes32"},
    {"name": "deadline", "type": "uint64"},
]
# What a juror signs to derive a salt: never valid as anything on chain (no contract checks it).
_SALT_FIELDS = [
    {"name": "purpose", "type": "string"},
    {"name": "caseId", "type": "uint256"},
    {"name": "round", "type": "uint256"},
]
SALT_PURPOSE = "fairkey court vote salt: sign only in your juror client"


def commit_hash(
    chain_id: int, court: str, case_id: int, round_no: int, juror: str, choice: int, salt: bytes
) -> bytes:
    """The hash a juror commits (CourtVotes.commitHashOf)."""
    return keccak(
        encode(
            ["bytes32", "uint256", "address", "uint256", "uint256", "address", "uint8", "bytes32"],
            [VOTE_TAG, chain_id, to_checksum_address(court), case_id, round_no,
             to_checksum_address(juror), choice, salt],
        )
    )  # fmt: skip


def commit_leaf(case_id: int, round_no: int, seat: int, juror: str, commit: bytes) -> bytes:
    """A seat's commit as a leaf of its commitment root (CourtVotes.commitLeaf): hashed twice,
    like the stock trees' leaves, so it never passes for an inner node."""
    return keccak(
        keccak(
            encode(
                ["uint256", "uint256", "uint256", "address", "bytes32"],
                [case_id, round_no, seat, to_checksum_address(juror), commit],
            )
        )
    )


def commit_typed_data(
    chain_id: int, court: str, case_id: int, round_no: int, seat: int, commit: bytes, deadline: int
) -> dict[str, Any]:
    """The EIP-712 `Commit` a juror signs to have a commit relayed (CourtVotes.commitDigest)."""
    return typed_message(
        domain_name=COURT_DOMAIN,
        chain_id=chain_id,
        contract=to_checksum_address(court),
        primary_type="Commit",
        fields=_COMMIT_FIELDS,
        message={
            "caseId": case_id,
            "round": round_no,
            "seat": seat,
            "commitHash": commit,
            "deadline": deadline,
        },
    )


def sign_commit(private_key: bytes | str, **fields: Any) -> bytes:
    signed = Account.sign_typed_data(private_key, full_message=commit_typed_data(**fields))
    return bytes(signed.signature)


def salt_typed_data(chain_id: int, court: str, case_id: int, round_no: int) -> dict[str, Any]:
    return typed_message(
        domain_name=COURT_DOMAIN,
        chain_id=chain_id,
        contract=to_checksum_address(court),
        primary_type="VoteSalt",
        fields=_SALT_FIELDS,
        message={"purpose": SALT_PURPOSE, "caseId": case_id, "round": round_no},
    )


def derive_salt(
    private_key: bytes | str, chain_id: int, court: str, case_id: int, round_no: int
) -> bytes:
    """The juror's salt for (chain, court, case, round): keccak of their deterministic signature."""
    message = encode_typed_data(full_message=salt_typed_data(chain_id, court, case_id, round_no))
    signed = Account.sign_message(message, private_key)
    return keccak(bytes(signed.signature))


_EVIDENCE_FIELDS = [
    {"name": "caseId", "type": "uint256"},
    {"name": "party", "type": "address"},
    {"name": "uri", "type": "string"},
    {"name": "contentHash", "type": "bytes32"},
    {"name": "deadline", "type": "uint64"},
]


def evidence_typed_data(
    chain_id: int,
    court: str,
    case_id: int,
    party: str,
    uri: str,
    content_hash: bytes,
    deadline: int,
) -> dict[str, Any]:
    """The EIP-712 `Evidence` a party signs to have its evidence anchored by a relayer
    (Court.submitEvidenceSigned)."""
    return typed_message(
        domain_name=COURT_DOMAIN,
        chain_id=chain_id,
        contract=to_checksum_address(court),
        primary_type="Evidence",
        fields=_EVIDENCE_FIELDS,
        message={
            "caseId": case_id,
            "party": to_checksum_address(party),
            "uri": uri,
            "contentHash": content_hash,
            "deadline": deadline,
        },
    )


def sign_evidence(private_key: bytes | str, **fields: Any) -> bytes:
    signed = Account.sign_typed_data(private_key, full_message=evidence_typed_data(**fields))
    return bytes(signed.signature)
