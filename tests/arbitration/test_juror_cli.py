"""`fairkey juror …` on the real chain and court: a juror stakes, is drawn, sees the case and what
is due, votes once, reveals from any machine with the same wallet, and claims the fee. Deadlines
move the chain's clock."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_utils import keccak

from arbitration.api_client import CourtApi
from arbitration.court_client import Choice, Period
from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.chain.types import ETH

EVIDENCE = b"The issuer's page says: this code was already redeemed on 2025-03-01.\n"


@pytest.fixture
def seated(world, make_juror):
    """The CLI's juror staked with the CLI, then drawn with two others for a contested order:
    three stakers, three seats. Returns (juror, case id, the other two jurors' court clients)."""
    me = make_juror()
    me("stake", "0.1")
    world.add_jurors(2)
    _, case_id = world.contested_case()
    panel = world.draw_all(case_id)
    assert me.address in panel
    others = [world.client(world.by_address(a)) for a in panel if a != me.address]
    return me, case_id, others


def _to_commit(world, case_id):
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case_id)


def _others_vote(world, case_id, others, choice=Choice.REFUND_BUYER):
    for juror in others:
        juror.commit(case_id, juror.my_seat(case_id, 0), choice)


def _to_reveal(world, case_id):
    world.market.clock.advance(world.params.commit_period + 1)
    world.court.pass_period(case_id)
    assert world.court.case(case_id).period == Period.REVEAL


def _others_reveal(world, case_id, others, choice=Choice.REFUND_BUYER):
    world.court.reveal([j.reveal_item(case_id, j.my_seat(case_id, 0), choice) for j in others])


def _execute(world, case_id):
    if world.court.case(case_id).period == Period.REVEAL:
        world.court.pass_period(case_id)  # everyone revealed: on to the appeal period
    world.market.clock.advance(world.params.appeal_period + 1)
    world.court.pass_period(case_id)
    assert world.court.case(case_id).period == Period.EXECUTED


def _seat(world, juror, case_id) -> int:
    return world.court.my_seat(case_id, 0, juror.address)


def _vote(world, juror, case_id) -> tuple[bool, int]:
    """(revealed, choice) of the juror's seat."""
    return tuple(world.court.vote_of(case_id, _seat(world, juror, case_id))[1:])


def test_a_drawn_juror_sees_its_case_and_what_to_do(world, seated):
    me, case_id, _ = seated
    out = me("cases").output
    row = next(line for line in out.splitlines() if line.strip().startswith(f"│ {case_id} "))
    assert "evidence" in row and "read the evidence" in row and f"juror show {case_id}" in row
    assert "0.02 ETH locked on 1 open seat(s)" in out


def test_a_vote_committed_here_is_revealed_from_another_machine(world, seated, homes):
    """No local state: a fresh data folder with the same wallet re-derives the salt and finds the
    committed choice by trying each against the stored commit."""
    me, case_id, others = seated
    _to_commit(world, case_id)
    assert "committed your vote (pay)" in me("vote", str(case_id), "pay").output
    _others_vote(world, case_id, others)
    _to_reveal(world, case_id)

    out = me("reveal", str(case_id), home=homes()).output

    assert "revealed pay" in out
    assert _vote(world, me, case_id) == (True, Choice.PAY_MERCHANT)


def test_voting_once_the_evidence_period_is_over_moves_the_case_on_itself(world, seated):
    me, case_id, _ = seated
    world.market.clock.advance(world.params.evidence_period + 1)  # nobody passed the period yet
    me("vote", str(case_id), "refund")
    assert world.court.case(case_id).period == Period.COMMIT
    assert world.court.vote_of(case_id, _seat(world, me, case_id))[0]


def test_voting_during_the_evidence_period_says_when_voting_opens(world, seated):
    me, case_id, _ = seated
    out = me("vote", str(case_id), "refund", code=1).output
    assert "evidence period: voting opens at" in out and "--relay" in out


def test_committing_twice_is_refused_in_words(world, seated):
    me, case_id, _ = seated
    _to_commit(world, case_id)
    me("vote", str(case_id), "refund")
    out = me("vote", str(case_id), "pay", code=1).output
    assert "has already committed its vote: a vote is committed once and cannot be changed" in out


def test_an_unknown_choice_is_refused(world, seated):
    me, case_id, _ = seated
    assert "not a choice: refund" in me("vote", str(case_id), "maybe", code=1).output


