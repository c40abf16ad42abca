"""What makes a relayed vote acceptable before the court sees it (pure checks, mirroring
contracts/arbitration/court/CourtVotes.sol and OpenZeppelin's ECDSA)."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data

from arbitration.votes import commit_typed_data

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def commit_signer(
    *,
    chain_id: int,
    court: str,
    case_id: int,
    round_no: int,
    seat: int,
    commit: bytes,
    deadline: int,
    signature: bytes,
) -> str | None:
    """The address that signed this EIP-712 Commit, or None for a signature the court's ECDSA
    refuses anyway (not 65 bytes, v not 27/28, a malleable high s)."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return None
    s = int.from_bytes(signature[32:64], "big")
    if not 0 < s <= SECP256K1_N // 2:
        return None
    message = encode_typed_data(
        full_message=commit_typed_data(chain_id, court, case_id, round_no, seat, commit, deadline)
    )
    try:
        return Account.recover_message(message, signature=signature)
    except Exception:  # noqa: BLE001 - r out of range and the like: no signer
        return None


def valid_commit_hash(commit: bytes) -> bool:
    """A commit the court stores (`_validCommit`): not something that could pass for a revealed
    vote (REVEALED | choice) or for no commit at all."""
    return int.from_bytes(commit, "big") >> 9 != 0
