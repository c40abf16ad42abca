"""Live tables == a rebuild from raw_logs, row for row: after every chunk of an incremental index
(chunk boundaries drawn at random, seeded), and after removing the last blocks as a reorg does,
then putting them back. The story ends orders in every way and spans 31 days of chain time, so
chunks cross UTC days and court cases, replacements and settlements are split across chunks."""

from __future__ import annotations

import random

import pytest

from tests.indexer.projection_support import (
    ProjectionDb,
    Story,
    every_path_story,
    head_of_rows,
    story_on,
)


@pytest.fixture(scope="module")
def story(w3, accounts, deployed) -> Story:
    with story_on(w3, accounts, deployed, every_path_story) as captured:
        return captured


@pytest.fixture
def db(db_url):
    database = ProjectionDb.open(db_url)
    yield database
    database.close()


def _chunks(rows: list[dict], rng: random.Random) -> list[list[dict]]:
    """Consecutive chunks of whole blocks, 1 to 12 blocks each."""
    blocks = sorted({r["block_number"] for r in rows})
    chunks, i = [], 0
    while i < len(blocks):
        take = set(blocks[i : i + rng.randint(1, 12)])
        chunks.append([r for r in rows if r["block_number"] in take])
        i += len(take)
    return chunks


@pytest.mark.parametrize("seed", [1, 2])
def test_live_tables_equal_a_rebuild_after_every_chunk(db, story, seed):
    for chunk in _chunks(story.rows, random.Random(seed)):
        head = head_of_rows(chunk)
        db.ingest(chunk, head)
        db.assert_equals_rebuild(head)


def test_removing_the_last_blocks_equals_a_rebuild_without_them(db, story):
    db.ingest(story.rows, story.head)
    full = db.snapshot()
    blocks = sorted({r["block_number"] for r in story.rows})
    rng = random.Random(7)
    # Reorgs of growing depth, each followed by the re-ingest of what it removed.
    for depth in (1, 3, rng.randint(5, 15), rng.randint(20, 40), len(blocks)):
        first_removed = blocks[-depth]
        kept = [r for r in story.rows if r["block_number"] < first_removed]
        ancestor = head_of_rows(kept) if kept else story.head  # the head the reorg rolls back to
        removed = db.remove_from(first_removed, ancestor)
        assert len(removed) == len(story.rows) - len(kept)
        db.assert_equals_rebuild(ancestor)

        db.ingest(sorted(removed, key=lambda r: (r["block_number"], r["log_index"])), story.head)
        db.assert_equals_rebuild(story.head)
        assert db.snapshot() == full


def test_a_reorg_onto_a_branch_with_other_events_leaves_no_trace_of_the_orphaned_one(db, story):
    """The orphaned branch settles orders; the canonical branch (same blocks, other contents)
    carries only the events of the orders opened at the end of the story."""
    cut = next(r["block_number"] for r in story.rows if r["name"] == "OrderRefunded")
    kept = {story.order_id(n) for n in story.deals if n.startswith("open_")}
    common = [r for r in story.rows if r["block_number"] < cut]
    branch = [r for r in story.rows if r["block_number"] >= cut and r["order_id"] in kept]
    db.ingest(story.rows, story.head)

    db.remove_from(cut, head_of_rows(common))
    db.ingest(branch, story.head)

    db.assert_equals_rebuild(story.head)
    assert db.rows("orders", status="Refunded") == []
    orphaned = [n for n in story.deals if story.order_id(n) not in kept]
    for name in orphaned:
        paid_before_cut = any(
            r["order_id"] == story.order_id(name) and r["name"] == "OrderPaid" for r in common
        )
        assert bool(db.rows("orders", order_id=story.order_id(name))) == paid_before_cut
