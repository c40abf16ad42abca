"""The shop (tests/api/shop.py) built once per test module, each test starting from exactly it.

Opening the shop (~30 transactions) and indexing it cost seconds per test; a module of tests that
read it builds it once (per xdist worker) in a module-scoped layer over the session's deployment:

- chain: a snapshot before the layer, then the layer's court and shop; each test runs between
  `market`'s snapshot and revert (tests/conftest.py: taken anew per test, since Anvil's revert
  consumes it), so on the shop's state; at module end the revert to the snapshot before the
  layer, so the other modules see the plain deployment.
- Python: the objects that mirror the chain (the market's key and stock counters, the stock
  batches' next units, the court's jurors, the shop's orders) copied per test as they were at
  the layer's end; the connections, accounts and court client, which hold no chain state, shared.
- index: per database kind, the shop indexed once into a template (a SQLite file, a PostgreSQL
  database) the first time a test asks for that kind; each test indexes into a copy of it and
  its indexer continues from there (`index.catch_up()`).

A module: ``shop_layer = layer_of(open_shop)``, ``index_url = pytest.fixture(params=BOTH,
name="index_url")(index_copy)`` and ``shop = pytest.fixture(name="shop")(layered_shop)``;
tests/api/conftest.py's `market` and `index` then come from the layer, and `world` too for
the tests that take the shop (the others get a court of their own on the shop's chain).
"""

from __future__ import annotations

import copy
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from fairkey.chain.anvil import ChainClock
from indexer.config import IndexerConfig
from indexer.ingest import Indexer
from tests.api.conftest import indexer_config
from tests.api.shop import Shop
from tests.indexer.conftest import PG_ADMIN_URL, pg_admin
from tests.support.court import CourtWorld
from tests.support.market import Market


@dataclass
class LayerState:
    """The layer's Python side: its court world (and market) and what the module's builder
    returned (the shop, or the shop and more)."""

    world: CourtWorld
    built: Any

    @property
    def market(self) -> Market:
        return self.world.market


@dataclass
class ShopLayer:
    state: LayerState
    head: int  # the layer's last block: what the index templates hold
    index_config: Callable[[str], IndexerConfig]  # the indexer's, per database URL
    folder: Path  # the SQLite template's
    _sqlite: Path | None = None
    _pg: str | None = None  # the PostgreSQL template's database name
    _admin: Engine | None = None
    _cleanup: ExitStack = field(default_factory=ExitStack)

    def copy(self) -> LayerState:
        """A test's own copy of the Python side as at the layer's end, sharing what has no state
        of the chain's (deep-copying a web3 connection would fail, and is not wanted)."""
        world = self.state.world
        market = world.market
        shared = [market.w3, market.session, market.clock, market.accounts, world.court]
        shared += [*market.accounts.values(), *world.jurors, world.params]
        return copy.deepcopy(self.state, memo={id(obj): obj for obj in shared})

    def sqlite_copy(self, target: Path) -> str:
        """The URL of a copy of the SQLite template at `target`."""
        if self._sqlite is None:
            template = self.folder / "index.sqlite3"
            self._index(f"sqlite:///{template}")
            self._sqlite = template
        with closing(sqlite3.connect(self._sqlite)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)  # whole pages, the WAL's included
        return f"sqlite:///{target}"

    @contextmanager
    def pg_copy(self) -> Iterator[str]:
        """The URL of a new database copied from the PostgreSQL template; dropped afterwards."""
        if self._pg is None:
            self._pg = self._new_pg_database()
            self._index(_pg_url(self._pg))
        name = f"fairkey_test_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg}"')
        try:
            yield _pg_url(name)
        finally:
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._cleanup.close()

    def _index(self, db_url: str) -> None:
        """Ingests the layer's blocks into the database (a template: no connection kept, as
        `CREATE DATABASE ... TEMPLATE` wants)."""
        with Indexer(self.index_config(db_url)) as indexer:
            indexer.backfill(to_block=self.head)

    def _new_pg_database(self) -> str:
        if self._admin is None:
            self._admin = pg_admin()  # skips the test when no server answers
            self._cleanup.callback(self._admin.dispose)
        name = f"fairkey_shop_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}"')
        self._cleanup.callback(self._sql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return name

    def _sql(self, statement: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(statement))


def _pg_url(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def layer_of(build: Callable[[CourtWorld], Any]):
    """The module's `shop_layer` fixture: `build(world)` once, over a court of the layer's own
    wired into the session's escrow (`CourtWorld.deploy`), on a market of the layer's own."""

    @pytest.fixture(scope="module", name="shop_layer")
    def shop_layer(w3, accounts, deployed, anvil, tmp_path_factory) -> Iterator[ShopLayer]:
        session, deployment = deployed
        clock = ChainClock(w3)
        before = clock.snapshot()
        try:
            world = CourtWorld.deploy(Market.of(w3, session, deployment, accounts, clock))
            layer = ShopLayer(
                LayerState(world, build(world)),
                head=w3.eth.block_number,
                index_config=lambda db_url: indexer_config(anvil, deployed, world, db_url),
                folder=tmp_path_factory.mktemp("shop-layer"),
            )
            try:
                yield layer
            finally:
                layer.close()
        finally:
            clock.revert(before)

    return shop_layer


def index_copy(request, tmp_path, shop_layer: ShopLayer) -> Iterator[str]:
    """The `index_url` of a module with a shop layer: a copy of the layer's index, on SQLite
    (without a parameter) or, parametrized with `BOTH`, on SQLite then PostgreSQL."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield shop_layer.sqlite_copy(tmp_path / "index.sqlite3")
        return
    with shop_layer.pg_copy() as url:
        yield url


def layered_shop(layered: LayerState) -> Shop:
    """The `shop` fixture of a module whose layer is `layer_of(open_shop)`."""
    return layered.built
