"""`fairkey stock import` refusing a file names the flag that exists: --lenient (issue 8, §2)."""

from __future__ import annotations

from eth_account import Account
from typer.testing import CliRunner

from fairkey.cli.main import app


def test_a_refused_import_names_the_lenient_flag_and_the_flag_works(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("AAAA-1111\nBBBB-2222\nAAAA-1111\n")
    env = {
        "FAIRKEY_PRIVATE_KEY": Account.create().key.hex(),  # no node needed to import
        "FAIRKEY_VAULT_PASSPHRASE": "pass phrase",
        "FAIRKEY_VAULT_KDF_N": "1024",
        "FAIRKEY_DEV_ACCOUNT": None,
        "FAIRKEY_HOME": None,
        "COLUMNS": "200",
    }
    argv = ["--home", str(tmp_path / "home"), "stock", "import", str(keys), "--supplier", "acme"]

    refused = CliRunner().invoke(app, argv, env=env)

    assert refused.exit_code == 1, refused.output
    text = " ".join(refused.output.split())  # rich may wrap the line
    assert "line 3: duplicate of line 1" in text
    assert "nothing imported" in text and "--lenient" in text
    assert "strict" not in text  # no such flag
    lenient = CliRunner().invoke(app, [*argv, "--lenient"], env=env)
    assert lenient.exit_code == 0, lenient.output
    assert "imported 2 key(s) as batch 1" in " ".join(lenient.output.split())