def test_claim_settles_the_executed_case_and_withdraws_the_fee(world, seated):
    me, case_id, others = seated
    _to_commit(world, case_id)
    me("vote", str(case_id), "refund")
    _others_vote(world, case_id, others)
    _to_reveal(world, case_id)
    me("reveal", str(case_id))
    _others_reveal(world, case_id, others)
    _execute(world, case_id)

    out = me("claim").output

    share = world.params.fee_per_juror  # three coherent jurors share 3 × feePerJuror
    assert f"settled case {case_id}, round 0" in out
    assert f"withdrew {share / 10**18:g} ETH" in out
    assert world.court.credit_of(ETH, me.address) == 0
    assert world.court.stake_of(me.address) == {
        "staked": world.params.min_stake,
        "locked": 0,
        "open_seats": 0,
    }
    assert "nothing to claim" in me("claim").output


def test_unstaking_while_seated_is_refused_naming_the_case(world, seated):
    me, case_id, _ = seated
    out = me("unstake", code=1).output
    assert f"open seat(s) (case {case_id})" in out and "CourtJurorSeated" in out


def test_a_stake_while_a_panel_waits_is_queued_naming_the_case(world, make_juror):
    world.add_jurors(3)
    _, case_id = world.contested_case()  # round 0 asked for randomness: the pool is frozen
    late = make_juror()
    out = late("stake", "0.1").output
    assert f"queued: the panel of case {case_id} waits to be drawn" in out
    assert world.court.weight_of(late.address)[0] == 0


def test_show_names_the_parties_the_panel_and_the_evidence(world, seated):
    me, case_id, _ = seated
    buyer = world.client(world.market.accounts["buyer"])
    digest = keccak(EVIDENCE)
    buyer.submit_evidence(case_id, "https://evidence.example/1", digest)

    out = me("show", str(case_id)).output

    case = world.court.case(case_id)
    assert case.buyer in out and case.merchant in out
    assert re.search(r"order\s+0x[0-9a-fA-F]{40}", out)
    assert f"{me.address} (you)" in out
    assert "0x" + digest.hex() in out and "https://evidence.example/1" in out


def test_show_with_the_api_saves_the_evidence_checked_against_its_hash(world, seated, api):
    me, case_id, _ = seated
    buyer = world.market.accounts["buyer"]
    with CourtApi(api.url, buyer, world.market.w3.eth.chain_id) as party:
        party.sign_in()
        answer = party.http.post(
            f"/cases/{case_id}/evidence", files={"file": ("issuer.txt", EVIDENCE, "text/plain")}
        )
    assert answer.status_code == 201, answer.text
    digest = answer.json()["content_hash"]

    out = me("show", str(case_id), "--api", api.url).output

    saved = Path(re.search(r"(\S+/case-\d+/0x[0-9a-f]{64}\.txt)", out).group(1))
    assert saved.read_bytes() == EVIDENCE and saved.name == digest + ".txt"


def test_juror_run_once_reveals_then_claims_after_execution(world, seated):
    me, case_id, others = seated
    _to_commit(world, case_id)
    me("vote", str(case_id), "refund")
    _others_vote(world, case_id, others)
    _to_reveal(world, case_id)

    me("run", "--once")
    assert _vote(world, me, case_id) == (True, Choice.REFUND_BUYER)

    _others_reveal(world, case_id, others)
    _execute(world, case_id)
    me("run", "--once")
    # settle pays in seat order: the juror's claim pays every seat up to its own
    assert world.court.round(case_id, 0).settled == _seat(world, me, case_id) + 1
    assert world.court.credit_of(ETH, me.address) == 0


RUN_CLI = "from fairkey.cli.main import app; app(prog_name='fairkey')"


def test_juror_run_reveals_before_the_deadline_and_stops_on_sigterm(world, seated, tmp_path):
    me, case_id, others = seated
    _to_commit(world, case_id)
    me("vote", str(case_id), "pay")
    _others_vote(world, case_id, others)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRKEY_")}
    env["FAIRKEY_PRIVATE_KEY"] = "0x" + bytes(me.account.key).hex()
    log = tmp_path / "juror.log"
    argv = [sys.executable, "-c", RUN_CLI, "--home", str(me.cli.home), "--rpc", me.cli.rpc,
            "juror", "run", "--interval", "0.1"]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=PROJECT_ROOT)  # fmt: skip
    seat = _seat(world, me, case_id)
    try:
        _wait_for(lambda: "juror 0x" in log.read_text(), log)
        _to_reveal(world, case_id)
        _wait_for(lambda: world.court.vote_of(case_id, seat)[1], log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert f"revealed pay in case {case_id}" in text and "stopped" in text
    assert "Traceback" not in text


def _wait_for(predicate, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)  # waiting for another process, not for the chain's clock
    raise AssertionError(f"timed out; juror log:\n{log.read_text()}")


def test_a_demo_arbitrator_is_not_taken_for_the_court(market, fk):
    """The test escrow's arbitrator is a TestArbitrator (as `make up`'s): no court to sit on."""
    out = fk("stranger", "juror", "cases", code=1).output
    assert "is not a fairkey court" in out and "--court ADDRESS" in out
