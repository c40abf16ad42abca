"""The indexer reads the escrow's courts: a court the escrow names (ArbitratorChanged) is read from
the index's first block, stakes made before the naming included; a reorg undoes court rows like
every other row (also random reorgs while cases move on), and a reorg that orphans the naming
removes the court's logs altogether. Real Indexer, a private Anvil, the real court (CourtWorld),
SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import random

from eth_utils import keccak
from sqlalchemy import select

from arbitration.court_client import Choice, CourtClient, Period
from arbitration.deploy import CourtParams, deploy_court
from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import OrderStatus
from indexer import queries
from indexer.ingest import Indexer
from indexer.models import RawLog
from tests.indexer.support_chain import Chain, derived_rows, log_keys, private_chain, stored_keys
from tests.support.court import CourtWorld

RAW = RawLog.__table__


def _unnamed_court(chain: Chain) -> CourtWorld:
    """A court with deterministic randomness the escrow does not use yet."""
    market = chain.market
    session = market.session.with_account(market.accounts["deployer"])
    randomness = session.deploy("TestRandomness")
    params = CourtParams()
    address, _ = deploy_court(session, params, randomness)
    return CourtWorld(market, CourtClient(session, address), randomness, params)


def _name(world: CourtWorld) -> int:
    """The escrow's owner makes the court its arbitrator; the block that named it."""
    owner = world.market.client("deployer")
    owner.session.send(owner.f.setArbitrator(world.court.address))
    return world.market.w3.eth.block_number


def _catch_up(indexer: Indexer, chain: Chain) -> None:
    for _ in range(20):
        indexer.step()
        head = chain.head()
        node_hash = chain.rpc("eth_getBlockByNumber", hex(head), False)["hash"]
        if indexer.cursor.number == head and indexer.cursor.hash == node_hash:
            return
    raise AssertionError("the indexer did not converge on the node's head")


def _assert_exact(indexer: Indexer, chain: Chain) -> None:
    """The index holds the node's logs of the escrow and its courts; live tables == a rebuild."""
    assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())
    live = derived_rows(indexer.engine)
    indexer.reindex()
    assert derived_rows(indexer.engine) == live


def _to_commit(world: CourtWorld, case_id: int) -> list[str]:
    panel = world.draw_all(case_id)
    world.market.clock.advance(world.params.evidence_period + 1)
    world.court.pass_period(case_id)
    return panel


def test_a_named_court_is_read_from_the_first_block_stakes_before_the_naming_included(db_url):
    with private_chain() as chain:
        world = _unnamed_court(chain)
        world.add_jurors(4)  # they stake before the escrow uses the court
        with Indexer(chain.config(db_url, max_range=3)) as indexer:
            indexer.backfill()
            assert indexer.status()["courts"] == [chain.deployment.arbitrator.lower()]
            named_at = _name(world)
            world.add_jurors(1)
            deal, case_id = world.contested_case()
            panel = _to_commit(world, case_id)
            choices = dict.fromkeys(panel, Choice.PAY_MERCHANT)
            world.vote(case_id, choices)
            world.court.pass_period(case_id)
            world.reveal(case_id, choices)
            world.court.pass_period(case_id)
            world.market.clock.advance(world.params.appeal_period + 1)
            world.court.pass_period(case_id)
            _catch_up(indexer, chain)

            court = world.court.address.lower()
            assert court in indexer.status()["courts"]
            _assert_exact(indexer, chain)
            with indexer.engine.connect() as conn:
                board = queries.jurors(conn, court)
                case = queries.court_case(conn, court, case_id)
                order = queries.order(conn, deal.order_id)
                stakes = conn.execute(
                    select(RAW.c.block_number).where(
                        RAW.c.address == court, RAW.c.name == "StakeSet"
                    )
                ).scalars()
                assert sorted(n < named_at for n in stakes) == [False] + [True] * 4
            assert len(board) == 5 and all(j.stake == world.params.min_stake for j in board)
            assert case is not None and case.case.final_ruling == Choice.PAY_MERCHANT
            assert [v.choice for v in case.votes] == [Choice.PAY_MERCHANT] * 3
            assert order.status == "Completed" and order.arbitrator == court


def test_a_reorg_undoes_reveals_and_the_execution(db_url):
    with private_chain() as chain:
        world = CourtWorld.deploy(chain.market)
        world.add_jurors(5)
        deal, case_id = world.contested_case()
        panel = _to_commit(world, case_id)
        choices = dict.fromkeys(panel, Choice.REFUND_BUYER)
        world.vote(case_id, choices)
        committed = chain.head()
        with Indexer(chain.config(db_url)) as indexer:
            indexer.backfill()
            world.court.pass_period(case_id)
            world.reveal(case_id, choices)
            world.court.pass_period(case_id)
            world.market.clock.advance(world.params.appeal_period + 1)
            world.court.pass_period(case_id)
            assert deal.order().status == OrderStatus.REFUNDED
            _catch_up(indexer, chain)
            court = world.court.address.lower()
            with indexer.engine.connect() as conn:
                assert queries.court_case(conn, court, case_id).case.period == "Executed"

            chain.reorg(chain.head() - committed, [(chain.set_price_tx(1, 10**16), 0)])
            assert world.court.case(case_id).period == Period.COMMIT
            _catch_up(indexer, chain)
            _assert_exact(indexer, chain)
            with indexer.engine.connect() as conn:
                case = queries.court_case(conn, court, case_id)
                order = queries.order(conn, deal.order_id)
                arbitrator = queries.arbitrator(conn, court)
            assert (case.case.period, case.case.final_ruling, case.case.ruling) == (
                "Commit",
                None,
                None,
            )
            assert [v.choice for v in case.votes] == [None] * 3
            assert all(v.committed_time is not None and v.coherent is None for v in case.votes)
            assert (case.rounds[0].revealed, case.rounds[0].votes_first) == (0, 0)
            assert not any(t.event in ("VoteRevealed", "CaseExecuted") for t in case.timeline)
            assert order.status == "Arbitrating"
            assert (arbitrator.ruled, arbitrator.seats_judged, arbitrator.coherence_bps) == (
                0,
                0,
                None,
            )


