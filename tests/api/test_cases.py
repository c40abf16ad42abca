"""Cases as their parties and jurors see them: their list of cases, one case, its timeline from
the court's events (no choice shown before its reveal), and the appeal transaction a party's
wallet sends."""

from __future__ import annotations

from api.problems import PROBLEM_BASE
from arbitration.court_client import Choice, Period
from tests.api.conftest import PNG, open_case, wallet_send


def _problem(answer, status, kind):
    assert answer.status_code == status, answer.text
    assert answer.json()["type"] == PROBLEM_BASE + kind, answer.json()
    return answer.json()


def _to_appeal(world, case, choice=Choice.PAY_MERCHANT):
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    votes = {j.address: choice for j in case.panel}
    world.vote(case.case_id, votes)
    world.court.pass_period(case.case_id)
    world.reveal(case.case_id, votes)
    world.court.pass_period(case.case_id)
    assert world.court.case(case.case_id).period == Period.APPEAL


def test_everyone_sees_their_own_cases_with_their_role(api, world, case):
    other = open_case(world, buyer="buyer2", merchant="merchant2")
    buyer = api.sign_in(case.buyer).get("/cases").json()["cases"]
    assert [(c["case_id"], c["roles"]) for c in buyer] == [(case.case_id, ["buyer"])]
    juror = case.panel[0]
    seen = api.sign_in(juror).get("/cases", params={"role": "juror"}).json()["cases"]
    assert case.case_id in [c["case_id"] for c in seen]
    assert all(c["roles"] == ["juror"] and c["seats"] for c in seen)
    assert other.case_id not in [
        c["case_id"] for c in api.sign_in(case.merchant).get("/cases").json()["cases"]
    ]


def test_a_case_shows_its_round_deadline_and_your_seat(api, world, case):
    juror = case.panel[1]
    answer = api.sign_in(juror).get(f"/cases/{case.case_id}").json()
    assert answer["period"] == "evidence" and answer["ruling"] is None
    assert answer["you"]["roles"] == ["juror"] and len(answer["you"]["seats"]) == 1
    assert answer["period_ends_at"] == answer["period_start"] + world.params.evidence_period
    assert answer["rounds"][0]["drawn"] == 3


def test_the_timeline_shows_every_step_and_no_choice_before_its_reveal(api, world, case):
    buyer = api.sign_in(case.buyer)
    evidence = buyer.post(
        f"/cases/{case.case_id}/evidence", files={"file": ("a.png", PNG, "image/png")}
    ).json()
    wallet_send(world, case.buyer, evidence["anchor_tx"])
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    votes = {j.address: Choice.REFUND_BUYER for j in case.panel}
    world.vote(case.case_id, votes)

    entries = buyer.get(f"/cases/{case.case_id}/timeline").json()["entries"]
    kinds = [e["kind"] for e in entries]
    assert kinds[:3] == ["opened", "round_opened", "period_changed"]
    assert kinds.count("juror_drawn") == 3 and kinds.count("evidence") == 1
    committed = [e for e in entries if e["kind"] == "vote_committed"]
    assert len(committed) == 3 and all("choice" not in e["data"] for e in committed)

    world.court.pass_period(case.case_id)
    world.reveal(case.case_id, votes)
    world.court.pass_period(case.case_id)
    entries = buyer.get(f"/cases/{case.case_id}/timeline").json()["entries"]
    revealed = [e["data"]["choice"] for e in entries if e["kind"] == "vote_revealed"]
    assert revealed == ["refund_buyer"] * 3
    ruled = [e for e in entries if e["kind"] == "ruled"]
    assert [e["data"]["ruling"] for e in ruled] == ["refund_buyer"]
    assert [e["data"]["period"] for e in entries if e["kind"] == "period_changed"] == [
        "evidence",
        "commit",
        "reveal",
        "appeal",
    ]
    assert all(e["block_time"] > 0 and e["tx_hash"].startswith("0x") for e in entries)


def test_the_loser_gets_an_appeal_to_sign_that_funds_the_next_round(api, world, accounts):
    world.add_jurors(12)
    case = open_case(world)
    _to_appeal(world, case, Choice.PAY_MERCHANT)
    buyer = api.sign_in(case.buyer)
    shown = buyer.get(f"/cases/{case.case_id}").json()
    assert shown["ruling"] == "pay_merchant" and shown["appeal"]["cost_wei"] == str(
        7 * world.params.fee_per_juror
    )

    # The winner may not appeal first: the court would refuse it, so the API says so.
    refused = _problem(
        api.sign_in(case.merchant).post(f"/cases/{case.case_id}/appeal"), 409, "court-refuses"
    )
    assert refused["error"] == "CourtNotLoser"

    answer = buyer.post(f"/cases/{case.case_id}/appeal")
    assert answer.status_code == 200, answer.text
    appeal = answer.json()
    assert (
        appeal["side"] == "appeal"
        and int(appeal["tx"]["value"], 16) == 7 * world.params.fee_per_juror
    )
    funded = wallet_send(world, case.buyer, appeal["tx"]).event("AppealFunded").args
    assert funded["party"] == case.buyer.address and not funded["defence"]

    defence = api.sign_in(case.merchant).post(f"/cases/{case.case_id}/appeal").json()
    assert defence["side"] == "defence"
    assert wallet_send(world, case.merchant, defence["tx"]).event("AppealFunded").args["defence"]


def test_only_parties_appeal_and_only_in_the_appeal_period(api, world, case):
    _problem(api.sign_in(case.buyer).post(f"/cases/{case.case_id}/appeal"), 409, "wrong-period")
    _problem(api.sign_in(case.panel[0]).post(f"/cases/{case.case_id}/appeal"), 403, "not-a-party")
    _problem(
        api.sign_in(world.market.accounts["stranger"]).post(f"/cases/{case.case_id}/appeal"),
        403,
        "not-a-participant",
    )
    _problem(api.client().post(f"/cases/{case.case_id}/appeal"), 401, "not-signed-in")
