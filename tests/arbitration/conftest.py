from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner, Result

from api.app import create_app
from api.settings import ApiSettings
from api.state import ApiState
from fairkey.chain.anvil import free_port
from fairkey.chain.deploy import Deployment
from tests.cli.conftest import Cli
from tests.support.court import FUND, CourtWorld
from tests.support.serve import serve_in_thread


@pytest.fixture
def world(market) -> CourtWorld:
    """A court wired into the test escrow, with deterministic randomness and no jurors yet."""
    return CourtWorld.deploy(market)


# ---------------------------------------------------------------------------- the CLI


@pytest.fixture
def homes(market, tmp_path) -> Callable[[], Path]:
    """A fresh data folder — another machine: its deployment.json and nothing else."""
    numbers = itertools.count()

    def make() -> Path:
        home = tmp_path / f"home-{next(numbers)}"
        Deployment(
            chain_id=market.w3.eth.chain_id,
            escrow=market.escrow_address,
            arbitrator=market.arbitrator_address,
            token=market.token_address,
            block=0,
        ).save(home / "deployment.json")
        return home

    return make


@pytest.fixture
def fk(market, homes) -> Cli:
    """`fairkey` as a dev account (`fk("stranger", "relayer", "run", …)`), one data folder."""
    return Cli(homes(), market.w3.provider.endpoint_uri, CliRunner())


@dataclass
class JurorCli:
    """`fairkey juror …` signing as one juror (FAIRKEY_PRIVATE_KEY), from its own data folder
    unless told another one (`home=`: the same wallet on another machine)."""

    account: LocalAccount
    cli: Cli

    @property
    def address(self) -> str:
        return self.account.address

    def __call__(self, *args: str, code: int = 0, home: Path | None = None) -> Result:
        cli = self.cli if home is None else Cli(home, self.cli.rpc, self.cli.runner)
        key = "0x" + bytes(self.account.key).hex()
        return cli(None, "juror", *args, code=code, env={"FAIRKEY_PRIVATE_KEY": key})


@pytest.fixture
def make_juror(world, fk, homes) -> Callable[..., JurorCli]:
    """A funded juror account driving the CLI; `stake=True` stakes the minimum (not via the CLI)
    and adds it to the world's jurors."""

    def make(*, stake: bool = False) -> JurorCli:
        account = Account.create()
        world.market.w3.provider.make_request("anvil_setBalance", [account.address, hex(FUND)])
        if stake:
            world.client(account).set_stake(world.params.min_stake)
            world.jurors.append(account)
        return JurorCli(account, Cli(homes(), fk.rpc, fk.runner))

    return make


# ---------------------------------------------------------------------------- the API


@dataclass
class ServedApi:
    url: str
    db_url: str
    state: ApiState


@pytest.fixture
def api(world, anvil, tmp_path) -> Iterator[ServedApi]:
    """The appeal API on a real port, its public URL that port (so a wallet's sign-in message
    names the site it talks to), its store in SQLite where the relayer reads it too."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db_url = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    settings = ApiSettings(
        rpc_url=anvil.url,
        home=tmp_path / "api-home",
        court_address=world.court.address,
        court_from_block=0,
        data_dir=tmp_path / "api",
        db_url=db_url,
        public_url=url,
        signin_burst=1000,
        upload_burst=1000,
    )
    app = create_app(settings)
    try:
        with serve_in_thread(app, port=port):
            yield ServedApi(url, db_url, app.state.api)
    finally:
        app.state.api.db.close()
