"""Whole cases at the court, opened by the real escrow's `contest` and executed on the real
order: unanimous, split, appealed, absent jurors, an empty pool, a late ruling the escrow
refuses. Deadlines move the chain's clock."""

from __future__ import annotations

from arbitration.court_client import Choice, Period
from fairkey.chain.types import ETH, OrderStatus
from tests.support.disputes import ARBITRATION_TIMEOUT, reverts

HOUR = 3600


def _to_commit(world, case_id):
    panel = world.draw_all(case_id)
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case_id)
    return panel


def _rule(world, case_id, choices):
    """Commit and reveal `choices`, ending both periods early (everyone acted)."""
    world.vote(case_id, choices)
    world.court.pass_period(case_id)  # everyone committed: the commit period ends early
    assert world.court.case(case_id).period == Period.REVEAL
    world.reveal(case_id, choices)
    world.court.pass_period(case_id)  # everyone revealed


def test_a_unanimous_panel_refunds_the_buyer_and_shares_the_fee(world):
    world.add_jurors(5)
    deal, case_id = world.contested_case()
    panel = _to_commit(world, case_id)
    assert len(panel) == 3 and len(set(panel)) == 3
    assert not {deal.market.address("buyer"), deal.market.address("merchant")} & set(panel)

    _rule(world, case_id, {j: Choice.REFUND_BUYER for j in panel})
    case = world.court.case(case_id)
    assert case.period == Period.APPEAL and case.ruling == Choice.REFUND_BUYER
    world.market.clock.advance(world.params.appeal_period + 1)
    result = world.court.pass_period(case_id)
    assert result.event("CaseExecuted").args["accepted"] is True
    assert deal.order().status == OrderStatus.REFUNDED

    world.court.settle(case_id, 0)
    fee = 3 * world.params.fee_per_juror
    for juror in panel:
        assert world.court.credit_of(ETH, juror) == fee // 3
        assert world.court.stake_of(juror) == {
            "staked": world.params.min_stake,
            "locked": 0,
            "open_seats": 0,
        }


def test_a_split_vote_moves_the_minority_lock_to_the_majority(world):
    world.add_jurors(5)
    deal, case_id = world.contested_case()
    panel = _to_commit(world, case_id)
    choices = {
        panel[0]: Choice.PAY_MERCHANT,
        panel[1]: Choice.PAY_MERCHANT,
        panel[2]: Choice.REFUND_BUYER,
    }
    _rule(world, case_id, choices)
    world.market.clock.advance(world.params.appeal_period + 1)
    world.court.pass_period(case_id)
    assert deal.order().status == OrderStatus.COMPLETED
    world.court.settle(case_id, 0)
    lock, fee = world.params.lock_per_seat, 3 * world.params.fee_per_juror
    for juror in panel[:2]:
        assert world.court.credit_of(ETH, juror) == fee // 2 + lock // 2
    loser = world.court.stake_of(panel[2])
    assert loser["staked"] == world.params.min_stake - lock and loser["locked"] == 0
    assert world.court.credit_of(ETH, panel[2]) == 0


