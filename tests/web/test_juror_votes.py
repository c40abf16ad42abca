"""A juror drawn for the demo's contested order finds the case on the arbitrator page, reads it
and votes with a signature: no transaction, no gas. The relayer puts the hidden vote on chain
once the commit period opens, and the page shows it landed, live. The vote on chain is exactly
"refund the buyer" under the juror's own salt (re-derived here the way the CLI juror does)."""

from __future__ import annotations

from eth_utils import to_checksum_address
from playwright.sync_api import expect

from arbitration.court_client import Choice, CourtClient, Period
from fairkey.chain.session import ChainSession
from tests.web.chain import until

CASE = 1  # the demo's live case (make up contests one order)


def drawn_juror(stack, court: CourtClient) -> tuple[int, int]:
    """(dev account index, seat) of the case's first drawn juror."""
    seat = 0
    address = court.juror_at(CASE, seat).lower()
    index = next(i for i in stack.jurors if stack.account(i).address.lower() == address)
    return index, seat


def test_a_drawn_juror_votes_gaslessly_and_the_relayer_lands_it(stack, dapp, chain, screenshot):
    court = CourtClient(ChainSession.connect(stack.rpc_url), stack.deployment["arbitrator"])
    until(lambda: court.round(CASE, 0).drawn == court.round(CASE, 0).seats, "the panel drawn")
    juror, seat = drawn_juror(stack, court)
    desk = dapp(juror, path="arbitrator")
    page = desk.page
    page.get_by_test_id("gate-connect").click()
    row = page.get_by_test_id(f"case-{CASE}")
    expect(row).to_be_visible()
    row.get_by_test_id("case-link").click()

    expect(page.get_by_test_id("page-case")).to_be_visible()
    expect(page.get_by_test_id("case-evidence")).to_be_visible()
    page.get_by_test_id("vote-refund_buyer").click()
    expect(page.get_by_test_id("vote-sent")).to_be_visible()
    screenshot(desk, "voted")
    assert desk.wallet.transactions == []  # signatures only: the juror pays no gas
    assert len(desk.wallet.calls("eth_signTypedData_v4")) == 2  # the salt, then the vote

    # The relayer holds a vote signed in the evidence period until the commit period opens.
    view = court.case(CASE)
    if view.period == Period.EVIDENCE:
        chain.advance_past(view.period_start + court.params()["evidence_period"])
    until(lambda: court.vote_of(CASE, seat)[0], "the relayer committed the vote", timeout=60)

    page.get_by_test_id("nav-arbitrator").click()
    votes = page.get_by_test_id("juror-votes")
    expect(votes.locator('tr[data-status="submitted"]')).to_have_count(1)
    screenshot(desk, "relayed")

    logs = court.contract.events.VoteCommitted().get_logs(from_block=0)
    (stored,) = [
        e.args["commitHash"] for e in logs if (e.args["caseId"], e.args["seat"]) == (CASE, seat)
    ]
    mine = court.as_account(stack.account(juror))
    assert bytes(stored) == mine.commit_hash(CASE, 0, Choice.REFUND_BUYER)
    assert to_checksum_address(court.juror_at(CASE, seat)) == stack.account(juror).address
    assert not desk.console_errors, desk.console_errors
