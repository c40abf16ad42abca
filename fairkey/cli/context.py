"""Settings -> chain session, deployment, signing account, escrow client, vault, order book.

Everything is built on first use, so `--help` and offline commands never touch the node.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount

from fairkey.chain.anvil import dev_accounts
from fairkey.chain.deploy import Deployment
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.cli.errors import CliError
from fairkey.cli.order_book import OrderBook
from fairkey.cli.tokens import TokenBook
from fairkey.settings import DEV_CHAIN_ID, Settings

if TYPE_CHECKING:
    from fairkey.vault import Vault


@dataclass
class AppState:
    settings: Settings
    debug: bool = False
    _vault: Vault | None = field(default=None, init=False)

    # ------------------------------------------------------------------ chain

    @cached_property
    def session(self) -> ChainSession:
        """Read-only connection (raises requests.ConnectionError if the node is down)."""
        return ChainSession.connect(self.settings.rpc_url)

    @cached_property
    def deployment(self) -> Deployment:
        path = self.settings.deployment_file
        if not path.exists():
            raise CliError(
                f"no deployment at {path}: run `make up` (local chain), or point --home at the "
                "data folder that holds deployment.json"
            )
        deployment = Deployment.load(path)
        chain_id = self.session.chain_id
        if deployment.chain_id != chain_id:
            raise CliError(
                f"{path} is for chain {deployment.chain_id}, but the node at "
                f"{self.settings.rpc_url} is chain {chain_id}"
            )
        if not self.session.w3.eth.get_code(deployment.escrow):
            raise CliError(
                f"no escrow contract at {deployment.escrow} on the chain at "
                f"{self.settings.rpc_url} (was the chain restarted without its state?)"
            )
        return deployment

    @cached_property
    def maybe_account(self) -> LocalAccount | None:
        """The signing account, or None when none is configured."""
        s = self.settings
        if s.dev_account is not None:
            if self.session.chain_id != DEV_CHAIN_ID:
                raise CliError(
                    f"--dev-account is only allowed on a local dev chain (chain id {DEV_CHAIN_ID});"
                    f" this node is chain {self.session.chain_id}: use FAIRKEY_PRIVATE_KEY"
                )
            return dev_accounts(s.dev_account + 1)[s.dev_account]
        if s.private_key is not None:
            try:
                return Account.from_key(s.private_key.get_secret_value().strip())
            except (ValueError, TypeError):
                raise CliError("FAIRKEY_PRIVATE_KEY is not a valid private key") from None
        return None

    @property
    def account(self) -> LocalAccount:
        account = self.maybe_account
        if account is None:
            raise CliError(
                "no account to sign with: set FAIRKEY_PRIVATE_KEY, or pass --dev-account N on a "
                "local chain"
            )
        return account

    @cached_property
    def reader(self) -> EscrowClient:
        """The escrow, for views (signs nothing)."""
        return EscrowClient(self.session, self.deployment.escrow, self.deployment.block)

    @cached_property
    def client(self) -> EscrowClient:
        """The escrow, signing as the configured account."""
        return self.reader.as_account(self.account)

    @cached_property
    def tokens(self) -> TokenBook:
        return TokenBook(self.session, self.deployment.token)

    def chain_now(self) -> int:
        return self.session.w3.eth.get_block("latest")["timestamp"]

    # ------------------------------------------------------------------ local data

    @property
    def account_dir(self) -> Path:
        return self.settings.account_dir(self.account.address)

    @property
    def order_book(self) -> OrderBook:
        return OrderBook(self.account_dir / "orders.json")

    def _passphrase(self, creating: bool) -> str:
        """FAIRKEY_VAULT_PASSPHRASE; else asked at the terminal (hidden, twice for a new vault);
        else, when stdin is not a terminal, its first line (a second line, if any, must match
        for a new vault). Nothing to read is a message naming FAIRKEY_VAULT_PASSPHRASE, never a
        Python warning and "Aborted."."""
        if self.settings.vault_passphrase is not None:
            return self.settings.vault_passphrase.get_secret_value()
        if _at_a_terminal():
            if creating:
                return typer.prompt(
                    "new vault passphrase", hide_input=True, confirmation_prompt=True, err=True
                )
            return typer.prompt("vault passphrase", hide_input=True, err=True)
        first = _stdin_line()
        if not first:
            raise CliError(
                "the key vault needs its passphrase and there is no terminal to ask it on "
                "(stdin is not a terminal and gave no line): set FAIRKEY_VAULT_PASSPHRASE in "
                "the environment (`export FAIRKEY_VAULT_PASSPHRASE=…`, or the service's "
                "environment)"
            )
        if creating:
            again = _stdin_line()
            if again and again != first:
                raise CliError(
                    "the two passphrase lines on stdin differ: nothing created (or set "
                    "FAIRKEY_VAULT_PASSPHRASE)"
                )
        return first

    def vault(self, *, create: bool = False) -> Vault:
        """The merchant's vault for this account (`create`: make it on first use)."""
        if self._vault is None:
            # Imported here: the vault brings SQLAlchemy, which commands without one never need.
            from fairkey.vault import Vault
            from fairkey.vault.cipher import KdfParams

            path = self.account_dir / "vault.sqlite"
            if path.exists():
                self._vault = Vault.open(path, self._passphrase(False))
            elif create:
                n = self.settings.vault_kdf_n
                kdf = KdfParams(n=n) if n else None
                self._vault = Vault.create(path, self._passphrase(True), kdf=kdf)
                typer.echo(f"created a new key vault at {path}", err=True)
            else:
                raise CliError(
                    f"no key vault for {self.account.address} at {path}: import stock first "
                    "(`fairkey stock import FILE --supplier NAME`)"
                )
        return self._vault

    def has_vault(self) -> bool:
        return (self.account_dir / "vault.sqlite").exists()

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None


def _at_a_terminal() -> bool:
    """Whether stdin is a terminal (where a hidden prompt can be answered)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdin
        return False


def _stdin_line() -> str:
    """The next line of a non-terminal stdin without its line break ("" at its end)."""
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):
        return ""
    return line.rstrip("\r\n")


def state(ctx: typer.Context) -> AppState:
    """The current command's state (set up by the app callback)."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):  # pragma: no cover - the callback always sets it
        raise RuntimeError("fairkey command run without its app callback")
    return obj
