"""One `make up` per data folder: a second one on the same folder is refused before it touches
anything, naming the running instance; busy or clashing ports are refused naming every setting.
Real processes, real Anvil."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fairkey.chain.anvil import free_port
from scripts.up import LOCK_NAME, PORT_SETTINGS
from tests.e2e.make_up import ORDER_ID, ROOT, fairkey, order_status, until

SETTINGS = ["FAIRKEY_HOME", *(s.env for s in PORT_SETTINGS)]


def _run_up(home: Path, ports: dict[str, int], timeout: float = 60) -> subprocess.CompletedProcess:
    """`make up` expected to refuse: it must exit by itself, quickly."""
    env = dict(os.environ, FAIRKEY_HOME=str(home), **{k: str(v) for k, v in ports.items()})
    return subprocess.run(
        [sys.executable, "-m", "scripts.up"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _free_ports() -> dict[str, int]:
    return {s.env: free_port() for s in PORT_SETTINGS}


def _snapshot(home: Path) -> dict[str, tuple]:
    """What a second `make up` would replace, delete or create: (inode, mtime) of the files the
    running one never rewrites, the inode of the databases its services write, and whether the
    chain state (written by Anvil when it stops) exists."""
    stable = ["deployment.json", *(str(p.relative_to(home)) for p in (home / "demo").iterdir())]
    live = ["index.sqlite3", "verifier.sqlite", *map(str, home.glob("accounts/*/vault.sqlite"))]
    shot: dict[str, tuple] = {}
    for name in stable:
        stat = (home / name).stat()
        shot[name] = (stat.st_ino, stat.st_mtime_ns)
    for name in live:
        shot[name] = ((home / name).stat().st_ino,)
    shot["anvil-state.json"] = ((home / "anvil-state.json").exists(),)
    return shot


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _locked(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_one_make_up_per_data_folder_until_the_running_one_has_ended(marketplace):
    """A second `make up` on the running one's folder is refused and changes nothing; once the
    running one is killed (SIGKILL: no cleanup of its own), its Anvil and services get SIGTERM
    from the OS and hold the lock until they are gone: the folder is free exactly when nothing
    uses it."""
    home, port, process, (verifier_port, issuer_port, metrics_port, api_port) = marketplace
    running = (port, verifier_port, issuer_port, metrics_port, api_port)
    info = json.loads((home / LOCK_NAME).read_text())
    assert info["pid"] == process.pid and info["ports"]["FAIRKEY_PORT"] == port
    before = _snapshot(home)

    for ports in (  # the README's default-style retry on the same ports, then the old hint's advice
        {"FAIRKEY_PORT": port, "FAIRKEY_VERIFIER_PORT": verifier_port,
         "FAIRKEY_ISSUER_PORT": issuer_port, "FAIRKEY_METRICS_PORT": metrics_port,
         "FAIRKEY_API_PORT": api_port},
        _free_ports(),
    ):  # fmt: skip
        second = _run_up(home, ports)
        out = second.stdout + second.stderr
        assert second.returncode == 1, out
        assert "Another `make up` is running on the data folder" in out
        assert f"pid {process.pid}" in out and f"kill {process.pid}" in out
        for value in running:
            assert str(value) in out  # the running instance's ports
        assert "Ctrl-C" in out and "FAIRKEY_HOME=" in out and "Nothing was changed" in out
        assert "Traceback" not in out
        for value in ports.values():  # it started nothing on its own ports
            if value not in running:
                assert not _listening(value)

    assert _snapshot(home) == before  # the index was not deleted, the chain not overwritten
    assert json.loads((home / LOCK_NAME).read_text()) == info
    # The running marketplace is unharmed: its bot still delivers.
    order = ORDER_ID.search(fairkey(home, port, 3, "buy", "1")).group(0)
    until(lambda: order_status(home, port, order) == "DELIVERED")

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 30
    while _locked(home / LOCK_NAME):
        assert time.monotonic() < deadline, "the data folder stayed locked after make up died"
        time.sleep(0.2)
    assert [p for p in running if _listening(p)] == []  # the chain and every service ended
    assert (home / "anvil-state.json").exists()  # Anvil stopped cleanly: it saved the chain


_HOLDER = """
import sys, time
from pathlib import Path
from scripts.up import lock_data_folder
lock_data_folder(Path(sys.argv[1]), {"FAIRKEY_PORT": 1111, "FAIRKEY_METRICS_PORT": 2222})
print("locked", flush=True)
time.sleep(120)
"""


def test_the_lock_names_its_holder_and_is_released_when_the_holder_dies(tmp_path):
    home = tmp_path / "data"
    home.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(home)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = _run_up(home, _free_ports())
        assert refused.returncode == 1
        assert f"pid {holder.pid}" in refused.stdout
        assert "1111 (FAIRKEY_PORT)" in refused.stdout
        assert "2222 (FAIRKEY_METRICS_PORT)" in refused.stdout
        assert sorted(p.name for p in home.iterdir()) == [LOCK_NAME]  # nothing else written
    finally:
        holder.kill()
        holder.wait()
    assert not _locked(home / LOCK_NAME)  # released by the OS, without any cleanup


@pytest.mark.parametrize("busy", [s.env for s in PORT_SETTINGS])
def test_a_busy_port_is_refused_before_anything_starts_naming_every_setting(tmp_path, busy):
    ports = _free_ports()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports[busy]))
        squatter.listen()
        done = _run_up(tmp_path / "data", ports)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert f"{ports[busy]} ({busy}) already in use" in out
    for setting in SETTINGS:
        assert f"{setting}=" in out  # the hint names every setting
    example = out.split("e.g.:")[1].splitlines()[1]  # the command line to copy
    suggested = int(re.search(rf"{busy}=(\d+)", example).group(1))
    assert suggested != ports[busy] and example.rstrip().endswith("make up")
    assert "Traceback" not in out
    assert not (tmp_path / "data" / "anvil.log").exists()  # nothing was started


def test_two_settings_on_one_port_are_refused(tmp_path):
    ports = _free_ports()
    ports["FAIRKEY_METRICS_PORT"] = ports["FAIRKEY_VERIFIER_PORT"]
    done = _run_up(tmp_path / "data", ports)
    assert done.returncode == 1
    assert "same port as FAIRKEY_VERIFIER_PORT" in done.stdout
    assert not (tmp_path / "data" / "anvil.log").exists()