def test_a_reorg_that_orphans_the_naming_of_a_court_removes_its_logs(db_url):
    with private_chain() as chain:
        world = _unnamed_court(chain)
        world.add_jurors(3)
        before = chain.head()
        with Indexer(chain.config(db_url)) as indexer:
            indexer.backfill()
            _name(world)
            world.add_jurors(1)
            _catch_up(indexer, chain)
            court = world.court.address.lower()
            with indexer.engine.connect() as conn:
                assert len(queries.jurors(conn, court)) == 4

            chain.rollback(chain.head() - before)  # the naming and the last stake are gone
            chain.mine(3)
            _catch_up(indexer, chain)
            _assert_exact(indexer, chain)
            assert court not in indexer.status()["courts"]
            with indexer.engine.connect() as conn:
                assert queries.jurors(conn, court) == []
                assert queries.arbitrator(conn, court) is None

            _name(world)  # named again: its logs come back, from the first block
            _catch_up(indexer, chain)
            _assert_exact(indexer, chain)
            with indexer.engine.connect() as conn:
                assert len(queries.jurors(conn, court)) == 3


# ---------------------------------------------------------------------------- random reorgs


def _choice(juror: str, round_no: int) -> int:
    """A juror's vote in a round, the same after any reorg (2 of 3 jurors agree on average)."""
    return (1, 2, 2, 1, 0)[keccak(text=f"{juror.lower()}:{round_no}")[0] % 5]


def _pass(world: CourtWorld, case_id: int, wait: int) -> None:
    """Passes the period, after its deadline if it cannot end early."""
    try:
        world.court.pass_period(case_id)
    except ContractRevert:
        world.market.clock.advance(wait + 1)
        world.court.pass_period(case_id)


def _court_step(world: CourtWorld, case_id: int, rng: random.Random) -> str:
    """The case's natural next step, with a random share of the jurors taking part; what the
    chain now refuses (its state went back with a reorg) is skipped."""
    court, p = world.court, world.params
    try:
        c = court.case(case_id)
        if c.period == Period.EVIDENCE:
            if court.round(case_id, c.round).drawn < court.round(case_id, c.round).seats:
                court.draw(case_id, 500)
                return "draw"
            _pass(world, case_id, p.evidence_period)
        elif c.period == Period.COMMIT:
            for juror in rng.sample(court.panel(case_id, c.round), rng.randint(0, 3)):
                with contextlib.suppress(ContractRevert):  # committed already
                    world.vote(case_id, {juror: _choice(juror, c.round)})
            if rng.random() < 0.5:
                _pass(world, case_id, p.commit_period)
        elif c.period == Period.REVEAL:
            panel = court.panel(case_id, c.round)
            picked = rng.sample(panel, rng.randint(1, len(panel)))
            world.reveal(case_id, {juror: _choice(juror, c.round) for juror in picked})
            if rng.random() < 0.5:
                _pass(world, case_id, p.reveal_period)
        elif c.period == Period.APPEAL:
            if rng.random() < 0.4:
                loser = "merchant" if c.ruling == Choice.REFUND_BUYER else "buyer"
                world.client(world.market.accounts[loser]).appeal(case_id)
            _pass(world, case_id, p.appeal_period)
        else:
            court.settle(case_id, rng.randint(0, c.round))
        return f"{c.period.name.lower()}({case_id})"
    except ContractRevert as exc:
        return f"refused({case_id}: {exc.name})"


def _disturb(chain: Chain, rng: random.Random) -> str:
    depth = rng.randrange(1, 4)
    if rng.random() < 0.5:
        chain.reorg(depth)
        return f"reorg({depth})"
    chain.rollback(depth)
    chain.mine(rng.randrange(0, depth + 2))
    return f"rollback({depth})"


def test_random_reorgs_while_cases_move_on_leave_exactly_the_chains_rows(db_url):
    seed = int(os.environ.get("FAIRKEY_TEST_SEED", random.randrange(10**6)))
    print(f"court reorg test seed: {seed} (FAIRKEY_TEST_SEED={seed} replays it)")
    rng = random.Random(seed)
    with private_chain() as chain:
        world = CourtWorld.deploy(chain.market)
        world.add_jurors(12)
        cases = [world.contested_case()[1] for _ in range(2)]
        chain.mine(36)  # the disturbances below (at most 3 blocks each) never reach the setup
        with Indexer(chain.config(db_url, max_range=rng.choice([1, 4, 50]))) as indexer:
            indexer.backfill()
            history: list[str] = []
            for round_no in range(12):
                for _ in range(rng.randrange(1, 5)):
                    history.append(_court_step(world, rng.choice(cases), rng))
                if rng.random() < 0.7:  # usually the orphaned blocks were indexed first
                    indexer.step()
                history.append(_disturb(chain, rng))
                history.append(_court_step(world, rng.choice(cases), rng))
                _catch_up(indexer, chain)
                where = f"seed {seed}, round {round_no}: {history}"
                assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs()), where
                live = derived_rows(indexer.engine)
                indexer.reindex()
                assert derived_rows(indexer.engine) == live, where
            with indexer.engine.connect() as conn:
                seen = queries.court_cases(conn, world.court.address)
            assert len(seen) == 2 and indexer.cursor.reorgs >= 1, history
