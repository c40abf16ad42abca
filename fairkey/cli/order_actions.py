"""`order show`'s last part: what you may do with the order now and until when, and the command
that does it. The list is the SDK's rule (`fairkey.flows.actions`), the same the API answers at
`GET /orders/{id}/actions`; this module only reads its inputs and prints it."""

from __future__ import annotations

from arbitration.appeal_period import appeal_period, order_case
from arbitration.court_client import CourtClient
from fairkey.chain.types import Listing, Order, OrderStatus, order_ref
from fairkey.cli.context import AppState
from fairkey.cli.output import table
from fairkey.flows.actions import (
    Action,
    AppealPeriod,
    Kind,
    Role,
    court_fee_needed,
    order_actions,
    reason_name,
    role_of,
)
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
    role = role_of(order, listing, me)
    actions = order_actions(
        order_id,
        order,
        listing,
        role,
        now,
        court_fee=_court_fee(app, order_id, order, role),
        appeal=_appeal(app, order_id, order, role),
        credit=app.reader.credit_of(listing.token, me) if me else 0,
    )
    if not actions:
        return
    rows = [[a.kind.value, _until(a, now), _command(a, order_id, role), a.note] for a in actions]
    table(f"what you ({role.value}) may do now", ["action", "until", "command", "note"], rows)


def _court_fee(app: AppState, order_id: int, order: Order, role: Role) -> int | None:
    if not court_fee_needed(order, role):
        return None
    if int(app.reader.session.call(app.reader.f.arbitrator()), 16) == 0:
        return None
    return app.reader.arbitration_cost(order_id)


def _appeal(app: AppState, order_id: int, order: Order, role: Role) -> AppealPeriod | None:
    if order.status is not OrderStatus.ARBITRATING or role is Role.ANYONE:
        return None
    found = order_case(app.reader, order_id)
    if found is None:
        return None
    try:
        return appeal_period(CourtClient(app.reader.session, found[0]), found[1])
    except Exception:  # noqa: BLE001 - a demo TestArbitrator has no appeal periods
        return None


def _until(action: Action, now: int) -> str:
    return "—" if action.until is None else format_deadline(action.until, now)


def _command(action: Action, order_id: int, role: Role) -> str:
    reasons = "|".join(reason_name(r) for r in action.reasons)
    case = str(action.case_id) if action.case_id is not None else "CASE"
    command = _COMMANDS[action.kind]
    if action.kind is Kind.CONTEST_VERDICT and role is Role.BUYER:
        command = "fairkey contest {o}"  # the buyer's contest of a VALID verdict
    return command.format(o=order_ref(order_id), reasons=reasons, case=case)
