"""A public testnet, stood in for by a second Anvil with another chain id (31338): `fairkey
deploy` puts the marketplace on it from an RPC URL and keys in the environment, and the services
run against that deployment as they would on Sepolia — every role signs with its own key
(FAIRKEY_PRIVATE_KEY; --dev-account is refused off the local chain), no demo data, no demo
token. A merchant lists and commits stock with the CLI, its bot delivers a purchase, and the
indexer and the API follow it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from arbitration.court_client import CourtClient
from arbitration.deploy import CourtParams
from fairkey.chain.anvil import AnvilNode, dev_accounts, free_port
from fairkey.chain.deploy import Deployment
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import OrderStatus, parse_order_ref
from fairkey.cli.main import app
from scripts.supervisor import Service, Supervisor
from scripts.up.network import check_network
from scripts.up.services import StartupError
from scripts.up.settings import SettingError, read_settings
from scripts.up.summary import READY_NETWORK
from tests.e2e.make_up import ORDER_ID, ROOT, stop, until, wait_for

CHAIN_ID = 31338  # not the local dev chain (31337): what a public testnet looks like to us
# Funded keys, as a faucet would fund them (Anvil's accounts, used here without --dev-account).
ROLES = ("deployer", "treasury", "merchant", "buyer")
KEYS = {role: "0x" + bytes(a.key).hex() for role, a in zip(ROLES, dev_accounts(4), strict=True)}
FAST_VAULT = {"FAIRKEY_VAULT_PASSPHRASE": "testnet", "FAIRKEY_VAULT_KDF_N": "1024"}


def _env(node: AnvilNode, home: Path, role: str | None = None) -> dict[str, str]:
    """A testnet user's environment: the node and data folder as settings, one role's key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRKEY_")}
    env |= {"FAIRKEY_RPC_URL": node.url, "FAIRKEY_HOME": str(home), **FAST_VAULT}
    if role is not None:
        env["FAIRKEY_PRIVATE_KEY"] = KEYS[role]
    return env


def _cli(node: AnvilNode, home: Path, role: str | None, *args: str) -> str:
    """The `fairkey` command, run in this process (what a user types; no interpreter start-up)."""
    unset = {k: None for k in os.environ if k.startswith("FAIRKEY_")}  # CliRunner merges env
    done = CliRunner().invoke(app, list(args), env=unset | _env(node, home, role))
    assert done.exit_code == 0, done.output
    return done.output


