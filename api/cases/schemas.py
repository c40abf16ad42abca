"""A case, its timeline and its appeal, as answered."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import TxRequest

Role = Literal["buyer", "merchant", "juror"]


class YouOut(BaseModel):
    address: str
    roles: list[Role]
    seats: list[int] = Field(description="Your seats on the case (numbered across rounds)")


class VotesOut(BaseModel):
    refuse: int
    refund_buyer: int
    pay_merchant: int


class RoundOut(BaseModel):
    round: int
    seats: int
    drawn: int
    committed: int
    revealed: int
    votes: VotesOut = Field(description="Revealed votes per choice")
    aborted: bool
    fee_wei: str


class AppealWindowOut(BaseModel):
    cost_wei: str = Field(description="What an appeal (or a defence) pays, exactly")
    loser_deadline: int = Field(description="Chain time until which the round's loser may appeal")
    deadline: int = Field(description="Chain time until which the winner may fund its defence")


class CaseOut(BaseModel):
    case_id: int
    arbitrable: str
    buyer: str
    merchant: str
    period: str
    round: int
    ruling: str | None = Field(description="None until the first round rules")
    period_start: int
    period_ends_at: int | None = Field(
        description="Chain time the period may be passed at (None once executed)"
    )
    chain_time: int
    you: YouOut
    rounds: list[RoundOut]
    appeal: AppealWindowOut | None = None


class CaseSummary(BaseModel):
    case_id: int
    period: str
    round: int
    ruling: str | None = Field(description="None until the first round rules")
    roles: list[Role]
    seats: list[int]


class CaseList(BaseModel):
    cases: list[CaseSummary]


class TimelineEntry(BaseModel):
    kind: str = Field(
        description="opened, juror_drawn, period_changed, evidence, vote_committed, "
        "vote_revealed, ruled, appeal_funded, executed, …"
    )
    event: str = Field(description="The court's event name")
    round: int | None
    block_number: int
    block_time: int
    tx_hash: str
    log_index: int
    data: dict[str, Any]


class TimelineOut(BaseModel):
    case_id: int
    entries: list[TimelineEntry]


class AppealOut(BaseModel):
    case_id: int
    round: int = Field(description="The round appealed against")
    side: Literal["appeal", "defence"]
    cost_wei: str
    loser_deadline: int
    deadline: int
    tx: TxRequest
