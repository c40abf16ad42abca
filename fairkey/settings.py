"""Where the `fairkey` command finds its chain, its data folder and its signing key.

Every setting comes from the environment (prefix ``FAIRKEY_``) or a command-line option, which
wins. Secrets (private key, vault passphrase) are kept as ``SecretStr`` so they never show up in
a repr, a log line or a traceback.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CHAIN_ID = 31337  # Anvil / Hardhat: the only chains where the public dev mnemonic is allowed


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAIRKEY_", env_ignore_empty=True, extra="ignore")

    rpc_url: str = "http://127.0.0.1:8545"
    """JSON-RPC endpoint of the chain node (FAIRKEY_RPC_URL)."""

    home: Path = Path(".fairkey")
    """Data folder: `deployment.json` (written by `make up`) and `accounts/<address>/`."""

    private_key: SecretStr | None = None
    """Hex private key of the account that signs (FAIRKEY_PRIVATE_KEY)."""

    deployer_key: SecretStr | None = None
    """Hex private key that `fairkey deploy` signs with and that owns the escrow
    (FAIRKEY_DEPLOYER_KEY); unset: the signing account above."""

    dev_account: int | None = Field(default=None, ge=0, le=1000)
    """Sign as Anvil's dev-mnemonic account N instead (chain id 31337 only)."""

    index_db_url: str | None = None
    """Database of `fairkey index` (FAIRKEY_INDEX_DB_URL); default SQLite in the data folder."""

    vault_passphrase: SecretStr | None = None
    """Passphrase of the merchant's key vault; asked with hidden input when unset."""

    vault_kdf_n: int | None = None
    """FOR TESTS ONLY: scrypt cost N of a newly created vault (default 2**15). A low N makes the
    vault passphrase cheap to brute-force; never set it for a real vault (FAIRKEY_VAULT_KDF_N)."""

    @field_validator("vault_kdf_n")
    @classmethod
    def _power_of_two(cls, value: int | None) -> int | None:
        if value is not None and (value < 2 or value & (value - 1)):
            raise ValueError("must be a power of two greater than 1 (scrypt's N)")
        return value

    @field_validator("rpc_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @property
    def deployment_file(self) -> Path:
        return self.home / "deployment.json"

    def index_db(self, override: str | None = None) -> str:
        """The index database: `--db`, else FAIRKEY_INDEX_DB_URL, else SQLite in the data folder."""
        if override:
            return override
        if self.index_db_url:
            return self.index_db_url
        return f"sqlite:///{(self.home / 'index.sqlite3').resolve()}"

    def account_dir(self, address: str) -> Path:
        return self.home / "accounts" / address
