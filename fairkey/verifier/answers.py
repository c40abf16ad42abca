"""The verifier's signed answer to a key check, for the merchant (its bot) to act on.

"invalid", "redeemed" and "valid" become on-chain verdicts (`fairkey/chain/verdicts.py`). Every
answer (also "region_locked" and "unavailable", which never do) is told to the merchant as an
EIP-712 `KeyCheckAnswer` signed by the verifier's key, read from the verifier's
`GET /orders/{order}/key-check`: the bot falls back on it when a verdict did not reach the chain.
It binds the answer to the chain, the escrow, the order, the delivery number and the key's
fingerprint, so it cannot be replayed for another delivery, and its type differs from
`KeyVerdict`, so it can never pass as a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import to_checksum_address

from fairkey.chain.typed_data import typed_message

_ANSWER_TYPE = [
    {"name": "orderId", "type": "uint256"},
    {"name": "deliveryNo", "type": "uint256"},
    {"name": "fingerprint", "type": "bytes32"},
    {"name": "answer", "type": "string"},
    {"name": "checkedAt", "type": "uint64"},
]


@dataclass(frozen=True)
class CheckAnswer:
    """What the verifier answered for one delivered key (``answer``: an IssuerAnswer value or
    "unavailable"), as signed."""

    chain_id: int
    escrow: str
    order_id: int
    delivery_no: int
    fingerprint: bytes
    answer: str
    checked_at: int  # unix seconds (the verifier's clock) of the check

    def typed_data(self) -> dict[str, Any]:
        return typed_message(
            domain_name="fairkey",
            chain_id=self.chain_id,
            contract=to_checksum_address(self.escrow),
            primary_type="KeyCheckAnswer",
            fields=_ANSWER_TYPE,
            message={
                "orderId": self.order_id,
                "deliveryNo": self.delivery_no,
                "fingerprint": self.fingerprint,
                "answer": self.answer,
                "checkedAt": self.checked_at,
            },
        )

    def sign(self, private_key: bytes | str) -> bytes:
        signed = Account.sign_typed_data(private_key, full_message=self.typed_data())
        return bytes(signed.signature)

    def signer(self, signature: bytes) -> str:
        """The address that signed this answer (EIP-55)."""
        message = encode_typed_data(full_message=self.typed_data())
        return to_checksum_address(Account.recover_message(message, signature=signature))

    def to_json(self, signature: bytes) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "escrow": to_checksum_address(self.escrow),
            "order_id": str(self.order_id),
            "delivery_no": self.delivery_no,
            "fingerprint": "0x" + self.fingerprint.hex(),
            "answer": self.answer,
            "checked_at": self.checked_at,
            "signature": "0x" + signature.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> tuple[CheckAnswer, bytes]:
        """The answer and its signature; ValueError if a field is missing or malformed."""
        try:
            answer = cls(
                chain_id=int(data["chain_id"]),
                escrow=to_checksum_address(data["escrow"]),
                order_id=int(data["order_id"]),
                delivery_no=int(data["delivery_no"]),
                fingerprint=bytes.fromhex(str(data["fingerprint"]).removeprefix("0x")),
                answer=str(data["answer"]),
                checked_at=int(data["checked_at"]),
            )
            signature = bytes.fromhex(str(data["signature"]).removeprefix("0x"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed signed answer: {exc}") from None
        if len(answer.fingerprint) != 32 or len(signature) != 65:
            raise ValueError("malformed signed answer: bad fingerprint or signature length")
        return answer, signature
