"""The court side of the adversarial market (bench/market_sim/jurors.py, court_play.py): juror
policies, the parties' appeal policy, and each population's earnings on cases whose every figure
is known by hand (default CourtParams: 0.001 ETH per seat, 0.02 ETH lock per seat)."""

from __future__ import annotations

import random

import pytest
from eth_account import Account

from arbitration.court_client import Choice
from arbitration.court_keeper import CourtKeeper
from arbitration.deploy import HOUR
from arbitration.relay_queue import StoreQueue
from arbitration.relayer import Relayer
from bench.market_sim.court_play import CliquePartyPolicy, CourtPlay, appeal_move
from bench.market_sim.jurors import (
    JurorAgent,
    UnknownPopulation,
    seat_counts,
    signing_as,
    stake_jurors,
)
from tests.arbitration import conftest as court_fixtures
from tests.support.court import FUND, CourtWorld

api = court_fixtures.api  # the appeal API on a real port (over this module's `world`)

FEE = 10**15
LOCK = 2 * 10**16
REFUND, PAY, REFUSE = Choice.REFUND_BUYER, Choice.PAY_MERCHANT, Choice.REFUSE


@pytest.fixture
def world(market) -> CourtWorld:
    world = CourtWorld.deploy(market)
    world.rng_seed(13)
    return world


def agents(world: CourtWorld, *populations: str) -> list[JurorAgent]:
    """One staked juror (the minimum stake) per population named, in that order."""
    made = []
    for population in populations:
        account = Account.create()
        world.market.w3.provider.make_request("anvil_setBalance", [account.address, hex(FUND)])
        world.client(account).set_stake(world.params.min_stake)
        made.append(JurorAgent(account, population, world.params.min_stake))
    return made


def play_of(world: CourtWorld, jurors, truth: Choice, from_block: int, **kw) -> CourtPlay:
    market = world.market
    parties = {market.address(r): market.accounts[r] for r in ("buyer", "merchant")}
    return CourtPlay(market.session, world.court, jurors, lambda case_id: truth,
                     random.Random(1), parties=parties, from_block=from_block, **kw)  # fmt: skip


def run_until_paid(world: CourtWorld, keeper: CourtKeeper, play: CourtPlay, case_id: int) -> None:
    """The market's tick loop in small: keeper and play until idle, then 6 hours on."""
    for _ in range(40):
        while keeper.step().worked | play.step():
            pass
        if case_id in play.final_rulings() and not keeper.open_cases:
            return
        world.market.clock.advance(6 * HOUR)
    raise AssertionError(f"case {case_id} not executed and paid")


def settled_net(world: CourtWorld, from_block: int) -> dict[str, int]:
    """Net per juror from the court's SeatSettled logs: shares paid minus a lost lock."""
    net: dict[str, int] = {}
    logs = world.court.contract.events.SeatSettled.get_logs(from_block=from_block)
    for e in logs:
        a = e["args"]
        paid = a["fee"] + a["stake"] if a["coherent"] else -LOCK
        net[a["juror"].lower()] = net.get(a["juror"].lower(), 0) + paid
    return net


# ---------------------------------------------------------------------------- policies


def test_each_population_votes_by_its_policy():
    rng = random.Random(5)
    account = Account.create()

    def vote(population: str, truth: Choice):
        return JurorAgent(account, population, 0).vote(truth, rng)

    assert vote("honest", REFUND) == REFUND and vote("honest", PAY) == PAY
    assert vote("clique", REFUND) == PAY and vote("clique", PAY) == REFUND
    assert vote("absent", REFUND) is None
    lazy = {vote("lazy_random", REFUND) for _ in range(50)}
    assert lazy == {REFUND, PAY}  # a coin, whatever the truth


def test_the_honest_party_appeals_wrong_rulings_and_the_cliques_party_defends_its_wins():
    kw = dict(funded=False, defended=False, clique_won_before=False)
    policy = CliquePartyPolicy.AFTER_WIN
    assert appeal_move(PAY, REFUND, policy=policy, **kw).party == "honest"
    assert appeal_move(REFUSE, REFUND, policy=policy, **kw).party == "honest"  # a tie loses too
    assert appeal_move(REFUND, REFUND, policy=policy, **kw) is None  # clique never won: no appeal
    funded = dict(kw, funded=True)
    assert appeal_move(PAY, REFUND, policy=policy, **funded).defend  # defends the clique's win
    assert appeal_move(PAY, REFUND, policy=policy, **dict(funded, defended=True)) is None
    after_win = dict(kw, clique_won_before=True)
    assert appeal_move(REFUND, REFUND, policy=policy, **after_win).party == "clique"
    assert appeal_move(REFUND, REFUND, policy=CliquePartyPolicy.DEFEND, **after_win) is None


