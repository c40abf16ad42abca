"""The API's settings: one pydantic-settings class, every field from the environment
(prefix ``FAIRKEY_API_``; the chain's URL and data folder also from the `fairkey` command's own
``FAIRKEY_RPC_URL`` / ``FAIRKEY_HOME``)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024
EVIDENCE_TYPES = ("image/png", "image/jpeg", "application/pdf", "text/plain")


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FAIRKEY_API_", env_ignore_empty=True, extra="ignore", populate_by_name=True
    )

    rpc_url: str = Field(
        "http://127.0.0.1:8545",
        validation_alias=AliasChoices("FAIRKEY_API_RPC_URL", "FAIRKEY_RPC_URL"),
    )
    """JSON-RPC endpoint of the chain node."""

    home: Path = Field(
        Path(".fairkey"), validation_alias=AliasChoices("FAIRKEY_API_HOME", "FAIRKEY_HOME")
    )
    """The `fairkey` data folder: its `deployment.json` names the court by default."""

    court_address: str | None = None
    """The court (contracts/arbitration/Court.sol). Default: the deployment's arbitrator."""

    court_from_block: int | None = Field(None, ge=0)
    """First block searched for court events (the court's deployment block). Default: the
    deployment's block, else 0."""

    escrow_address: str | None = None
    """The escrow (contracts/escrow/) whose orders' actions the API prepares. Default: the
    deployment's escrow; without one, those routes answer 503."""

    index_db_url: str | None = Field(
        None, validation_alias=AliasChoices("FAIRKEY_API_INDEX_DB_URL", "FAIRKEY_INDEX_DB_URL")
    )
    """The index (`fairkey index run`'s database, indexer/) the API reads case timelines from.
    Default: the `fairkey` command's, SQLite `<home>/index.sqlite3`."""

    web_dist: Path = Path(__file__).resolve().parent.parent / "web" / "dist"
    """The built dApp (`npm run build` in web/), served under /app/. Missing: no dApp routes."""

    chain_id: int | None = Field(None, ge=1)
    """The chain sign-in messages must name. Default: the node's chain id."""

    data_dir: Path | None = None
    """Where evidence files live (content-addressed) and the default SQLite store. Default
    `<home>/api`."""

    db_url: str | None = None
    """The API store (nonces, sessions, evidence metadata, pending votes): any SQLAlchemy URL,
    SQLite or PostgreSQL. Default: SQLite `<data_dir>/api.sqlite3`."""

    public_url: str = "http://localhost:8800"
    """Where users reach the API (scheme://host[:port], no path): sign-in messages must name its
    host as their domain and a URI of its origin; anchored evidence URIs start with it."""

    host: str = "127.0.0.1"
    port: int = Field(8800, ge=1, le=65535)

    nonce_ttl: int = Field(300, ge=10)
    """Seconds a sign-in nonce stays usable (once)."""
    session_ttl: int = Field(12 * 3600, ge=60)
    """Seconds a session lasts at most (less if the signed message expires earlier)."""
    clock_skew: int = Field(60, ge=0)
    """Seconds a sign-in message's Issued At may lie in the future (clients' clocks drift)."""
    cookie_secure: bool = False
    """Send the session cookie over HTTPS only (set it behind TLS)."""

    max_evidence_bytes: int = Field(2 * MIB, ge=1)
    evidence_types: tuple[str, ...] = EVIDENCE_TYPES
    max_json_bytes: int = Field(64 * 1024, ge=1024)
    """Largest request body of any route but the upload."""

    signin_rate: float = Field(0.5, gt=0)
    """Sign-in requests (nonce and verify) per second and client IP, refilled continuously…"""
    signin_burst: int = Field(10, ge=1)
    """…up to this many at once."""
    upload_rate: float = Field(0.2, gt=0)
    """Evidence uploads per second, per client IP and per signed-in address…"""
    upload_burst: int = Field(10, ge=1)

    commit_margin: int = Field(60, ge=0)
    """A relayed commit's deadline must be at least this many seconds past the chain's time, so
    the relayer has time to send it."""

    token_address: str | None = None
    """The demo payment token `GET /deployment` names beside ETH. Default: the deployment's."""

    verifier_urls: dict[str, str] = {}
    """Where each listing verifier (address -> URL) takes buyers' keys (`fairkey verify`): the
    dApp reads it from `GET /deployment` and the `verify` order action, and the API relays the
    dApp's sealed keys only there (POST /orders/{id}/key-check). JSON in the environment,
    e.g. FAIRKEY_API_VERIFIER_URLS='{"0x9965…": "http://127.0.0.1:8600"}'."""

    key_check_rate: float = Field(0.1, gt=0)
    """Key checks relayed to a verifier (POST /orders/{id}/key-check, and the GET of the verifier
    to seal to) per second and signed-in buyer, in bursts of up to 10."""

    metadata_rate: float = Field(0.5, gt=0)
    """Listing description uploads (PUT /listings/{id}/metadata) per second and client IP…"""
    metadata_burst: int = Field(20, ge=1)

    # The notification stream (GET /notifications/stream).
    notify_poll_s: float = Field(0.25, gt=0)
    """Seconds between two looks at the index head when nothing wakes the streams: SQLite (one
    API process), or PostgreSQL while its LISTEN connection is down."""
    notify_pg_poll_s: float = Field(30.0, gt=0)
    """PostgreSQL with LISTEN up: the safety look, in case a NOTIFY was lost."""
    notify_ping_s: float = Field(15.0, gt=0)
    """Keep-alive comment lines on an idle stream (proxies close silent connections)."""
    notify_ticket_ttl: int = Field(300, ge=10)
    """Seconds a stream ticket (`POST /notifications/ticket`) opens streams for."""
    notify_session_check_s: float = Field(60.0, gt=0)
    """How often an open stream checks its session still holds (sign-out, expiry end it)."""
    notify_page: int = Field(200, ge=1, le=1000)
    """Notifications read from the index at once."""

    @field_validator("rpc_url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("public_url")
    @classmethod
    def _origin(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError(f"{value!r} is not an origin (scheme://host[:port])")
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def domain(self) -> str:
        """The EIP-4361 domain: the public URL's authority (host[:port])."""
        return urlsplit(self.public_url).netloc

    @property
    def data_folder(self) -> Path:
        return self.data_dir or self.home / "api"

    @property
    def store_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_folder / 'api.sqlite3').resolve()}"

    @property
    def index_url(self) -> str:
        return self.index_db_url or f"sqlite:///{(self.home / 'index.sqlite3').resolve()}"

    def _deployment(self) -> dict:
        deployment = self.home / "deployment.json"
        return json.loads(deployment.read_text()) if deployment.exists() else {}

    def token(self) -> str | None:
        """The demo token's address: the setting, else the deployment file's, else None."""
        return self.token_address or self._deployment().get("token") or None

    def deployment_block(self) -> int | None:
        """The escrow's deployment block (where event readers start), from the deployment file;
        None when the file is missing or describes another escrow than the one set."""
        deployment = self._deployment()
        block, deployed = deployment.get("block"), deployment.get("escrow")
        if block is None or not deployed or deployed.lower() != (self.escrow() or "").lower():
            return None
        return int(block)

    def escrow(self) -> str | None:
        """The escrow's address: the setting, else the deployment file's, else None."""
        return self.escrow_address or self._deployment().get("escrow")

    def court(self) -> tuple[str, int]:
        """(court address, first block to search): the settings, else the deployment file."""
        saved = self._deployment()
        address = self.court_address or saved.get("court") or saved.get("arbitrator")
        if not address:
            raise RuntimeError(
                "no court: set FAIRKEY_API_COURT_ADDRESS (or deploy one: "
                f"{self.home / 'deployment.json'} is missing)"
            )
        first = self.court_from_block
        if first is None:
            first = (
                int(saved.get("court_block", saved.get("block", 0)))
                if not self.court_address
                else 0
            )
        return address, first