def _fairkey(node: AnvilNode, home: Path, role: str | None, *args: str, **env: str) -> str:
    """The `fairkey` command as its own process."""
    done = subprocess.run(
        [sys.executable, "-m", "fairkey.cli.main", *args],
        cwd=ROOT,
        env=_env(node, home, role) | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def testnet():
    with AnvilNode(chain_id=CHAIN_ID, accounts=4) as node:
        yield node


@pytest.fixture(scope="module")
def deployed(testnet, tmp_path_factory):
    """`fairkey deploy` on the testnet, as docs/testnet.md shows it."""
    home = tmp_path_factory.mktemp("testnet") / "fairkey"
    started = time.monotonic()
    out = _fairkey(
        testnet, home, None, "deploy", "--chain-id", str(CHAIN_ID),
        FAIRKEY_DEPLOYER_KEY=KEYS["deployer"],
    )  # fmt: skip
    print(f"fairkey deploy: {time.monotonic() - started:.1f}s")
    return home, Deployment.load(home / "deployment.json"), out


def test_deploy_writes_the_deployment_of_a_real_court_and_says_what_to_run_next(testnet, deployed):
    home, deployment, out = deployed
    assert deployment.chain_id == CHAIN_ID and deployment.token == ""  # no demo token off 31337
    session = ChainSession.connect(testnet.url)
    escrow = EscrowClient(session, deployment.escrow)
    assert escrow.session.call(escrow.f.arbitrator()) == deployment.arbitrator
    # The real court (never the test arbitrator), with the default parameters of CourtParams.
    params = CourtClient(session, deployment.arbitrator).params()
    assert params["min_stake"] == CourtParams().min_stake
    assert f"make up NETWORK={home / 'deployment.json'}" in out


def test_deploy_is_idempotent_and_refuses_a_wrong_chain_or_a_key_without_funds(
    testnet, deployed, tmp_path
):
    home, deployment, _ = deployed
    runner = CliRunner()
    unset = {k: None for k in os.environ if k.startswith("FAIRKEY_")}

    def deploy(*args: str, key: str = KEYS["deployer"], folder: Path = home):
        env = unset | _env(testnet, folder) | {"FAIRKEY_DEPLOYER_KEY": key}
        return runner.invoke(app, ["deploy", *args], env=env)

    again = deploy()
    assert again.exit_code == 0 and "already deployed on chain 31338" in again.output
    assert Deployment.load(home / "deployment.json") == deployment  # nothing redeployed

    wrong = deploy("--chain-id", "11155111", folder=tmp_path / "a")
    assert wrong.exit_code == 1 and "is chain 31338, not chain 11155111" in wrong.output

    broke = deploy(key="0x" + "42" * 32, folder=tmp_path / "b")
    assert broke.exit_code == 1 and "holds 0 ETH on chain 31338" in broke.output
    assert "nothing was deployed" in broke.output and "Traceback" not in broke.output

    other = tmp_path / "c"
    Deployment(1, deployment.escrow, deployment.arbitrator, "", 1).save(other / "deployment.json")
    refused = deploy(folder=other)
    assert refused.exit_code == 1 and "holds the deployment on chain 1" in refused.output

    down = runner.invoke(
        app, ["deploy"], env=unset | _env(testnet, tmp_path / "d") | {
            "FAIRKEY_RPC_URL": f"http://127.0.0.1:{free_port()}",
            "FAIRKEY_DEPLOYER_KEY": KEYS["deployer"]},
    )  # fmt: skip
    assert down.exit_code == 1 and "no chain node answers at" in down.output


DESCRIPTION = "Testnet gift card, 10 USD"


@pytest.fixture(scope="module")
def listing(testnet, deployed, tmp_path_factory) -> int:
    """A merchant's listing with committed stock, made with the CLI as docs/testnet.md shows."""
    home, _, _ = deployed
    keys = tmp_path_factory.mktemp("stock") / "keys.txt"
    keys.write_text("".join(f"TESTNET-CARD-{n:04d}\n" for n in range(4)))
    created = _cli(
        testnet, home, "merchant", "listing", "create", "--price", "0.01", "--bond", "0.005",
        "--dispute-bond", "0.001", "--delivery-window", "1h", "--confirm-window", "24h",
        "--response-window", "12h", "--appeal-window", "2h", "--description", DESCRIPTION,
    )  # fmt: skip
    assert "listing 1 created" in created
    _cli(testnet, home, "merchant", "stock", "import", str(keys), "--supplier", "acme")
    _cli(testnet, home, "merchant", "stock", "commit", "1", "--listing", "1")
    return 1


def _buy_and_wait_for_the_bot(testnet, home: Path, deployment: Deployment, listing: int) -> str:
    order = ORDER_ID.search(_cli(testnet, home, "buyer", "buy", str(listing))).group(0)
    escrow = EscrowClient(ChainSession.connect(testnet.url), deployment.escrow)
    until(lambda: escrow.order(parse_order_ref(order)).status == OrderStatus.DELIVERED)
    shown = _cli(testnet, home, "buyer", "order", "show", order)
    assert "commitment ✓ fingerprint ✓" in shown  # the bot delivered the committed key
    return order


def test_the_services_deliver_a_purchase_on_the_deployed_testnet_and_the_index_and_api_follow(
    testnet, deployed, listing, tmp_path
):
    home, deployment, _ = deployed
    started = time.monotonic()
    api_url = f"http://127.0.0.1:{free_port()}"
    api_env = _env(testnet, home) | {
        "FAIRKEY_API_PORT": api_url.rsplit(":", 1)[1],
        "FAIRKEY_API_PUBLIC_URL": api_url,
    }
    cli = [sys.executable, "-m", "fairkey.cli.main"]
    supervisor = Supervisor(tmp_path / "logs")
    try:
        for service in (
            Service("indexer", [*cli, "index", "run"], env=_env(testnet, home)),
            Service("api", [sys.executable, "-m", "api"], env=api_env),
            Service("merchant-bot", [*cli, "merchant", "run"], env=_env(testnet, home, "merchant")),
        ):
            supervisor.start(service)
        _wait_http(f"{api_url}/health", supervisor)
        published = _cli(
            testnet, home, "merchant", "listing", "publish", str(listing),
            "--description", DESCRIPTION, "--api", api_url,
        )  # fmt: skip
        assert "description published" in published
        stock = EscrowClient(ChainSession.connect(testnet.url), deployment.escrow).listing(listing)

        order = _buy_and_wait_for_the_bot(testnet, home, deployment, listing)

        # The indexer follows the chain, and the API reads the index.
        until(lambda: _api(api_url, f"/orders/{order}").get("status") == "Delivered")
        timeline = [e["event"] for e in _api(api_url, f"/orders/{order}")["timeline"]]
        assert timeline == ["OrderPaid", "KeyDelivered"]
        until(
            lambda: _api(api_url, f"/listings/{listing}").get("stock") == stock.stock_available - 1
        )
        seen = _api(api_url, f"/listings/{listing}")
        assert seen["title"] == DESCRIPTION and seen["metadata_verified"] and seen["sales"] >= 1
        assert not supervisor.dead(), [s.name for s in supervisor.dead()]
        print(f"services on the testnet, start to delivered: {time.monotonic() - started:.1f}s")
    finally:
        supervisor.stop_all()


def test_make_up_with_a_network_setting_runs_the_services_against_that_deployment(
    testnet, deployed, listing, tmp_path
):
    """`make up NETWORK=…/deployment.json`: no Anvil, no demo data; the services a key is given
    for (the verifier's is not: it is not started, and the summary says what starts it)."""
    home, deployment, _ = deployed
    started = time.monotonic()
    api_port, metrics_port = free_port(), free_port()
    env = _env(testnet, home) | {
        "FAIRKEY_NETWORK": str(home / "deployment.json"),
        "FAIRKEY_MERCHANT_KEY": KEYS["merchant"],
        "FAIRKEY_KEEPER_KEY": KEYS["deployer"],
        "FAIRKEY_RELAYER_KEY": KEYS["treasury"],
        "FAIRKEY_API_PORT": str(api_port),
        "FAIRKEY_METRICS_PORT": str(metrics_port),
        "FAIRKEY_VERIFIER_PORT": str(free_port()),
    }
    del env["FAIRKEY_HOME"]  # the network's data folder is its deployment file's
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.up"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        summary = wait_for(process, READY_NETWORK, timeout=120)
        print(f"make up on the network: {time.monotonic() - started:.1f}s to ready")
        assert f"fairkey on chain {CHAIN_ID}" in summary and deployment.escrow in summary
        assert "verifier" in summary and "not started: set FAIRKEY_VERIFIER_KEY" in summary
        assert "Anvil" not in summary and not (home / "anvil-state.json").exists()
        assert not (home / "demo").exists()  # no demo data on a network

        order = _buy_and_wait_for_the_bot(testnet, home, deployment, listing)
        api_url = f"http://127.0.0.1:{api_port}"
        until(lambda: _api(api_url, f"/orders/{order}").get("status") == "Delivered")
        assert _api(api_url, "/health")["chain_id"] == CHAIN_ID
    finally:
        stop(process)
    assert process.returncode == 0


def test_make_up_refuses_a_deployment_of_another_chain_before_starting_anything(
    testnet, deployed, tmp_path
):
    """The check `make up` runs first on a network (scripts/up/main.py), here in-process."""
    _, deployment, _ = deployed
    other = tmp_path / "elsewhere" / "deployment.json"
    Deployment(1, deployment.escrow, deployment.arbitrator, "", 1).save(other)
    env = _env(testnet, tmp_path) | {"FAIRKEY_NETWORK": str(other.parent)}
    del env["FAIRKEY_HOME"]
    settings = read_settings(env)
    assert settings.home == other.parent and not settings.local
    with pytest.raises(StartupError, match="is a deployment on chain 1, but the node at"):
        check_network(settings)
    with pytest.raises(SettingError, match="FAIRKEY_RPC_URL must name the network's node"):
        read_settings({k: v for k, v in env.items() if k != "FAIRKEY_RPC_URL"})


def _api(api_url: str, path: str) -> dict:
    """The API's answer, or {} while it has nothing to show yet (404, index not built)."""
    answer = httpx.get(f"{api_url}{path}", timeout=5)
    return answer.json() if answer.status_code == 200 else {}


def _wait_http(url: str, supervisor: Supervisor, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert not supervisor.dead(), f"{[s.name for s in supervisor.dead()]} exited at start"
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout:.0f}s")
