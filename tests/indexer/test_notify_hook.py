"""The indexer's NOTIFY on PostgreSQL (indexer/notify.py): one per committed chunk, saying where
the index stands, delivered at commit and never for a chunk that rolled back."""

from __future__ import annotations

import json
import select
import time

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from indexer import ingest
from indexer.config import IndexerConfig
from indexer.ingest import Indexer
from indexer.notify import CHANNEL, notify_committed


class Listener:
    """A plain psycopg2 connection LISTENing on the indexer's channel."""

    def __init__(self, url: str) -> None:
        u = make_url(url)
        self.conn = psycopg2.connect(
            host=u.host, port=u.port or 5432, user=u.username, dbname=u.database
        )
        self.conn.autocommit = True
        self.conn.cursor().execute(f"LISTEN {CHANNEL}")

    def received(self, wait: float = 0.5) -> list[dict]:
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            select.select([self.conn], [], [], left)
            self.conn.poll()
        found = [json.loads(n.payload) for n in self.conn.notifies]
        self.conn.notifies.clear()
        return found

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def listener(pg_url):
    listening = Listener(pg_url)
    yield listening
    listening.close()


def _config(market, deployed, url: str, **overrides) -> IndexerConfig:
    _, deployment = deployed
    return IndexerConfig(
        rpc_url=market.w3.provider.endpoint_uri,
        db_url=url,
        escrow=market.escrow_address,
        start_block=deployment.block,
        **overrides,
    )


def test_each_committed_chunk_tells_listeners_where_the_index_stands(
    market, deployed, pg_url, listener
):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    market.make_order(listing)
    with Indexer(_config(market, deployed, pg_url, max_range=2)) as indexer:
        indexer.backfill()
        heard = listener.received()
        assert heard, "no NOTIFY"
        assert heard[-1] == {
            "chain_id": indexer.chain_id,
            "escrow": market.escrow_address.lower(),
            "block": indexer.cursor.number,
            "reorgs": 0,
        }
        blocks = [n["block"] for n in heard]
        assert blocks == sorted(blocks) and len(blocks) >= 2  # one per chunk of 2 blocks


def test_a_chunk_that_rolls_back_tells_nobody(market, deployed, pg_url, listener, monkeypatch):
    market.make_listing()

    def notify_then_fail(conn, *args):
        notify_committed(conn, *args)  # queued in the chunk's transaction…
        raise RuntimeError("disk full")  # …which then rolls back

    with Indexer(_config(market, deployed, pg_url)) as indexer:
        indexer.cursor  # noqa: B018 - created (and committed) before the failing chunk
        listener.received()
        monkeypatch.setattr(ingest, "notify_committed", notify_then_fail)
        with pytest.raises(RuntimeError, match="disk full"):
            indexer.backfill()
        assert listener.received() == []
        monkeypatch.setattr(ingest, "notify_committed", notify_committed)
        indexer.backfill()
        assert [n["block"] for n in listener.received()] == [indexer.cursor.number]
