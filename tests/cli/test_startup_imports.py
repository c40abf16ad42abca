"""The `fairkey` command starts without the heavy parts it does not use: every CLI run (and every
subprocess of the e2e tests) would pay for them. The database side (SQLAlchemy, alembic, the
indexer, prometheus_client, the vault's tables) is imported only by the commands that open a
vault or an index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.chain.deploy import Deployment

# Top-level packages that only the vault and index commands need.
HEAVY = ("sqlalchemy", "alembic", "indexer", "prometheus_client")
# The vault's tables and importer (fairkey.vault.errors alone is fine: error messages use it).
VAULT_TABLES = ("fairkey.vault.vault", "fairkey.vault.models", "fairkey.vault.importer")

ADDRESS = "0x" + "11" * 20  # no contract needed: nothing below calls the node

# Runs the real app on its arguments, then prints every module the interpreter imported.
PROBE = """
import json, sys
from fairkey.cli.main import app
try:
    app(sys.argv[1:], prog_name="fairkey")
except SystemExit:
    pass
print("MODULES=" + json.dumps(sorted(sys.modules)))
"""


def imported_by(home: Path, *argv: str) -> set[str]:
    """The modules a fresh interpreter holds after `fairkey --home HOME ARGV…` ran in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRKEY_")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "--home", str(home), *argv],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES=")))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in VAULT_TABLES)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["index", "--help"],
        ["index", "show", "--help"],
        ["order", "list", "--help"],
        ["stock", "--help"],
        ["merchant", "run", "--help"],
        ["case", "show", "--help"],
    ],
    ids=" ".join,
)
def test_help_imports_no_database_code(tmp_path: Path, argv: list[str]) -> None:
    modules = imported_by(tmp_path, *argv)
    assert "fairkey.cli.main" in modules  # the probe did run the app
    assert heavy_in(modules) == []


def test_a_command_that_opens_the_index_imports_it(tmp_path: Path) -> None:
    """The probe sees what a command imports when it runs, so the test above can fail:
    `index status` (which works with the node down) opens the index database."""
    Deployment(chain_id=31337, escrow=ADDRESS, arbitrator=ADDRESS, token="", block=0).save(
        tmp_path / "deployment.json"
    )
    modules = imported_by(tmp_path, "--rpc", "http://127.0.0.1:9", "index", "status")
    assert {"sqlalchemy", "indexer.ingest"} <= set(heavy_in(modules))
    assert (tmp_path / "index.sqlite3").exists()  # it did run, and created the index
