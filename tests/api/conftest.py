"""The appeal API on a real port (uvicorn in a thread), over the test Anvil and a real court
wired into the test escrow; its store on SQLite by default, PostgreSQL where a test asks; the
index it reads (timelines) written by the real indexer when a test runs it (`index.catch_up()`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi import FastAPI
from siwe.siwe import ISO8601Datetime, SiweMessage

from api.app import create_app
from api.settings import ApiSettings
from api.state import ApiState
from fairkey.chain.session import TxResult
from fairkey.chain.types import DisputeReason
from indexer.config import IndexerConfig
from indexer.ingest import Indexer
from tests.indexer.conftest import pg_url, sqlite_url  # noqa: F401 - fixtures reused here
from tests.support.court import CourtWorld
from tests.support.disputes import EVIDENCE
from tests.support.serve import serve_in_thread

PUBLIC_URL = "http://localhost:8800"
DOMAIN = "localhost:8800"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


class FakeClock:
    """The server's wall clock, movable by the test (nonce and session expiry)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return datetime.now(UTC).timestamp() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def siwe_message(
    account,
    nonce: str,
    *,
    domain: str = DOMAIN,
    uri: str = PUBLIC_URL,
    chain_id: int = 31337,
    issued_at: datetime | None = None,
    expires_in: float | None = 600,
) -> str:
    issued = issued_at or datetime.now(UTC)
    return SiweMessage(
        domain=domain,
        address=account.address,
        statement="Sign in to fairkey",
        uri=uri,
        version="1",
        chain_id=chain_id,
        issued_at=ISO8601Datetime.from_datetime(issued),
        nonce=nonce,
        expiration_time=None
        if expires_in is None
        else ISO8601Datetime.from_datetime(issued + timedelta(seconds=expires_in)),
    ).prepare_message()


def personal_sign(account, text: str) -> str:
    return (
        "0x" + bytes(Account.sign_message(encode_defunct(text=text), account.key).signature).hex()
    )


@dataclass
class Api:
    url: str
    app: FastAPI
    clock: FakeClock
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def state(self) -> ApiState:
        return self.app.state.api

    def client(self, headers: dict | None = None) -> httpx.Client:
        client = httpx.Client(base_url=self.url, headers=headers or {}, timeout=30)
        self.clients.append(client)
        return client

    def nonce(self) -> str:
        answer = self.client().post("/auth/nonce")
        assert answer.status_code == 201, answer.text
        return answer.json()["nonce"]

    def sign_in(self, account) -> httpx.Client:
        """A client signed in as `account` (bearer token)."""
        message = siwe_message(account, self.nonce())
        answer = self.client().post(
            "/auth/verify",
            json={
                "message": message,
                "signature": personal_sign(account, message),
                "session": "bearer",
            },
        )
        assert answer.status_code == 200, answer.text
        return self.client({"Authorization": f"Bearer {answer.json()['token']}"})

    def close(self) -> None:
        for c in self.clients:
            c.close()


@pytest.fixture(scope="module")
def shop_layer():
    """None: each test builds what it needs on the plain deployment. A module of tests that read
    the prepared marketplace overrides it with the shop built once (tests/api/shop_layer.py)."""
    return None


@pytest.fixture
def layered(shop_layer):
    """This test's copy of the shop layer's Python side (None without a layer)."""
    return None if shop_layer is None else shop_layer.copy()


@pytest.fixture
def market(layered, market):
    """tests/conftest.py's market (its snapshot before the test, its revert after); in a module
    with a shop layer, the layer's market, the snapshot then taken on the layer's state (the
    module-scoped layer is set up before any function-scoped fixture)."""
    return market if layered is None else layered.market


@pytest.fixture
def world(request, market, layered) -> CourtWorld:
    """A court of the test's own; with a shop layer, the shop's for the tests that take the
    shop. The others get their own on the shop's chain: the shop's court has a case waiting
    for a panel, and while one waits new stakes are queued (a juror added would never sit)."""
    if layered is not None and "shop" in request.fixturenames:
        return layered.world
    return CourtWorld.deploy(market)


