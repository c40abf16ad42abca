"""Votes for relaying: signed commits and reveals from the seat's own juror, signed in."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import SignedIn, State
from api.problems import problem_responses
from api.state import ApiState
from api.votes.schemas import CommitIn, MyVotes, RevealIn, VoteOut
from api.votes.service import VoteDesk
from api.votes.store import CommitItem, RevealItem

router = APIRouter(prefix="/votes", tags=["votes"])


def _desk(state: ApiState) -> VoteDesk:
    return VoteDesk(state.court, state.votes, state.settings.commit_margin)


def _out(item: CommitItem | RevealItem) -> VoteOut:
    return VoteOut(
        kind=item.kind,
        case_id=item.case_id,
        round=item.round,
        seat=item.seat,
        juror=item.juror,
        status=item.status,
        received_at=item.received_at,
        tx_hash=item.tx_hash,
        reason=item.reason,
        deadline=item.deadline if isinstance(item, CommitItem) else None,
    )


@router.post(
    "/commits",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VoteOut,
    responses=problem_responses(400, 401, 403, 404, 409, 503),
    summary="A signed commit to relay (the seat's juror only)",
    description="Checked now: the seat is yours in the current round, the case takes commits, the "
    "deadline leaves the relayer time, the EIP-712 signature is yours. 202: held for the relayer.",
)
def post_commit(body: CommitIn, session: SignedIn, state: State) -> VoteOut:
    item, _ = _desk(state).receive_commit(session.address, body)
    return _out(item)


@router.post(
    "/reveals",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VoteOut,
    responses=problem_responses(400, 401, 403, 404, 409, 503),
    summary="A reveal to relay, in the reveal period (the seat's juror only)",
    description="Checked now: choice and salt reproduce the seat's commit on chain.",
)
def post_reveal(body: RevealIn, session: SignedIn, state: State) -> VoteOut:
    item, _ = _desk(state).receive_reveal(session.address, body)
    return _out(item)


@router.get(
    "/mine",
    response_model=MyVotes,
    responses=problem_responses(401),
    summary="Your votes held here",
    description="Every vote you posted, oldest first per kind: pending, submitted (with its "
    "transaction) or refused (with the court's reason).",
)
def my_votes(session: SignedIn, state: State) -> MyVotes:
    commits, reveals = state.votes.votes_of(session.address)
    return MyVotes(votes=[_out(i) for i in [*commits, *reveals]])
