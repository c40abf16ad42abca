"""The dApp's lib against the real API (SIWE sessions, problems, evidence, gasless votes) and the
real court: a drawn juror signs in from TypeScript (web/test/live/vote.*.test.ts), posts a signed
commit and later a reveal; the relayer's store carries both to the court, which accepts them."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from arbitration.court_client import Choice, Period
from tests.api.conftest import (  # noqa: F401 - fixtures
    PUBLIC_URL,
    api,
    case,
    index_url,
    layered,
    make_api,
    shop_layer,
    world,
)
from tests.web.vitest import run_vitest


def _env(court_world, deployment, api_url: str, juror, case_id: int, seat: int) -> dict[str, str]:
    market = court_world.market
    env = {
        "rpc": market.w3.provider.endpoint_uri,
        "chain_id": market.w3.eth.chain_id,
        "escrow": market.escrow_address,
        "court": court_world.court.address,
        "token": market.token_address,
        "block": deployment.block,
        "accounts": {},
        "api": {
            "url": api_url,
            "domain": urlsplit(PUBLIC_URL).netloc,  # the site the API signs people in for
            "origin": PUBLIC_URL,
            "juror_key": "0x" + bytes(juror.key).hex(),
            "case_id": case_id,
            "seat": seat,
            "round": 0,
        },
    }
    return {"FAIRKEY_LIVE": json.dumps(env)}


def _passed(run) -> None:
    assert run.returncode == 0 and run.failed == 0, "\n".join(run.failures()) or run.output[-4000:]


def test_a_juror_signs_in_commits_and_reveals_through_the_api_from_the_dapp_lib(
    api,  # noqa: F811 - the fixtures imported from tests/api/conftest.py
    world,  # noqa: F811
    case,  # noqa: F811
    deployed,
    tmp_path,
):
    court = world.court
    juror, *others = case.panel
    seat = court.as_account(juror).my_seat(case.case_id, 0)
    env = _env(world, deployed[1], api.url, juror, case.case_id, seat)

    run = run_vitest(tmp_path, "test/live/vote.commit.test.ts", env=env)
    _passed(run)
    assert run.passed == 5

    # the relayer's part: carry the held commit to the court, with the others' own commits
    clock = world.market.clock
    clock.advance(world.params.evidence_period + 1)
    court.pass_period(case.case_id)
    store = api.state.votes
    pending = store.pending_commits(now=clock.now())
    assert [(p.case_id, p.seat) for p in pending] == [(case.case_id, seat)]
    court.relay_commits([p.as_signed_commit() for p in pending])
    for other in others:
        client = world.client(other)
        client.commit(case.case_id, client.my_seat(case.case_id, 0), Choice.REFUND_BUYER)
    court.pass_period(case.case_id)  # every seat committed: the reveal period opens at once
    assert court.case(case.case_id).period == Period.REVEAL

    run = run_vitest(tmp_path, "test/live/vote.reveal.test.ts", env=env)
    _passed(run)
    assert run.passed == 2

    [reveal] = store.pending_reveals()
    result = court.reveal([reveal.as_reveal()])
    assert [e.args["choice"] for e in result.events if e.name == "VoteRevealed"] == [
        int(Choice.PAY_MERCHANT)
    ]
    assert court.vote_of(case.case_id, seat) == (True, True, int(Choice.PAY_MERCHANT))