def test_an_appeal_opens_a_round_of_seven_and_the_final_loser_pays(world):
    world.add_jurors(12)
    deal, case_id = world.contested_case()
    panel = _to_commit(world, case_id)
    _rule(world, case_id, {j: Choice.PAY_MERCHANT for j in panel})
    buyer = world.client(world.market.accounts["buyer"])
    merchant = world.client(world.market.accounts["merchant"])
    with reverts("CourtNotLoser"):
        merchant.appeal(case_id)
    buyer.appeal(case_id)
    merchant.appeal(case_id)  # the winner defends
    world.market.clock.advance(world.params.appeal_period + 1)
    world.court.pass_period(case_id)
    case = world.court.case(case_id)
    assert case.round == 1 and case.period == Period.EVIDENCE
    second = _to_commit(world, case_id)
    assert len(second) == 7 and not set(second) & set(panel)
    _rule(world, case_id, {j: Choice.REFUND_BUYER for j in second})
    world.market.clock.advance(world.params.appeal_period + 1)
    world.court.pass_period(case_id)
    assert deal.order().status == OrderStatus.REFUNDED

    world.court.settle(case_id, 0)
    world.court.settle(case_id, 1)
    cost = 7 * world.params.fee_per_juror
    first_fee, forfeited = 3 * world.params.fee_per_juror, 3 * world.params.lock_per_seat
    # The buyer appealed and won: its deposit is refunded; the merchant's defence paid round 1.
    # Round 0's panel all voted against the final ruling: nobody there was coherent, so its fee
    # goes back to the merchant who advanced it and its forfeited locks to the two parties.
    assert world.court.credit_of(ETH, world.market.address("buyer")) == cost + forfeited // 2
    assert (
        world.court.credit_of(ETH, world.market.address("merchant")) == first_fee + forfeited // 2
    )
    for juror in second:
        assert world.court.credit_of(ETH, juror) == cost // 7
    assert (
        world.court.stake_of(panel[0])["staked"]
        == world.params.min_stake - world.params.lock_per_seat
    )


def test_absent_jurors_lose_their_lock_and_leave_the_pool(world):
    world.add_jurors(5)
    deal, case_id = world.contested_case()
    panel = _to_commit(world, case_id)
    voters = {panel[0]: Choice.REFUND_BUYER, panel[1]: Choice.REFUND_BUYER}
    world.vote(case_id, voters)
    world.market.clock.advance(world.params.commit_period + 1)
    world.court.pass_period(case_id)
    world.reveal(case_id, voters)
    world.court.pass_period(case_id)  # every committed juror revealed: ends early
    world.market.clock.advance(world.params.appeal_period + 1)
    world.court.pass_period(case_id)
    world.court.settle(case_id, 0)
    absent = panel[2]
    assert world.court.weight_of(absent)[0] == 0
    assert (
        world.court.stake_of(absent)["staked"]
        == world.params.min_stake - world.params.lock_per_seat
    )
    lock, fee = world.params.lock_per_seat, 3 * world.params.fee_per_juror
    assert world.court.credit_of(ETH, panel[0]) == fee // 2 + lock // 2


def test_an_empty_pool_refuses_to_rule_and_refunds_the_fee(world):
    deal, case_id = world.contested_case()
    world.court.draw(case_id, 10)
    case = world.court.case(case_id)
    assert case.period == Period.EXECUTED and case.ruling == Choice.REFUSE
    assert deal.order().status == OrderStatus.SPLIT
    assert (
        world.court.credit_of(ETH, world.market.address("merchant"))
        == 3 * world.params.fee_per_juror
    )


def test_a_pool_too_small_for_the_panel_is_a_defined_outcome(world):
    world.add_jurors(2)
    deal, case_id = world.contested_case()
    world.court.draw(case_id, 500)
    assert world.court.case(case_id).period == Period.EXECUTED
    for juror in world.jurors:
        assert world.court.stake_of(juror.address)["open_seats"] == 0


def test_a_ruling_the_escrow_refuses_still_closes_the_case(world):
    world.add_jurors(5)
    deal, case_id = world.contested_case()
    panel = _to_commit(world, case_id)
    _rule(world, case_id, {j: Choice.PAY_MERCHANT for j in panel})
    world.market.clock.advance(ARBITRATION_TIMEOUT + 1)
    deal.client("stranger").resolve_stalled_arbitration(deal.order_id)
    result = world.court.pass_period(case_id)
    assert result.event("CaseExecuted").args["accepted"] is False
    assert world.court.case(case_id).period == Period.EXECUTED
    world.court.settle(case_id, 0)  # the jurors are paid for their work all the same
    assert world.court.credit_of(ETH, panel[0]) > 0