def test_populations_hold_their_share_of_the_stake(world):
    counts = seat_counts({"honest": 0.7, "lazy_random": 0.05, "absent": 0.05, "clique": 0.2}, 20)
    assert counts == {"honest": 14, "lazy_random": 1, "absent": 1, "clique": 4}
    with pytest.raises(UnknownPopulation):
        seat_counts({"bribed": 1.0}, 10)
    stake = world.params.min_stake
    pool = stake_jurors(world.market.session, world.court, {"honest": 0.8, "clique": 0.2},
                        10 * stake, random.Random(3), per_juror=stake)  # fmt: skip
    clique = [a for a in pool if a.population == "clique"]
    assert len(pool) == 10 and len(clique) == 2
    weights = [world.court.weight_of(a.address) for a in clique]
    assert sum(w for w, _ in weights) * 5 == weights[0][1]  # a fifth of the tree's weight
    again = stake_jurors(world.market.session, world.court, {"honest": 1.0}, stake,
                         random.Random(3), per_juror=stake)  # fmt: skip
    assert again[0].address == pool[0].address  # same seed, same keys (already staked: no-op)


# ---------------------------------------------------------------------------- on the court


def test_a_clique_win_in_the_first_round_is_undone_by_the_seven_juror_appeal(world):
    """Round 0 seats 2 clique + 1 honest (the whole pool then): the clique rules for the merchant,
    the buyer (right) appeals, the merchant defends, seven new honest jurors rule for the buyer.
    Round 0: the honest juror takes the fee (0.003) and both clique locks (0.04); round 1: each
    of the seven takes 0.001 of the defender's deposit (the final loser pays)."""
    clique = agents(world, "clique", "clique")
    honest = agents(world, "honest")
    from_block = world.market.w3.eth.block_number
    _, case_id = world.contested_case()
    keeper = CourtKeeper(world.court, from_block)
    keeper.step()  # draws round 0: the three of them
    assert len(world.court.panel(case_id, 0)) == 3
    honest += agents(world, *["honest"] * 7)  # round 1 can only seat these seven
    play = play_of(world, clique + honest, REFUND, from_block,
                   clique_party=CliquePartyPolicy.DEFEND, batched=True)  # fmt: skip
    buyer_credit = world.court.credit_of("0x" + "00" * 20, world.market.address("buyer"))

    run_until_paid(world, keeper, play, case_id)

    assert play.first_rulings[case_id] == PAY  # the clique's 2 of 3
    assert play.final_rulings() == {case_id: REFUND}
    assert play.rounds[case_id] == 2
    assert {a.address for a in honest[1:]} == set(world.court.panel(case_id, 1))
    funded = world.court.contract.events.AppealFunded.get_logs(from_block=from_block)
    assert [(e["args"]["party"], e["args"]["defence"]) for e in funded] == [
        (world.market.address("buyer"), False),
        (world.market.address("merchant"), True),
    ]
    # the buyer's appeal deposit comes back (it won); the merchant's paid round 1
    assert world.court.credit_of("0x" + "00" * 20, world.market.address("buyer")) == (
        buyer_credit + 7 * FEE
    )
    assert play.earnings() == {"clique": -2 * LOCK, "honest": 3 * FEE + 2 * LOCK + 7 * FEE}
    by_juror = settled_net(world, from_block)
    assert sum(by_juror[a.address.lower()] for a in clique) == -2 * LOCK
    assert sum(by_juror[a.address.lower()] for a in honest) == 10 * FEE + 2 * LOCK


def test_an_absent_juror_loses_its_lock_to_the_two_who_voted(world):
    """Honest, honest, absent on a case the merchant is right in: the commit period runs to its
    deadline, the honest two split the fee (0.0015 each) and the absent lock (0.01 each); the
    absent juror leaves the pool."""
    jurors = agents(world, "honest", "absent", "honest")
    from_block = world.market.w3.eth.block_number
    _, case_id = world.contested_case()
    keeper = CourtKeeper(world.court, from_block)
    play = play_of(world, jurors, PAY, from_block)  # through each juror's JurorService

    run_until_paid(world, keeper, play, case_id)

    assert play.final_rulings() == {case_id: PAY} and play.rounds[case_id] == 1
    assert play.earnings() == {"honest": 3 * FEE + LOCK, "absent": -LOCK}
    assert settled_net(world, from_block) == {
        jurors[0].address.lower(): (3 * FEE + LOCK) // 2,
        jurors[1].address.lower(): -LOCK,
        jurors[2].address.lower(): (3 * FEE + LOCK) // 2,
    }
    assert world.court.weight_of(jurors[1].address)[0] == 0  # out of the pool


def test_honest_jurors_vote_gasless_through_the_api_and_its_relayer(world, api):
    """With an API, honest jurors sign their commits and post their reveals; the relayer (which
    only pays gas) lands them in one batch per kind. The ruling and the pay are the same."""
    jurors = agents(world, "honest", "honest", "honest")
    from_block = world.market.w3.eth.block_number
    _, case_id = world.contested_case()
    keeper = CourtKeeper(world.court, from_block)
    relayer = Relayer(signing_as(world.court, world.market.accounts["stranger"]),
                      StoreQueue(api.state.votes), from_block=from_block)  # fmt: skip
    play = play_of(world, jurors, REFUND, from_block, api_url=api.url, relayer=relayer,
                   relay_share=1.0)  # fmt: skip

    run_until_paid(world, keeper, play, case_id)

    assert play.final_rulings() == {case_id: REFUND}
    assert play.earnings() == {"honest": 3 * FEE}
    votes = [v for j in jurors for kind in api.state.votes.votes_of(j.address) for v in kind]
    assert len(votes) == 6 and all(v.submitted_at is not None for v in votes)
    assert len({v.tx_hash for v in votes}) == 2  # one commitSigned, one reveal
