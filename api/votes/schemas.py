"""Votes received for relaying, and the juror's view of them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.deps import INT64

BYTES32 = r"^0x[0-9a-fA-F]{64}$"
SIGNATURE = r"^0x[0-9a-fA-F]{130}$"


class CommitIn(BaseModel):
    case_id: int = Field(ge=1, le=INT64)
    seat: int = Field(ge=0, le=65535, description="Your seat (CourtClient.my_seat)")
    commit_hash: str = Field(pattern=BYTES32, description="arbitration.votes.commit_hash(...)")
    deadline: int = Field(
        ge=0, le=INT64, description="Chain time after which the signature is void"
    )
    signature: str = Field(pattern=SIGNATURE, description="Your EIP-712 `Commit` signature")


class RevealIn(BaseModel):
    case_id: int = Field(ge=1, le=INT64)
    seat: int = Field(ge=0, le=65535)
    choice: int = Field(ge=0, le=2, description="0 refuse, 1 refund the buyer, 2 pay the merchant")
    salt: str = Field(pattern=BYTES32, description="The salt of your commit")


class VoteOut(BaseModel):
    kind: Literal["commit", "reveal"]
    case_id: int
    round: int
    seat: int
    juror: str
    status: Literal["pending", "submitted", "refused"] = Field(
        description="pending: held for the relayer; submitted: on chain; refused: the court "
        "refused it, or it could no longer land (see `reason`); post another to replace it"
    )
    received_at: int
    tx_hash: str | None = Field(None, description="The batch that carried it, if one did")
    reason: str | None = Field(None, description="Why it was refused (status refused only)")
    deadline: int | None = Field(None, description="Commits only")


class MyVotes(BaseModel):
    votes: list[VoteOut]
