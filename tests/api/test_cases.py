"""Cases as their parties and jurors see them: their list of cases, one case, its timeline from
the index of the court's events (no choice shown before its reveal; new events once the indexer
has run), and the appeal transaction a party's wallet sends."""

from __future__ import annotations

from api.problems import PROBLEM_BASE
from arbitration.court_client import Choice, Period
from indexer.config import IndexerConfig
from indexer.ingest import Indexer
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


def _timeline(client, case) -> list[dict]:
    answer = client.get(f"/cases/{case.case_id}/timeline")
    assert answer.status_code == 200, answer.text
    return answer.json()["entries"]


def test_the_timeline_shows_every_step_and_no_choice_before_its_reveal(api, world, case, index):
    buyer = api.sign_in(case.buyer)
    evidence = buyer.post(
        f"/cases/{case.case_id}/evidence", files={"file": ("a.png", PNG, "image/png")}
    ).json()
    wallet_send(world, case.buyer, evidence["anchor_tx"])
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    votes = {j.address: Choice.REFUND_BUYER for j in case.panel}
    world.vote(case.case_id, votes)

    index.catch_up()
    entries = _timeline(buyer, case)
    kinds = [e["kind"] for e in entries]
    assert kinds[:3] == ["opened", "round_opened", "period_changed"]
    assert kinds.count("juror_drawn") == 3 and kinds.count("evidence") == 1
    committed = [e for e in entries if e["kind"] == "vote_committed"]
    assert len(committed) == 3 and all("choice" not in e["data"] for e in committed)

    world.court.pass_period(case.case_id)
    world.reveal(case.case_id, votes)
    world.court.pass_period(case.case_id)
    index.catch_up()
    entries = _timeline(buyer, case)
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


def test_the_timeline_follows_new_events_once_the_indexer_has_run(api, world, case, index):
    juror = api.sign_in(case.panel[0])
    index.catch_up()
    before = _timeline(juror, case)
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    assert _timeline(juror, case) == before  # the API shows what the index holds, no more

    index.catch_up()
    after = _timeline(juror, case)
    assert after[: len(before)] == before
    [new] = after[len(before) :]
    assert (new["kind"], new["data"]["period"]) == ("period_changed", "commit")


def test_the_timeline_is_the_courts_logs_of_the_case_as_the_index_holds_them(
    api, world, case, index
):
    """Same events, positions, transactions and arguments as eth_getLogs gives (addresses
    EIP-55, hashes 0x hex, amounts decimal strings)."""
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case.case_id)
    index.catch_up()
    entries = _timeline(api.sign_in(case.merchant), case)
    logs = _case_logs(world, case.case_id)
    assert [(e["event"], e["block_number"], e["log_index"], e["tx_hash"]) for e in entries] == [
        (e.name, e.block_number, e.log_index, "0x" + e.tx_hash.removeprefix("0x")) for e in logs
    ]
    opened = entries[0]["data"]
    assert (opened["buyer"], opened["merchant"]) == (case.buyer.address, case.merchant.address)
    assert opened["fee"] == str(logs[0].args["fee"])
    drawn = {e["data"]["juror"] for e in entries if e["kind"] == "juror_drawn"}
    assert drawn == {j.address for j in case.panel}
    assert all(e["block_time"] == _block_time(world, e["block_number"]) for e in entries)


def test_the_timeline_reads_an_index_on_postgresql(make_api, world, anvil, deployed, pg_url):
    world.add_jurors(5)
    case = open_case(world)
    _, deployment = deployed
    config = IndexerConfig(
        rpc_url=anvil.url, db_url=pg_url, escrow=world.market.escrow_address,
        start_block=deployment.block,
    )  # fmt: skip
    with Indexer(config) as indexer:
        indexer.backfill()
        api = make_api(index_db_url=pg_url)
        entries = _timeline(api.sign_in(case.buyer), case)
    assert [e["kind"] for e in entries].count("juror_drawn") == 3


def test_without_a_built_index_the_timeline_is_unavailable(api, case):
    problem = _problem(
        api.sign_in(case.buyer).get(f"/cases/{case.case_id}/timeline"), 503, "index-unavailable"
    )
    assert "fairkey index run" in problem["detail"]


def _case_logs(world, case_id: int):
    court = world.court
    topic = "0x" + case_id.to_bytes(32, "big").hex()
    raw = world.market.w3.eth.get_logs(
        {"address": court.address, "fromBlock": 0, "toBlock": "latest", "topics": [None, topic]}
    )
    return [e for e in court.session.decode_logs(raw) if e.name != "DisputeCreation"]


def _block_time(world, number: int) -> int:
    return world.market.w3.eth.get_block(number)["timestamp"]


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
