"""The long-running services beside the chain, each a `fairkey` command (or `python -m api`)
with its own log under the supervisor: on the demo chain as the demo's dev accounts, on a
network as the keys its settings name (a service without its key is not started, and the
summary says which setting starts it)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field

import httpx
from eth_account import Account

from scripts.supervisor import Service, Supervisor
from scripts.up.accounts import DEMO_PASSPHRASE, ROLES, account
from scripts.up.output import shown
from scripts.up.settings import UpSettings


class StartupError(RuntimeError):
    """A service or the chain did not come up: shown as one message, with where to look."""


def _cli(settings: UpSettings, *args: str, account: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "fairkey.cli.main", "--home", str(settings.home),
            "--rpc", settings.rpc_url]  # fmt: skip
    if account is not None:
        argv += ["--dev-account", str(account)]
    return argv + list(args)


def _api_env(settings: UpSettings, env: dict[str, str]) -> dict[str, str]:
    return {
        "FAIRKEY_API_HOME": str(settings.home),
        "FAIRKEY_API_RPC_URL": settings.rpc_url,
        "FAIRKEY_API_PORT": str(settings.ports["FAIRKEY_API_PORT"]),
        # Behind a public URL its owner sets it (sign-in messages name its host).
        "FAIRKEY_API_PUBLIC_URL": env.get("FAIRKEY_API_PUBLIC_URL") or settings.api_url,
    }


def _readers(
    settings: UpSettings, env: dict[str, str], verifier: str | None = None
) -> list[Service]:
    """The services that sign nothing: the indexer and the API (with the dApp), which relays
    buyers' sealed keys to `verifier` (its address) at the verifier's URL."""
    index = ["index", "run", "--metrics-port", str(settings.metrics_port)]
    if not settings.local:
        index += ["--interval", "1"]  # a public node's rate limits: one head check a second
    api_env = _api_env(settings, env)
    if verifier is not None:
        api_env["FAIRKEY_API_VERIFIER_URLS"] = json.dumps({verifier: settings.verifier_url})
    return [
        Service("indexer", _cli(settings, *index)),
        Service("api", [sys.executable, "-m", "api"], env=api_env),
    ]


def local_services(settings: UpSettings) -> list[Service]:
    """The demo chain's services, signing as the demo's dev accounts."""
    demo = settings.demo
    vault = {"FAIRKEY_VAULT_PASSPHRASE": DEMO_PASSPHRASE}
    issuer_url = f"http://127.0.0.1:{settings.issuer_port}/redeem-check"
    return [
        Service("issuer-sim", _cli(settings, "issuer-sim", "run", "--port",
                                   str(settings.issuer_port),
                                   "--keys", str(demo / "issuer-keys.json"))),
        Service("verifier", _cli(settings, "verifier", "run", "--port",
                                 str(settings.verifier_port), "--issuer-url", issuer_url,
                                 "--db", str(settings.home / "verifier.sqlite"),
                                 account=ROLES["verifier"])),
        Service("merchant-bot", _cli(settings, "merchant", "run", "--policy",
                                     str(demo / "merchant-policy.toml"),
                                     "--verifier-url", settings.verifier_url,
                                     account=ROLES["merchant"]), env=vault),
        Service("keeper", _cli(settings, "keeper", "run", account=ROLES["keeper"])),
        *_readers(settings, {}, account(ROLES["verifier"]).address),
        Service("relayer", _cli(settings, "relayer", "run", account=ROLES["relayer"]),
                env=_api_env(settings, {})),
    ]  # fmt: skip


@dataclass
class NetworkPlan:
    services: list[Service] = field(default_factory=list)
    signers: dict[str, str] = field(default_factory=dict)  # service -> the address it signs as
    skipped: dict[str, str] = field(default_factory=dict)  # service -> what would start it


# service -> the setting holding its key
NETWORK_KEYS = {
    "keeper": "FAIRKEY_KEEPER_KEY",
    "relayer": "FAIRKEY_RELAYER_KEY",
    "merchant-bot": "FAIRKEY_MERCHANT_KEY",
    "verifier": "FAIRKEY_VERIFIER_KEY",
}


def _address(setting: str, key: str) -> str:
    try:
        return Account.from_key(key.strip()).address
    except (ValueError, TypeError):
        raise StartupError(f"{setting} is not a valid private key") from None


def network_services(settings: UpSettings, env: dict[str, str] | None = None) -> NetworkPlan:
    """The services against a deployed network: the indexer and the API always; the keeper,
    relayer, merchant bot and verifier each when its key is set (and what else it needs)."""
    env = dict(os.environ if env is None else env)
    plan = NetworkPlan(services=_readers(settings, env))
    for name, setting in NETWORK_KEYS.items():
        key = env.get(setting, "").strip()
        if not key:
            plan.skipped[name] = f"set {setting}"
            continue
        address = _address(setting, key)
        service = _signing_service(settings, env, name, address, plan)
        if service is None:
            continue
        service.env["FAIRKEY_PRIVATE_KEY"] = key
        plan.services.append(service)
        plan.signers[name] = address
    return plan


def _signing_service(
    settings: UpSettings, env: dict[str, str], name: str, address: str, plan: NetworkPlan
) -> Service | None:
    if name == "keeper":
        return Service("keeper", _cli(settings, "keeper", "run"))
    if name == "relayer":
        return Service("relayer", _cli(settings, "relayer", "run"), env=_api_env(settings, env))
    if name == "merchant-bot":
        vault = settings.home / "accounts" / address / "vault.sqlite"
        if not vault.exists():
            plan.skipped[name] = (
                f"no vault for {address} in {shown(settings.home)}: import and commit stock "
                "first (`fairkey stock import`, `fairkey stock commit`, docs/testnet.md)"
            )
            return None
        if not env.get("FAIRKEY_VAULT_PASSPHRASE"):
            plan.skipped[name] = "set FAIRKEY_VAULT_PASSPHRASE (its vault's passphrase)"
            return None
        args = ["merchant", "run"]
        if env.get("FAIRKEY_MERCHANT_POLICY"):
            args += ["--policy", env["FAIRKEY_MERCHANT_POLICY"]]
        if "FAIRKEY_ISSUER_URL" in env and env.get("FAIRKEY_VERIFIER_KEY"):
            args += ["--verifier-url", settings.verifier_url]
        return Service("merchant-bot", _cli(settings, *args))
    issuer = env.get("FAIRKEY_ISSUER_URL", "").strip()
    if not issuer:
        plan.skipped[name] = "set FAIRKEY_ISSUER_URL (the issuer it asks) with its key"
        return None
    args = ["verifier", "run", "--port", str(settings.verifier_port), "--issuer-url", issuer]
    if env.get("FAIRKEY_ISSUER_MAPPING"):
        args += ["--mapping", env["FAIRKEY_ISSUER_MAPPING"]]
    return Service("verifier", _cli(settings, *args))


def health_urls(settings: UpSettings, started: list[Service]) -> list[str]:
    """What answers once each started service is ready."""
    names = {service.name for service in started}
    urls = {
        "issuer-sim": f"http://127.0.0.1:{settings.issuer_port}/admin/stats",
        "verifier": f"{settings.verifier_url}/info",
        "indexer": f"http://127.0.0.1:{settings.metrics_port}/metrics",
        "api": f"{settings.api_url}/health",
    }
    return [url for name, url in urls.items() if name in names]


def start_all(settings: UpSettings, supervisor: Supervisor, services: list[Service]) -> None:
    for service in services:
        supervisor.start(service)
    for url in health_urls(settings, services):
        wait_http(url, supervisor, shown(settings.logs))


def wait_http(url: str, supervisor: Supervisor, logs: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.dead():
            names = ", ".join(s.name for s in supervisor.dead())
            raise StartupError(f"{names} exited at start; see {logs}/")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise StartupError(f"{url} did not answer within {timeout:.0f}s; see {logs}/")
