"""Staking: the minimum, a stake change queued while a panel waits to be drawn (never lost),
no unstaking while seated, and the ERC-20 court."""

from __future__ import annotations

from arbitration.court_client import CourtClient
from arbitration.deploy import CourtParams, deploy_court
from fairkey.chain.types import ETH
from tests.support.disputes import reverts


def test_a_stake_below_the_minimum_is_refused(world):
    juror = world.add_jurors(1)[0]
    with reverts("CourtBelowMinStake"):
        world.client(juror).set_stake(world.params.min_stake - 1)


def test_a_stake_change_while_a_panel_waits_is_queued_then_applied(world):
    world.add_jurors(4)
    _, case_id = world.contested_case()  # round 0 asked for randomness: the tree is frozen
    late = world.add_jurors(1)[0]
    weight, _ = world.court.weight_of(late.address)
    assert weight == 0
    assert world.court.stake_of(late.address)["staked"] == world.params.min_stake  # the money is in
    with reverts("CourtDrawsPending"):
        world.court.apply_stake(late.address)
    panel = world.draw_all(case_id)
    assert late.address not in panel
    world.court.apply_stake(late.address)
    assert world.court.weight_of(late.address)[0] == world.params.min_stake


def test_a_seated_juror_cannot_unstake_until_the_case_is_settled(world):
    world.add_jurors(3)
    _, case_id = world.contested_case()
    panel = world.draw_all(case_id)
    juror = world.client(world.by_address(panel[0]))
    with reverts("CourtJurorSeated"):
        juror.set_stake(0)


def test_leaving_credits_the_whole_stake(world):
    juror = world.add_jurors(1)[0]
    client = world.client(juror)
    client.set_stake(0)
    assert world.court.weight_of(juror.address)[0] == 0
    assert world.court.credit_of(ETH, juror.address) == world.params.min_stake
    client.withdraw(ETH)
    assert world.court.credit_of(ETH, juror.address) == 0


def test_an_erc20_court_takes_stakes_by_allowance(market):
    params = CourtParams(stake_token=market.token_address, min_stake=10**6, lock_per_seat=10**5,
                         stake_quantum=1)  # fmt: skip
    session = market.session.with_account(market.accounts["deployer"])
    rng = session.deploy("TestRandomness")
    court_address, _ = deploy_court(session, params, rng)
    token = session.contract("TestToken", market.token_address)
    juror = market.accounts["stranger"]
    session.send(token.functions.mint(juror.address, 10**7))
    court = CourtClient(session.with_account(juror), court_address)
    court.set_stake(10**6)
    assert court.weight_of(juror.address)[0] == 10**6
    assert token.functions.balanceOf(court_address).call() == 10**6
    with reverts("CourtWrongPayment"):
        court.session.send(court.f.setStake(2 * 10**6), 1)
