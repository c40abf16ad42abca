"""Who may see a case: its two parties (the court's caseData) and every juror drawn for it, in
any round. Anyone else signed in is refused with 403; not signed in, 401 (api/deps.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from api.court import Participation
from api.deps import CaseId, SignedIn, State
from api.problems import ApiProblem
from arbitration.court_client import CaseView


@dataclass(frozen=True)
class CaseAccess:
    case: CaseView
    me: Participation


def case_participant(case_id: CaseId, session: SignedIn, state: State) -> CaseAccess:
    case = state.court.case(case_id)
    me = state.court.participation(case, session.address)
    if not (me.party or me.juror):
        raise ApiProblem(
            403,
            "not-a-participant",
            "not your case",
            f"only the parties and the drawn jurors of case {case_id} may see it",
        )
    return CaseAccess(case, me)


def case_party(access: Annotated[CaseAccess, Depends(case_participant)]) -> CaseAccess:
    if not access.me.party:
        raise ApiProblem(
            403,
            "not-a-party",
            "parties only",
            f"only the buyer and the merchant of case {access.case.case_id} may",
        )
    return access


Participant = Annotated[CaseAccess, Depends(case_participant)]
Party = Annotated[CaseAccess, Depends(case_party)]
