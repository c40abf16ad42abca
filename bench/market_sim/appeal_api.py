"""The appeal API and its relayer in the simulated market: the real FastAPI app on a loopback
port (real HTTP, its vote store in SQLite), through which CourtPlay's gasless jurors sign in and
post their votes, and the real relayer that lands them in batches (paying only gas)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from api.app import create_app
from api.settings import ApiSettings
from arbitration.relay_queue import StoreQueue
from arbitration.relayer import Relayer
from bench.market_sim.jurors import signing_as
from bench.market_sim.world import World
from fairkey.chain.anvil import free_port
from tests.support.serve import serve_in_thread


@dataclass(frozen=True)
class AppealApi:
    url: str
    relayer: Relayer


@contextlib.contextmanager
def appeal_api(world: World) -> Iterator[AppealApi]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = ApiSettings(
        rpc_url=world.node.url,
        home=world.home / "api-home",
        court_address=world.deployment.arbitrator,
        court_from_block=world.deployment.block,
        escrow_address=world.deployment.escrow,
        data_dir=world.home / "api",
        db_url=f"sqlite:///{world.home / 'api.sqlite3'}",
        public_url=url,
        signin_burst=100_000,  # every gasless juror signs in from this one loopback address
        signin_rate=1_000.0,
    )
    app = create_app(settings)
    try:
        with serve_in_thread(app, port=port):
            court = signing_as(world.court_as(None), world.account("relayer"))
            queue = StoreQueue(app.state.api.votes)
            yield AppealApi(url, Relayer(court, queue, from_block=world.deployment.block))
    finally:
        app.state.api.db.close()
