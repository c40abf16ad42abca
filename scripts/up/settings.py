"""What `make up` reads from the environment: its data folder, its ports, and the network
setting (`make up NETWORK=path/to/deployment.json`, or FAIRKEY_NETWORK) that runs the services
against a deployed marketplace instead of a local Anvil with demo data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scripts.up.output import say, shown

DEFAULT_HOME = ".fairkey"
DEPLOYMENT_FILE = "deployment.json"  # what every service reads in its data folder


@dataclass(frozen=True)
class PortSetting:
    env: str  # the environment variable that sets it
    default: int
    what: str  # the service on it, as the hints name it


# Every port `make up` listens on; each one is a setting (the hints list them all).
PORT_SETTINGS = (
    PortSetting("FAIRKEY_PORT", 8545, "chain (Anvil JSON-RPC)"),
    PortSetting("FAIRKEY_VERIFIER_PORT", 8600, "key verifier"),
    PortSetting("FAIRKEY_ISSUER_PORT", 8700, "card-issuer simulator"),
    PortSetting("FAIRKEY_METRICS_PORT", 9108, "indexer metrics (Prometheus)"),
    PortSetting("FAIRKEY_API_PORT", 8800, "API and dApp"),
)
# On a network there is no local chain and no issuer simulator.
NETWORK_PORTS = ("FAIRKEY_VERIFIER_PORT", "FAIRKEY_METRICS_PORT", "FAIRKEY_API_PORT")


class SettingError(ValueError):
    """A setting `make up` cannot use: the message says which and what it takes."""


@dataclass(frozen=True)
class UpSettings:
    home: Path
    ports: dict[str, int]  # every PORT_SETTINGS env -> its port
    network: Path | None  # a deployment file to run against; None: local Anvil with demo data
    rpc_url: str  # the chain's node (local: the Anvil `make up` starts)

    @property
    def local(self) -> bool:
        return self.network is None

    @property
    def used_ports(self) -> dict[str, int]:
        """The ports this run listens on."""
        if self.local:
            return dict(self.ports)
        return {env: port for env, port in self.ports.items() if env in NETWORK_PORTS}

    @property
    def chain_port(self) -> int:
        return self.ports["FAIRKEY_PORT"]

    @property
    def verifier_port(self) -> int:
        return self.ports["FAIRKEY_VERIFIER_PORT"]

    @property
    def issuer_port(self) -> int:
        return self.ports["FAIRKEY_ISSUER_PORT"]

    @property
    def metrics_port(self) -> int:
        return self.ports["FAIRKEY_METRICS_PORT"]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FAIRKEY_API_PORT']}"

    @property
    def verifier_url(self) -> str:
        return f"http://127.0.0.1:{self.verifier_port}"

    @property
    def deployment_file(self) -> Path:
        return self.home / DEPLOYMENT_FILE

    @property
    def demo(self) -> Path:
        return self.home / "demo"

    @property
    def logs(self) -> Path:
        return self.home / "logs"


def _port(setting: PortSetting, env: dict[str, str]) -> int:
    raw = env.get(setting.env, "").strip()
    if not raw:
        return setting.default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingError(
            f"[red]{setting.env}={raw!r} is not a port[/red] (a number from 1 to 65535; the "
            f"{setting.what}; default {setting.default})"
        )
    return int(raw)


def _network(env: dict[str, str]) -> tuple[str, Path] | None:
    """(the setting's name, the deployment file) of FAIRKEY_NETWORK, else of make's NETWORK."""
    for name in ("FAIRKEY_NETWORK", "NETWORK"):
        raw = env.get(name, "").strip()
        if raw:
            path = Path(raw).expanduser()
            return name, (path / DEPLOYMENT_FILE if path.is_dir() else path).resolve()
    return None


def read_settings(env: dict[str, str] | None = None) -> UpSettings:
    """The settings of this run, or SettingError saying what to change."""
    env = dict(os.environ if env is None else env)
    ports = {setting.env: _port(setting, env) for setting in PORT_SETTINGS}
    home_set = env.get("FAIRKEY_HOME", "").strip()
    network = _network(env)
    if network is None:
        home = Path(home_set or DEFAULT_HOME).resolve()
        return UpSettings(home, ports, None, f"http://127.0.0.1:{ports['FAIRKEY_PORT']}")
    name, file = network
    if not file.is_file():
        raise SettingError(
            f"[red]{name}={shown(file)}: no deployment file there[/red]. Deploy first "
            "(`fairkey deploy`, docs/testnet.md), then name the deployment.json it wrote."
        )
    if file.name != DEPLOYMENT_FILE:
        raise SettingError(
            f"[red]{name}={shown(file)}[/red]: the services read {DEPLOYMENT_FILE} in their data "
            f"folder; name a file called {DEPLOYMENT_FILE} (or its folder)."
        )
    if home_set and Path(home_set).resolve() != file.parent:
        raise SettingError(
            f"[red]FAIRKEY_HOME={home_set} but {name}={shown(file)}[/red]: the data folder of a "
            "network is the deployment file's folder; unset FAIRKEY_HOME, or name the "
            f"{DEPLOYMENT_FILE} inside it."
        )
    rpc_url = env.get("FAIRKEY_RPC_URL", "").strip()
    if not rpc_url.startswith(("http://", "https://")):
        raise SettingError(
            f"[red]{name} is set, so FAIRKEY_RPC_URL must name the network's node[/red] (an "
            f"http(s) JSON-RPC URL; now {rpc_url or 'unset'})."
        )
    return UpSettings(file.parent, ports, file, rpc_url)


def settings_or_exit() -> UpSettings:
    try:
        return read_settings()
    except SettingError as exc:
        say(str(exc))
        raise SystemExit(2) from None