@dataclass
class Index:
    """The index the API reads, written by a real Indexer over the test Anvil."""

    url: str
    indexer: Indexer

    def catch_up(self) -> None:
        """Ingests every block up to the chain's head (what `fairkey index run` keeps doing)."""
        self.indexer.backfill()


@pytest.fixture
def index_url(tmp_path) -> str:
    """Where the API reads the index (SQLite by default; `index_url` may be overridden)."""
    return f"sqlite:///{tmp_path / 'index.sqlite3'}"


BOTH = ["sqlite", "postgresql"]


def indexer_config(anvil, deployed, world: CourtWorld, db_url: str) -> IndexerConfig:
    """The indexer of the test escrow (and so of its court) into `db_url`."""
    _, deployment = deployed
    return IndexerConfig(
        rpc_url=anvil.url,
        db_url=db_url,
        escrow=world.market.escrow_address,
        start_block=deployment.block,
    )


@pytest.fixture
def index(world, anvil, deployed, index_url) -> Iterator[Index]:
    """An indexer of the test escrow (and so of its court) into the API's index."""
    with Indexer(indexer_config(anvil, deployed, world, index_url)) as indexer:
        yield Index(index_url, indexer)


@pytest.fixture
def make_api(world, anvil, tmp_path, index_url) -> Iterator[Callable[..., Api]]:
    """Starts an API (its own data folder) on a free port: `make_api(db_url=..., **settings)`."""
    with ExitStack() as stack:

        def start(db_url: str | None = None, **overrides) -> Api:
            folder = tmp_path / f"api-{len(stack._exit_callbacks)}"
            settings = ApiSettings(
                rpc_url=anvil.url,
                home=tmp_path / "home",
                court_address=world.court.address,
                court_from_block=0,
                escrow_address=world.market.escrow_address,
                data_dir=folder,
                db_url=db_url,
                public_url=PUBLIC_URL,
                **{
                    "index_db_url": index_url,
                    "signin_burst": 1000,
                    "upload_burst": 1000,
                    **overrides,
                },  # fmt: skip
            )
            clock = FakeClock()
            app = create_app(settings, clock=clock)
            stack.callback(app.state.api.db.close)
            stack.callback(app.state.api.index.close)
            url = stack.enter_context(serve_in_thread(app))
            api = Api(url, app, clock)
            stack.callback(api.close)
            return api

        yield start


@pytest.fixture
def api(make_api) -> Api:
    return make_api()


def wallet_send(world: CourtWorld, account, tx: dict) -> TxResult:
    """What the user's wallet does with the API's unsigned transaction: sign it with its own key
    and send it."""
    w3 = world.market.w3
    assert tx["from"] == account.address
    call = {"from": tx["from"], "to": tx["to"], "data": tx["data"], "value": int(tx["value"], 16)}
    full = {
        **call,
        "chainId": int(tx["chainId"], 16),
        "nonce": w3.eth.get_transaction_count(account.address),
        "gas": w3.eth.estimate_gas(call) + 50_000,
        "gasPrice": w3.eth.gas_price,
    }
    return world.market.session.with_account(account).send_raw(full)


@dataclass
class Case:
    case_id: int
    buyer: object
    merchant: object
    panel: list  # the drawn jurors' accounts


def open_case(world: CourtWorld, buyer: str = "buyer", merchant: str = "merchant") -> Case:
    """A contested order between these roles, its panel drawn (evidence period)."""
    m = world.market
    listing = m.make_listing(merchant)
    stock = m.make_stock(listing, 4, merchant=merchant)
    order_id, _ = m.make_order(listing, buyer)
    m.deliver(order_id, stock, merchant=merchant)
    m.client(buyer).dispute(order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    m.client(merchant).contest(order_id)
    case_id = world.court.case_count()
    panel = [world.by_address(a) for a in world.draw_all(case_id)]
    return Case(case_id, m.accounts[buyer], m.accounts[merchant], panel)


@pytest.fixture
def case(world) -> Case:
    world.add_jurors(5)
    return open_case(world)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    """The API store on SQLite, then on PostgreSQL (tests/indexer/conftest.py's databases)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
