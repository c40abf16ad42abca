"""The court's reverts in the CLI's words (merged into fairkey/cli/errors.py's EXPLANATIONS, so
tests/cli/test_revert_messages.py holds the court to the same rule: every custom error of the
build has a sentence that says what to do next)."""

from __future__ import annotations

from typing import Any

from arbitration.court_client import Period
from fairkey.units import format_time

Args = dict[str, Any]


def _case(a: Args) -> str:
    return f"case {a['caseId']}"


def _show(a: Args) -> str:
    return f"`fairkey juror show {a['caseId']}`"


COURT_EXPLANATIONS = {
    "CourtBadParams": "the court refuses these settings or this case (parties must be two "
    "different non-zero addresses; windows and stakes must be positive)",
    "CourtWrongPayment": lambda a: (
        f"the court expected exactly {a['expected']:,} wei with this call but received "
        f"{a['received']:,}: nothing was taken"
    ),
    "CourtBelowMinStake": lambda a: (
        f"a stake of {a['stake']:,} is outside what the court accepts (at least {a['min']:,}, "
        "or 0 to leave): `fairkey juror stake AMOUNT`"
    ),
    "CourtJurorSeated": lambda a: (
        f"{a['juror']} sits on {a['openSeats']} open case(s): unstaking waits until they are "
        "settled (`fairkey juror cases`)"
    ),
    "CourtNothingQueued": lambda a: f"{a['juror']} has no queued stake change to apply",
    "CourtDrawsPending": lambda a: (
        f"{a['pending']} panel(s) wait to be drawn, so the pool is frozen: the queued stake "
        "applies once they are drawn (the keeper draws them; try again in a few blocks)"
    ),
    "CourtUnknownCase": lambda a: (
        f"{_case(a)} does not exist at this court (`fairkey juror cases`)"
    ),
    "CourtWrongPeriod": lambda a: (
        f"{_case(a)} is in its {Period(a['current']).name.lower()} period: this action belongs to "
        f"another one ({_show(a)} shows the deadlines)"
    ),
    "CourtTooEarly": lambda a: f"{_case(a)} cannot move on before {format_time(a['until'])}",
    "CourtTooLate": lambda a: (
        f"the deadline for this in {_case(a)} passed at {format_time(a['deadline'])}"
    ),
    "CourtRandomnessNotReady": lambda a: (
        f"the randomness for {_case(a)} is not ready yet (ticket {a['ticket']}): draw again in a "
        "few blocks"
    ),
    "CourtPanelNotDrawn": lambda a: (
        f"{_case(a)} has {a['drawn']} of its {a['seats']} jurors: draw the rest first "
        f"(`fairkey juror draw {a['caseId']}`)"
    ),
    "CourtPanelDrawn": lambda a: f"{_case(a)}'s panel is already complete",
    "CourtNotSeated": lambda a: (
        f"{a['caller']} does not sit on seat {a['seat']} of {_case(a)}'s current round "
        "(`fairkey juror cases` lists your seats)"
    ),
    "CourtAlreadyCommitted": lambda a: (
        f"seat {a['seat']} of {_case(a)} has already committed its vote: a vote is committed "
        "once and cannot be changed"
    ),
    "CourtNotCommitted": lambda a: (
        f"seat {a['seat']} of {_case(a)} committed no vote, so there is nothing to reveal"
    ),
    "CourtAlreadyRevealed": lambda a: f"seat {a['seat']} of {_case(a)} has already revealed",
    "CourtInvalidCommit": "that commit hash is not one the juror client makes (too small): "
    "commit with `fairkey juror vote`",
    "CourtInvalidChoice": lambda a: (
        f"choice {a['choice']} is not one of 0 (refuse: split), 1 (refund the buyer), 2 (pay the "
        "merchant)"
    ),
    "CourtRevealMismatch": lambda a: (
        f"this choice and salt do not match seat {a['seat']}'s commit in {_case(a)}: reveal the "
        "choice you committed, from the wallet that committed it"
    ),
    "CourtInvalidSignature": lambda a: (
        f"the signature for {_case(a)} (seat {a['seat']}) is not the seat's juror's or party's "
        "signature of exactly this message"
    ),
    "CourtSignatureExpired": lambda a: (
        f"the signed message expired at {format_time(a['deadline'])}: sign it again"
    ),
    "CourtNotParty": lambda a: f"{a['caller']} is not a party of {_case(a)}",
    "CourtNotLoser": lambda a: (
        f"{a['caller']} won this round of {_case(a)}: the loser appeals first, the winner may "
        "then fund its defence"
    ),
    "CourtNoMoreAppeals": lambda a: f"{_case(a)} is in its last round: no further appeal",
    "CourtAppealFunded": lambda a: f"the next round of {_case(a)} is already funded by this side",
    "CourtNotExecuted": lambda a: (
        f"{_case(a)} has no final ruling yet: rewards are paid after execution ({_show(a)})"
    ),
    "CourtNothingToSettle": lambda a: (
        f"round {a['round']} of {_case(a)} has nothing left to pay out"
    ),
    "CourtEvidenceUsed": "this signed evidence was already anchored",
    "CourtNothingToWithdraw": lambda a: (
        f"{a['account']} has no court credit in that token: nothing to withdraw"
    ),
    "CourtTransferFailed": lambda a: (
        f"the court's payout of {a['amount']:,} to {a['to']} failed: that address does not "
        "accept it"
    ),
    "CourtEmptyList": "nothing to send: the list of votes is empty",
    "StakeTreeFull": "the court's pool is full (its total weight would pass 2^64 stake quanta): "
    "stake less",
}
