"""The court's tables from the real court's logs (Court.sol via CourtWorld, deciding real escrow
orders on Anvil): a unanimous case, a split vote, an appeal to a round of seven, an absent juror,
an empty pool; no choice before its reveal; live tables equal a rebuild block by block and after
removing the last blocks as a reorg does. Each scenario runs once; the tests run on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from arbitration.court_client import Choice
from indexer import queries
from tests.indexer.court_support import (
    EVIDENCE_HASH,
    EVIDENCE_URI,
    CourtStory,
    absent_juror,
    appealed,
    court_story_on,
    empty_pool,
    split,
    unanimous,
)
from tests.indexer.projection_support import ProjectionDb, head_of_rows

REFUND, PAY = int(Choice.REFUND_BUYER), int(Choice.PAY_MERCHANT)


def _story(request, scenario) -> CourtStory:
    w3, accounts, deployed = (request.getfixturevalue(n) for n in ("w3", "accounts", "deployed"))
    with court_story_on(w3, accounts, deployed, scenario) as story:
        return story


@pytest.fixture(scope="module")
def unanimous_story(request) -> CourtStory:
    return _story(request, unanimous)


@pytest.fixture(scope="module")
def split_story(request) -> CourtStory:
    return _story(request, split)


@pytest.fixture(scope="module")
def appealed_story(request) -> CourtStory:
    return _story(request, appealed)


@pytest.fixture(scope="module")
def absent_story(request) -> CourtStory:
    return _story(request, absent_juror)


@pytest.fixture(scope="module")
def empty_pool_story(request) -> CourtStory:
    return _story(request, empty_pool)


@pytest.fixture
def db(db_url):
    database = ProjectionDb.open(db_url)
    yield database
    database.close()


def _indexed(db: ProjectionDb, story: CourtStory) -> ProjectionDb:
    db.ingest(story.rows, story.head)
    db.assert_equals_rebuild(story.head)
    return db


def _case(db: ProjectionDb, story: CourtStory) -> queries.CourtCase:
    with db.engine.connect() as conn:
        found = queries.court_case(conn, story.court, story.case_id)
    assert found is not None
    return found


def _juror(db: ProjectionDb, story: CourtStory, juror: str) -> dict:
    return db.one("jurors", court=story.court, juror=juror)


def _arbitrator(db: ProjectionDb, story: CourtStory) -> dict:
    return db.one("arbitrators", arbitrator=story.court)


def test_a_unanimous_case_has_its_order_round_votes_evidence_and_time_to_ruling(
    db, unanimous_story
):
    story = unanimous_story
    params = story.world.params
    fee = 3 * params.fee_per_juror
    case = _case(_indexed(db, story), story)
    c = case.case
    assert (c.arbitrable, c.order_id) == (story.market.escrow_address.lower(), story.order_id)
    assert (c.buyer, c.merchant, c.fee_payer) == (
        story.party("buyer"),
        story.party("merchant"),
        story.party("merchant"),  # the escalating party advances the fee
    )
    assert (c.fee, c.rounds, c.round, c.period) == (fee, 1, 0, "Executed")
    assert (c.ruling, c.final_ruling, c.accepted, c.evidence) == (REFUND, REFUND, True, 1)
    assert c.time_to_ruling_s == c.executed_time - c.opened_time > 0
    escrow_side = db.one("arbitration_cases", arbitrator=story.court, dispute_id=story.case_id)
    assert escrow_side["time_to_ruling_s"] == c.time_to_ruling_s  # the same two transactions

    (r,) = case.rounds
    assert (r.first_seat, r.seats, r.drawn, r.committed, r.revealed) == (0, 3, 3, 3, 3)
    assert (r.votes_refuse, r.votes_first, r.votes_second, r.ruling) == (0, 3, 0, REFUND)
    assert (r.aborted, r.fee_payer, r.fee, r.settled, r.no_coherent) == (
        False,
        story.party("merchant"),
        fee,
        3,
        False,
    )
    assert [v.juror for v in case.votes] == story.panels[0]
    assert [v.seat for v in case.votes] == [0, 1, 2]
    for v in case.votes:
        assert (v.choice, v.coherent, v.absent, v.settled, v.left_pool) == (
            REFUND,
            True,
            False,
            True,
            False,
        )
        assert (v.reward_fee, v.reward_stake) == (fee // 3, 0)
        assert v.drawn_time <= v.committed_time <= v.revealed_time

    (e,) = case.evidence
    assert (e.party, e.uri, e.content_hash) == (
        story.party("buyer"),
        EVIDENCE_URI,
        "0x" + EVIDENCE_HASH.hex(),
    )
    events = [t.event for t in case.timeline]
    assert events[:3] == ["CaseOpened", "RoundOpened", "PeriodChanged"]
    assert events.count("JurorDrawn") == 3 and events.count("SeatSettled") == 3
    assert "CaseExecuted" in events and "DisputeCreation" not in events
    ruled = next(t for t in case.timeline if t.event == "RoundRuled")
    assert (ruled.round, ruled.detail) == (0, "RefundBuyer")

    with db.engine.connect() as conn:
        assert queries.court_case_of_order(conn, int(story.order_id, 16)) == case
        (seat,) = queries.juror_cases(conn, story.panels[0][0], story.court)
        assert (seat.order_id, seat.final_ruling, seat.case_period) == (
            story.order_id,
            REFUND,
            "Executed",
        )
    for juror in story.jurors:
        row = _juror(db, story, juror)
        assert (row["stake"], row["in_pool"], row["stake_queued"]) == (
            params.min_stake,
            True,
            False,
        )
        sat = juror in story.panels[0]
        assert (row["cases"], row["judged"], row["coherent"]) == ((1, 1, 1) if sat else (0, 0, 0))
        assert row["coherence_bps"] == (10_000 if sat else None)
        assert row["fees_earned"] == (fee // 3 if sat else 0)
    a = _arbitrator(db, story)
    assert (a["cases"], a["open"], a["ruled"], a["refund_rulings"]) == (1, 0, 1, 1)
    assert a["ruling_median_s"] == a["ruling_avg_s"] == c.time_to_ruling_s
    assert (a["court_cases"], a["jurors"], a["jurors_seated"]) == (1, 5, 3)
    assert (a["seats_judged"], a["seats_coherent"], a["coherence_bps"]) == (3, 3, 10_000)
    assert (a["appeals"], a["aborted_rounds"], a["executions_refused"]) == (0, 0, 0)


def test_a_split_vote_judges_the_minority_incoherent_and_moves_its_lock(db, split_story):
    story = split_story
    params = story.world.params
    case = _case(_indexed(db, story), story)
    (r,) = case.rounds
    assert (r.votes_refuse, r.votes_first, r.votes_second, r.ruling) == (0, 1, 2, PAY)
    assert case.case.final_ruling == PAY
    majority, minority = story.panels[0][:2], story.panels[0][2]
    for v in case.votes:
        expected = (True, params.lock_per_seat // 2) if v.juror in majority else (False, 0)
        assert (v.coherent, v.reward_stake) == expected
    loser = _juror(db, story, minority)
    assert (loser["judged"], loser["coherent"], loser["coherence_bps"]) == (1, 0, 0)
    assert (loser["forfeited"], loser["forfeits_since_stake"], loser["in_pool"]) == (1, 1, True)
    assert loser["stake"] == params.min_stake  # the last StakeSet; the court now holds less
    with db.engine.connect() as conn:
        board = [row.juror for row in queries.jurors(conn, story.court)]
        assert set(board[:2]) == set(majority) and board[2] == minority  # unjudged jurors last
        assert [row.juror for row in queries.jurors(conn, story.court, min_judged=1)] == board[:3]
    a = _arbitrator(db, story)
    assert (a["pay_rulings"], a["seats_judged"], a["seats_coherent"]) == (1, 3, 2)
    assert a["coherence_bps"] == 6_666


def test_an_appeal_opens_a_round_of_seven_funded_by_the_appellant_and_defended(db, appealed_story):
    story = appealed_story
    fee = story.world.params.fee_per_juror
    case = _case(_indexed(db, story), story)
    assert (case.case.rounds, case.case.round, case.case.final_ruling) == (2, 1, REFUND)
    first, second = case.rounds
    assert (first.ruling, first.no_coherent, first.fee_payer) == (
        PAY,
        True,
        story.party("merchant"),
    )
    assert (second.first_seat, second.seats, second.drawn, second.votes_first) == (3, 7, 7, 7)
    assert (second.fee_payer, second.fee, second.defender, second.defence) == (
        story.party("buyer"),
        7 * fee,
        story.party("merchant"),
        7 * fee,
    )
    assert second.funded_time <= second.defended_time <= second.opened_time
    assert [v.seat for v in case.votes] == list(range(10))
    assert [v.juror for v in case.votes] == story.panels[0] + story.panels[1]
    assert [v.coherent for v in case.votes] == [False] * 3 + [True] * 7
    funded = [(t.detail, t.account) for t in case.timeline if t.event == "AppealFunded"]
    assert funded == [("appeal", story.party("buyer")), ("defence", story.party("merchant"))]
    a = _arbitrator(db, story)
    assert (a["appeals"], a["seats_judged"], a["seats_coherent"], a["coherence_bps"]) == (
        1,
        10,
        7,
        7_000,
    )
    for juror in story.panels[0]:
        assert _juror(db, story, juror)["coherence_bps"] == 0


def test_an_appeal_funded_but_not_yet_opened_is_a_round_without_a_panel(db, appealed_story):
    story = appealed_story
    db.ingest(story.rows_through("appeal_funded"), story.head_at("appeal_funded"))
    case = _case(db, story)
    assert case.case.rounds == 1 and case.case.period == "Appeal"
    funded = case.rounds[1]
    assert (funded.opened_time, funded.drawn, funded.seats, funded.fee_payer) == (
        None,
        0,
        7,
        story.party("buyer"),
    )


def test_an_absent_juror_is_incoherent_loses_its_lock_and_leaves_the_pool(db, absent_story):
    story = absent_story
    case = _case(_indexed(db, story), story)
    (r,) = case.rounds
    assert (r.committed, r.revealed, r.votes_first, r.ruling) == (2, 2, 2, REFUND)
    absent = story.panels[0][2]
    seat = next(v for v in case.votes if v.juror == absent)
    assert (seat.committed_time, seat.revealed_time, seat.choice) == (None, None, None)
    assert (seat.absent, seat.coherent, seat.left_pool) == (True, False, True)
    row = _juror(db, story, absent)
    assert (row["absent"], row["forfeited"], row["in_pool"], row["revealed"]) == (1, 1, False, 0)
    assert _arbitrator(db, story)["jurors"] == 4  # the absent juror left the pool


def test_an_empty_pool_aborts_the_round_and_the_court_refuses_to_rule(db, empty_pool_story):
    story = empty_pool_story
    case = _case(_indexed(db, story), story)
    (r,) = case.rounds
    assert (r.aborted, r.drawn, r.seats, r.ruling) == (True, 0, 3, None)
    assert case.votes == []
    assert (case.case.final_ruling, case.case.accepted, case.case.period) == (0, True, "Executed")
    aborted = next(t for t in case.timeline if t.event == "RoundAborted")
    assert aborted.detail == "0 of 3 seats drawn"
    a = _arbitrator(db, story)
    assert (a["aborted_rounds"], a["split_rulings"], a["jurors"]) == (1, 1, 0)
    assert (a["seats_judged"], a["coherence_bps"]) == (0, None)
    assert db.one("orders", order_id=story.order_id)["status"] == "Split"


def test_no_choice_is_in_the_index_before_its_reveal(db, unanimous_story):
    story = unanimous_story
    indexed = -1
    for moment in ("committed", "before_reveal"):  # every juror committed; then Reveal began
        last = story.marks[moment]
        db.ingest(
            [r for r in story.rows if indexed < r["block_number"] <= last], story.head_at(moment)
        )
        indexed = last
        case = _case(db, story)
        assert all(v.committed_time is not None for v in case.votes)
        assert [v.choice for v in case.votes] == [None] * 3
        (r,) = case.rounds
        assert (r.revealed, r.votes_refuse, r.votes_first, r.votes_second) == (0, 0, 0, 0)
        assert {t.detail for t in case.timeline if t.event == "VoteCommitted"} == {None}
        with db.engine.connect() as conn:
            assert queries.juror_cases(conn, story.panels[0][0])[0].choice is None
    db.ingest([r for r in story.rows if r["block_number"] > indexed], story.head)
    assert [v.choice for v in _case(db, story).votes] == [REFUND] * 3
    db.assert_equals_rebuild(story.head)


def test_live_tables_equal_a_rebuild_after_every_block(db, appealed_story):
    story = appealed_story
    blocks = sorted({r["block_number"] for r in story.rows})
    for number in blocks:
        chunk = [r for r in story.rows if r["block_number"] == number]
        head = head_of_rows(chunk)
        db.ingest(chunk, head)
        db.assert_equals_rebuild(head)


def test_removing_the_last_blocks_undoes_the_court_rows_as_a_rebuild_without_them(
    db, appealed_story
):
    story = appealed_story
    db.ingest(story.rows, story.head)
    full = db.snapshot()
    court_blocks = sorted({r["block_number"] for r in story.rows if r["address"] == story.court})
    # Cut inside the execution, inside the second round, at the reveal, at the court's first log.
    cuts = [court_blocks[-2], story.marks["appeal_funded"] + 1, story.marks["committed"] + 1]
    for cut in [*cuts, court_blocks[0]]:
        kept = [r for r in story.rows if r["block_number"] < cut]
        ancestor = head_of_rows(kept)
        removed = db.remove_from(cut, ancestor)
        assert removed
        db.assert_equals_rebuild(ancestor)
        if cut == court_blocks[0]:
            assert db.rows("court_cases") == db.rows("jurors") == []
        db.ingest(sorted(removed, key=lambda r: (r["block_number"], r["log_index"])), story.head)
        db.assert_equals_rebuild(story.head)
        assert db.snapshot() == full
