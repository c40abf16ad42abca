"""Cases: the signed-in address's cases, one case, its timeline (from the index), and an appeal
to sign."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from api.cases.access import CaseAccess, Participant, Party
from api.cases.schemas import (
    AppealOut,
    AppealWindowOut,
    CaseList,
    CaseOut,
    CaseSummary,
    RoundOut,
    TimelineOut,
    VotesOut,
    YouOut,
)
from api.cases.timeline import address_params, choice_name, period_name, timeline
from api.deps import SignedIn, State
from api.problems import ApiProblem, problem_responses
from api.schemas import TxRequest
from arbitration.court_client import CaseView, Period
from fairkey.chain.errors import ContractRevert
from indexer.queries import court_case_timeline

router = APIRouter(prefix="/cases", tags=["cases"])

_PERIOD_LENGTH = {
    Period.EVIDENCE: "evidence_period",
    Period.COMMIT: "commit_period",
    Period.REVEAL: "reveal_period",
    Period.APPEAL: "appeal_period",
}


def _ruling(case: CaseView) -> str | None:
    """The current ruling; None while the first round has not ruled yet."""
    if case.round == 0 and case.period in (Period.EVIDENCE, Period.COMMIT, Period.REVEAL):
        return None
    return choice_name(case.ruling)


def _you(access: CaseAccess) -> YouOut:
    return YouOut(address=access.me.address, roles=access.me.roles, seats=list(access.me.seats))


@router.get(
    "", response_model=CaseList, responses=problem_responses(401, 503), summary="Your cases"
)
def my_cases(
    session: SignedIn,
    state: State,
    role: Literal["buyer", "merchant", "juror"] | None = Query(
        None, description="Only cases where you are this"
    ),
) -> CaseList:
    found = []
    for case_id in state.court.case_ids_of(session.address):
        case = state.court.case(case_id)
        me = state.court.participation(case, session.address)
        if not me.roles or (role is not None and role not in me.roles):
            continue
        found.append(
            CaseSummary(
                case_id=case_id,
                period=period_name(case.period),
                round=case.round,
                ruling=_ruling(case),
                roles=me.roles,
                seats=list(me.seats),
            )
        )
    return CaseList(cases=found)


@router.get(
    "/{case_id}",
    response_model=CaseOut,
    responses=problem_responses(401, 403, 404, 503),
    summary="One case",
)
def one_case(access: Participant, state: State) -> CaseOut:
    case, court = access.case, state.court
    rounds = []
    for n in range(case.round + 1):
        r = court.round(case.case_id, n)
        rounds.append(
            RoundOut(
                round=n,
                seats=r.seats,
                drawn=r.drawn,
                committed=r.committed,
                revealed=r.revealed,
                votes=VotesOut(refuse=r.votes[0], refund_buyer=r.votes[1], pay_merchant=r.votes[2]),
                aborted=r.aborted,
                fee_wei=str(r.fee),
            )
        )
    length = _PERIOD_LENGTH.get(case.period)
    appeal = None
    if case.period == Period.APPEAL:
        _, loser_end, end = court.appeal_window(case.case_id)
        appeal = AppealWindowOut(
            cost_wei=str(court.appeal_cost(case.case_id)), loser_deadline=loser_end, deadline=end
        )
    return CaseOut(
        case_id=case.case_id,
        arbitrable=case.arbitrable,
        buyer=case.buyer,
        merchant=case.merchant,
        period=period_name(case.period),
        round=case.round,
        ruling=_ruling(case),
        period_start=case.period_start,
        period_ends_at=case.period_start + court.params()[length] if length else None,
        chain_time=court.now(),
        you=_you(access),
        rounds=rounds,
        appeal=appeal,
    )


@router.get(
    "/{case_id}/timeline",
    response_model=TimelineOut,
    responses=problem_responses(401, 403, 404, 503),
    summary="The case's events, oldest first",
    description="From the index (`fairkey index run`): events the indexer has not ingested yet "
    "appear once it has. 503 while the index is unavailable.",
)
def case_timeline(access: Participant, state: State) -> TimelineOut:
    court = state.court
    case_id = access.case.case_id
    rows = state.index.read(lambda conn: court_case_timeline(conn, court.address, case_id))

    def reason(raw: bytes) -> str:
        return str(court.session.errors.decode(raw)) if raw else ""

    entries = timeline(rows, address_params(court.client.contract.abi), reason)
    return TimelineOut(case_id=access.case.case_id, entries=entries)


@router.post(
    "/{case_id}/appeal",
    response_model=AppealOut,
    responses=problem_responses(401, 403, 404, 409, 503),
    summary="The appeal (or defence) transaction for your wallet",
    description='The party\'s wallet sends `appeal(caseId, "")` with value = the appeal cost. '
    "409 when the court would refuse it now (the problem's `error` names the court's reason).",
)
def appeal(access: Party, state: State) -> AppealOut:
    case, court = access.case, state.court
    if case.period != Period.APPEAL:
        raise ApiProblem(
            409,
            "wrong-period",
            "not appealable now",
            f"case {case.case_id} is in its {period_name(case.period)} period, not appeal",
        )
    cost = court.appeal_cost(case.case_id)
    args = [case.case_id, b""]
    refused: ContractRevert | None = court.simulate("appeal", args, access.me.address, cost)
    if refused is not None:
        raise ApiProblem(
            409, "court-refuses", "the court would refuse it", str(refused), error=refused.name
        )
    _, loser_end, end = court.appeal_window(case.case_id)
    funded = court.round(case.case_id, case.round + 1).fee_payer
    side = "appeal" if int(funded, 16) == 0 else "defence"
    return AppealOut(
        case_id=case.case_id,
        round=case.round,
        side=side,
        cost_wei=str(cost),
        loser_deadline=loser_end,
        deadline=end,
        tx=TxRequest.model_validate(court.tx_request("appeal", args, access.me.address, cost)),
    )
