"""Reorgs: after random `anvil_reorg` / `anvil_rollback` interleaved with marketplace activity,
the index holds exactly the canonical chain's logs and every derived table equals a fresh
rebuild; a reorg below the finalized block halts the indexer with a clear alert."""

from __future__ import annotations

import os
import random

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fairkey.cli.main import app
from indexer import queries
from indexer.ingest import Indexer
from indexer.models import Block
from indexer.reorg import ReorgBeyondFinality
from tests.indexer.support_chain import (
    Activity,
    Chain,
    derived_rows,
    log_keys,
    private_chain,
    stored_keys,
)

ROUNDS = 15


def _catch_up(indexer: Indexer, chain: Chain) -> None:
    """Steps until the index sits on the node's head block (bounded)."""
    for _ in range(20):
        indexer.step()
        head = chain.head()
        node_hash = chain.rpc("eth_getBlockByNumber", hex(head), False)["hash"]
        if indexer.cursor.number == head and indexer.cursor.hash == node_hash:
            return
    raise AssertionError("the indexer did not converge on the node's head")


def _replacement_txs(chain: Chain, rng: random.Random, depth: int) -> list:
    """Transactions for the blocks that replace the reorged ones: other events in their place."""
    listings = int(chain.market.client("stranger").contract.functions.listingCount().call())
    if not listings or rng.random() < 0.4:
        return []
    return [
        (chain.set_price_tx(rng.randrange(1, listings + 1), 10**16 + rng.randrange(10**6)), k)
        for k in sorted(rng.sample(range(depth), rng.randrange(1, depth + 1)))
    ]


def _disturb(chain: Chain, rng: random.Random) -> str:
    """One random reorg of the chain's tip."""
    head = chain.head()
    kind = rng.choice(["reorg", "reorg", "rollback", "rollback+mine"])
    depth = min(rng.randrange(1, 5), head - chain.deployment.block)
    if depth <= 0:
        return "none"
    if kind == "reorg":
        chain.reorg(depth, _replacement_txs(chain, rng, depth))
    else:
        chain.rollback(depth)
        if kind == "rollback+mine":
            chain.mine(rng.randrange(1, depth + 2))
    return f"{kind}({depth})"


def test_live_tables_equal_a_fresh_reindex_after_random_reorgs(db_url):
    seed = int(os.environ.get("FAIRKEY_TEST_SEED", random.randrange(10**6)))
    print(f"reorg test seed: {seed} (FAIRKEY_TEST_SEED={seed} replays it)")
    rng = random.Random(seed)
    with private_chain() as chain:
        activity = Activity(chain, rng)
        for _ in range(6):
            activity.random_action()
        with Indexer(chain.config(db_url, max_range=rng.choice([1, 3, 50]))) as indexer:
            indexer.backfill()
            history = []
            for round_no in range(ROUNDS):
                for _ in range(rng.randrange(1, 6)):
                    history.append(activity.random_action())
                if rng.random() < 0.7:  # usually the orphaned blocks were indexed first
                    indexer.step()
                history.append(_disturb(chain, rng))
                for _ in range(rng.randrange(0, 3)):
                    history.append(activity.random_action())
                _catch_up(indexer, chain)
                where = f"seed {seed}, round {round_no}: {history}"

                assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs()), where
                live = derived_rows(indexer.engine)
                indexer.reindex()
                assert derived_rows(indexer.engine) == live, where
            assert indexer.cursor.reorgs >= 1, history


def test_a_fresh_index_of_the_same_chain_derives_the_same_rows(tmp_path):
    """The live tables after reorgs equal those of an indexer that never saw the orphans."""
    rng = random.Random(7)
    with private_chain() as chain:
        activity = Activity(chain, rng)
        live_url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        with Indexer(chain.config(live_url, max_range=2)) as live:
            for _ in range(5):
                for _ in range(3):
                    activity.random_action()
                live.step()
                _disturb(chain, rng)
                activity.random_action()
                _catch_up(live, chain)
            fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
            with Indexer(chain.config(fresh_url)) as fresh:
                fresh.backfill()
                assert fresh.cursor.hash == live.cursor.hash
                assert stored_keys(fresh.engine) == stored_keys(live.engine)
                assert derived_rows(fresh.engine) == derived_rows(live.engine)


