"""Helpers for tests that run the real `make up` (scripts.up) as a child process: start it on its
own data folder and ports, wait for its output, run the real `fairkey` command against it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from fairkey.chain.anvil import dev_accounts
from scripts.up import ANVIL_ACCOUNTS, ROLES

ORDER_ID = re.compile(r"0x[0-9a-fA-F]{40}")

ROOT = Path(__file__).resolve().parents[2]


def start_up(
    home: Path, port: int, verifier_port: int, issuer_port: int, metrics_port: int, api_port: int
) -> subprocess.Popen:
    env = dict(
        os.environ,
        FAIRKEY_HOME=str(home),
        FAIRKEY_PORT=str(port),
        FAIRKEY_VERIFIER_PORT=str(verifier_port),
        FAIRKEY_ISSUER_PORT=str(issuer_port),
        FAIRKEY_METRICS_PORT=str(metrics_port),
        FAIRKEY_API_PORT=str(api_port),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.up"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


# A fresh `make up` compiles nothing but deploys, seeds a merchant and a court case through ~10
# `fairkey` commands and starts eight services: on a loaded 2-core CI machine that can take
# minutes, so the wait is generous (it returns as soon as the marker appears).
STARTUP_TIMEOUT = 360


def wait_for(process: subprocess.Popen, marker: str, timeout: float = STARTUP_TIMEOUT) -> str:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} never appeared:\n{''.join(seen)}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def fairkey(home: Path, port: int, account: int, *args: str) -> str:
    env = dict(os.environ, FAIRKEY_VAULT_PASSPHRASE="demo")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fairkey.cli.main",
            "--home",
            str(home),
            "--rpc",
            f"http://127.0.0.1:{port}",
            "--dev-account",
            str(account),
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def until(predicate, timeout: float = 30.0) -> None:
    """Poll a real service's effect (the bot acts on the next block), bounded in time."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the service did not act in time"
        time.sleep(0.3)


def order_status(home: Path, port: int, order: str) -> str:
    return re.search(r"status\s+(\w+)", fairkey(home, port, 3, "order", "show", order)).group(1)


# A row of `fairkey case show`'s panel table: round, seat, juror.
_PANEL_ROW = re.compile(r"^\W*(\d+)\W+(\d+)\W+(0x[0-9a-fA-F]{40})\b", re.M)


def panel(home: Path, port: int, case_id: int, round_no: int) -> list[int]:
    """The dev accounts seated in the case's round, in seat order, as `fairkey case show` lists
    them (read as the buyer: a party sees the panel)."""
    accounts = {a.address.lower(): n for n, a in enumerate(dev_accounts(ANVIL_ACCOUNTS))}
    shown = fairkey(home, port, ROLES["buyer"], "case", "show", str(case_id))
    rows = sorted((int(r), int(s), a) for r, s, a in _PANEL_ROW.findall(shown))
    return [accounts[a.lower()] for r, _, a in rows if r == round_no]
