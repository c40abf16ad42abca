"""An order's court case as `fairkey.flows.actions` needs it to say who may appeal and until when:
read from the court (caseData, appealPeriod, the next round's funding, appealCost). I/O only;
the rule is the SDK's (`fairkey/flows/actions.py`), shared by the CLI and the API."""

from __future__ import annotations

from eth_utils import to_checksum_address

from arbitration.court_client import CourtClient, Period
from fairkey.chain.escrow_client import EscrowClient
from fairkey.flows.actions import AppealPeriod, Role

_ZERO = "0x" + "00" * 20


def order_case(escrow: EscrowClient, order_id: int) -> tuple[str, int] | None:
    """(court address, case id) the escrow opened for the order (`cases(orderId)`), or None."""
    court, dispute_id = escrow.session.call(escrow.f.cases(order_id))
    if int(court, 16) == 0:
        return None
    return to_checksum_address(court), int(dispute_id)


def appeal_period(court: CourtClient, case_id: int) -> AppealPeriod | None:
    """The case's appeal period, or None when it is in another period."""
    case = court.case(case_id)
    if case.period != Period.APPEAL:
        return None
    _, loser_end, end = court.session.call(court.f.appealPeriod(case_id))
    next_round = court.round(case_id, case.round + 1)
    funder = next_round.fee_payer.lower()
    funded_by = None
    if int(funder, 16):
        funded_by = Role.BUYER if funder == case.buyer.lower() else Role.MERCHANT
    return AppealPeriod(
        case_id=case_id,
        ruling=int(case.ruling),
        loser_end=int(loser_end),
        end=int(end),
        cost=court.appeal_cost(case_id),
        funded_by=funded_by,
        defended=next_round.defender.lower() != _ZERO,
    )