@pytest.mark.parametrize(
    ("finality_depth", "blocks_after", "depth"),
    [(3, 4, 6), (None, 70, 66)],  # a configured depth; Anvil's "finalized" tag (head - 64)
    ids=["configured-depth", "node-finalized-tag"],
)
def test_a_reorg_below_the_finalized_block_halts_with_a_clear_alert(
    finality_depth, blocks_after, depth, sqlite_url, tmp_path
):
    with private_chain() as chain:
        activity = Activity(chain, random.Random(3))
        for _ in range(4):
            activity.random_action()
        chain.mine(blocks_after)
        config = chain.config(sqlite_url, finality_depth=finality_depth)
        with Indexer(config) as indexer:
            indexer.backfill()
            with indexer.engine.connect() as conn:
                kept = conn.execute(select(Block.number)).scalars().all()
            assert min(kept) == indexer.cursor.finalized  # older hashes are pruned
            assert len(kept) <= (finality_depth or 64) + 1

            chain.reorg(depth)
            with pytest.raises(ReorgBeyondFinality, match="reorg deeper than finality"):
                indexer.step()
            status = indexer.status()
            assert "reorg deeper than finality" in status["halted"]
            assert indexer.metrics.halted._value.get() == 1
            stored_before = stored_keys(indexer.engine)

        with Indexer(config) as restarted:  # a restart does not guess either
            with pytest.raises(ReorgBeyondFinality):
                restarted.step()
            assert stored_keys(restarted.engine) == stored_before

        # The command says so in one line and exits non-zero.
        chain.deployment.save(tmp_path / "deployment.json")
        argv = ["--home", str(tmp_path), "--rpc", chain.url, "index"]
        runner = CliRunner()
        env = {"COLUMNS": "200"}
        run = runner.invoke(app, [*argv, "backfill", "--db", sqlite_url], env=env)
        assert run.exit_code == 1 and "halted: reorg deeper than finality" in run.output
        assert "Traceback" not in run.output
        status = runner.invoke(app, [*argv, "status", "--db", sqlite_url], env=env)
        assert status.exit_code == 2 and "reorg deeper than finality" in status.output


def test_a_reorg_within_the_finality_depth_is_repaired(sqlite_url):
    with private_chain() as chain:
        activity = Activity(chain, random.Random(5))
        for _ in range(6):
            activity.random_action()
        with Indexer(chain.config(sqlite_url, finality_depth=3)) as indexer:
            indexer.backfill()
            chain.reorg(3, _replacement_txs(chain, random.Random(1), 3))
            _catch_up(indexer, chain)
            assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())
            status = indexer.status()
            assert status["reorgs"] == 1 and status["last_reorg"]["depth"] == 3
            assert status["halted"] is None


def test_a_reorg_that_orphans_a_basket_takes_its_orders_and_refusals_with_it(db_url):
    with private_chain() as chain:
        m = chain.market
        listing = m.make_listing()
        stock = m.make_stock(listing, 4)
        with Indexer(chain.config(db_url)) as indexer:
            indexer.backfill()
            keys = [m.new_order_key() for _ in range(3)]
            paid = m.client("buyer").pay_basket(listing, [(k.x, k.y) for k in keys])
            ids = paid.event("BasketPaid").args["orderIds"]
            unit = stock.take()
            item = (ids[0], m.sealed_record(ids[0], stock, unit), stock.tree.proof(unit.index))
            m.client("merchant").deliver_many([item, item])  # the second is refused
            _catch_up(indexer, chain)
            with indexer.engine.connect() as conn:
                assert len(queries.basket_orders(conn, ids[0])) == 3
                assert queries.refusals_of(conn, m.address("merchant")) == {
                    "EscrowUnexpectedStatus": 1
                }

            chain.reorg(2, [(chain.set_price_tx(listing, 2 * 10**16), 0)])
            _catch_up(indexer, chain)
            live = derived_rows(indexer.engine)
            assert live["orders"] == [] and live["batch_refusals"] == []
            assert stored_keys(indexer.engine) == log_keys(chain.canonical_logs())
            indexer.reindex()
            assert derived_rows(indexer.engine) == live
