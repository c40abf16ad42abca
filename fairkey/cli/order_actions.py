"""`order show`'s last part: what you may do with the order now and until when, and the command
that does it. The list is the SDK's rule (`fairkey.flows.actions`), the same the API answers at
`GET /orders/{id}/actions`, on the chain facts read as the API reads them
(`arbitration/action_facts.py`); this module only prints it."""

from __future__ import annotations

from functools import partial

from arbitration.action_facts import order_facts
from arbitration.court_client import CourtClient
from fairkey.chain.errors import ContractRevert
from fairkey.chain.session import ChainSession
from fairkey.chain.types import Listing, Order, order_ref
from fairkey.cli.context import AppState
from fairkey.cli.output import table
from fairkey.flows.actions import Action, Kind, Role, open_actions, reason_name
from fairkey.units import format_deadline

_COMMANDS = {
    Kind.CONFIRM: "fairkey confirm {o}",
    Kind.DISPUTE: "fairkey dispute {o} --reason {reasons}",
    Kind.PROVE_MISDELIVERY: "fairkey prove {o}",
    Kind.VERIFY: "fairkey verify {o} --verifier-url URL",
    Kind.DELIVER: "fairkey deliver {o}",
    Kind.REFUND: "fairkey respond {o} refund",
    Kind.REPLACE: "fairkey respond {o} replace",
    Kind.CONTEST: "fairkey respond {o} contest",
    Kind.CONTEST_VERDICT: "fairkey respond {o} contest",
    Kind.APPEAL: "fairkey case appeal {case}",
    Kind.SETTLE: "fairkey settle {o}",
    Kind.REFUND_LATE: "fairkey refund-late {o}",
    Kind.RESOLVE_STALLED: "fairkey keeper run (resolveStalledArbitration)",
    Kind.WITHDRAW: "fairkey withdraw",
}


def show(app: AppState, order_id: int, order: Order, listing: Listing, now: int) -> None:
    account = app.maybe_account
    me = account.address if account is not None else None
    court_at = partial(_court_at, app.reader.session)
    facts = order_facts(app.reader, order_id, order, listing, now, me, court_at)
    actions = open_actions(facts)
    if not actions:
        return
    role = facts.role
    rows = [[a.kind.value, _until(a, now), _command(a, order_id, role), a.note] for a in actions]
    table(f"what you ({role.value}) may do now", ["action", "until", "command", "note"], rows)


def _court_at(session: ChainSession, address: str) -> CourtClient | None:
    """The court of the order's case, or None when that arbitrator is no fairkey Court: a demo
    TestArbitrator (the tests', `make up`'s) has no appeal periods, so none is offered."""
    court = CourtClient(session, address)
    try:
        court.case_count()
    except ContractRevert:  # no caseCount() there; any other failure is the node's, and shown
        return None
    return court


def _until(action: Action, now: int) -> str:
    return "—" if action.until is None else format_deadline(action.until, now)


def _command(action: Action, order_id: int, role: Role) -> str:
    reasons = "|".join(reason_name(r) for r in action.reasons)
    case = str(action.case_id) if action.case_id is not None else "CASE"
    command = _COMMANDS[action.kind]
    if action.kind is Kind.CONTEST_VERDICT and role is Role.BUYER:
        command = "fairkey contest {o}"  # the buyer's contest of a VALID verdict
    return command.format(o=order_ref(order_id), reasons=reasons, case=case)
