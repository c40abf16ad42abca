"""The court keeper moves cases forward with nothing but permissionless calls the court accepts
now: it draws, passes each period when its deadline passed (or everyone acted), executes,
settles, and applies stake changes that were queued while a panel waited."""

from __future__ import annotations

from arbitration.court_client import Choice, Period
from arbitration.court_keeper import CourtKeeper
from fairkey.chain.types import ETH, OrderStatus


def test_the_keeper_takes_a_case_from_opening_to_payout(world):
    world.add_jurors(4)
    deal, case_id = world.contested_case()
    late = world.add_jurors(1)[0]  # staked while the panel waits: queued
    keeper = CourtKeeper(world.court, 0)

    assert "draw case 1" in keeper.step().sent
    panel = world.court.panel(case_id, 0)
    assert len(panel) == 3
    keeper.step()  # the queued stake applies once no panel waits
    assert world.court.weight_of(late.address)[0] == world.params.min_stake

    assert not keeper.step().worked  # the evidence period runs its full time
    world.market.clock.advance(world.params.evidence_period + 1)
    keeper.step()
    assert world.court.case(case_id).period == Period.COMMIT

    choices = {j: Choice.REFUND_BUYER for j in panel}
    world.vote(case_id, choices)
    keeper.step()  # everyone committed: no need to wait for the deadline
    assert world.court.case(case_id).period == Period.REVEAL
    world.reveal(case_id, choices)
    keeper.step()
    assert world.court.case(case_id).period == Period.APPEAL
    world.market.clock.advance(world.params.appeal_period + 1)
    keeper.step()  # executes: the escrow refunds the buyer
    assert deal.order().status == OrderStatus.REFUNDED
    keeper.step()  # pays the round out
    assert all(world.court.credit_of(ETH, j) > 0 for j in panel)
    assert case_id not in keeper.open_cases
    assert not keeper.step().worked


def test_a_restarted_keeper_finds_the_open_cases_again(world):
    world.add_jurors(3)
    _, case_id = world.contested_case()
    start = 0
    CourtKeeper(world.court, start).step()
    again = CourtKeeper(world.court, start)
    again.step()
    assert case_id in again.open_cases
