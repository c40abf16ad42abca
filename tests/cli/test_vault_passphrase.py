"""A vault command without FAIRKEY_VAULT_PASSPHRASE and without a terminal to ask on says to set
FAIRKEY_VAULT_PASSPHRASE — no Python warning, no bare "Aborted." — in-process and as a real
process with no controlling terminal (as under a service supervisor or in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account
from typer.testing import CliRunner

from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.cli.main import app
from fairkey.vault import Vault
from fairkey.vault.cipher import KdfParams
from tests.cli.conftest import ENV

# No chain is needed: FAIRKEY_PRIVATE_KEY names the account without asking a node.
ACCOUNT = Account.from_key("0x" + "11" * 32)
NO_PASSPHRASE = {**ENV, "FAIRKEY_VAULT_PASSPHRASE": None, "FAIRKEY_PRIVATE_KEY": ACCOUNT.key.hex()}


def _keys(tmp_path: Path) -> Path:
    path = tmp_path / "keys.txt"
    path.write_text("KEY-1-ABCDE\nKEY-2-FGHIJ\n")
    return path


def _vault(home: Path) -> Path:
    path = home / "accounts" / ACCOUNT.address / "vault.sqlite"
    Vault.create(path, "s3cret", kdf=KdfParams(n=1024)).close()
    return path


def _says_set_the_variable(out: str) -> None:
    assert "FAIRKEY_VAULT_PASSPHRASE" in out and "no terminal" in out, out
    assert "Aborted" not in out and "Traceback" not in out, out
    assert "GetPassWarning" not in out and "may be echoed" not in out, out


def test_in_process_without_input(tmp_path):
    home = tmp_path / "home"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["--home", str(home), "stock", "import", str(_keys(tmp_path)), "--supplier", "acme"],
        env=NO_PASSPHRASE,
    )
    assert result.exit_code == 1
    _says_set_the_variable(result.output)
    assert not (home / "accounts" / ACCOUNT.address / "vault.sqlite").exists()

    _vault(home)
    result = runner.invoke(app, ["--home", str(home), "stock", "list"], env=NO_PASSPHRASE)
    assert result.exit_code == 1
    _says_set_the_variable(result.output)


def test_piped_passphrase_still_works(tmp_path):
    home = tmp_path / "home"
    _vault(home)
    result = CliRunner().invoke(
        app, ["--home", str(home), "stock", "list"], env=NO_PASSPHRASE, input="s3cret\n"
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    result = CliRunner().invoke(
        app, ["--home", str(home), "stock", "list"], env=NO_PASSPHRASE, input="guess\n"
    )
    assert result.exit_code == 1 and "wrong vault passphrase" in result.output


def test_a_process_without_a_terminal(tmp_path):
    home = tmp_path / "home"
    _vault(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRKEY_")}
    env.update({k: v for k, v in NO_PASSPHRASE.items() if v is not None})
    for args in (["stock", "list"], ["stock", "import", str(_keys(tmp_path)), "--supplier", "x"]):
        if args[1] == "import":
            (home / "accounts").rename(tmp_path / "moved")  # no vault yet: it would be created
        proc = subprocess.run(
            [sys.executable, "-m", "fairkey.cli.main", "--home", str(home), *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
        )
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        _says_set_the_variable(proc.stdout + proc.stderr)
