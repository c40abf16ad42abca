"""One `make up` per data folder: an flock on make-up.lock that `make up` and every process it
starts hold, so the OS releases it when the last of them ends, however they end. A second
`make up` on a locked folder is refused, names the running one, and changes nothing."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from scripts.up.output import say, shown
from scripts.up.ports import free_ports_after, sibling_home
from scripts.up.settings import PORT_SETTINGS

LOCK_NAME = "make-up.lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_info(path: Path) -> dict:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def lock_data_folder(home: Path, ports: dict[str, int], wait_for_exited: float = 15.0) -> int:
    """Lock `home` for this `make up`; returns the lock's descriptor, to keep open (and to pass to
    every child, so the folder stays locked until the last of them has stopped). Writes who holds
    it into the lock file. When another `make up` holds it: explain, and exit 1, changing
    nothing. The OS releases the lock when its holders end, however they end."""
    path = home / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_for_exited
    while not _try_lock(fd):
        info = _lock_info(path)
        pid = info.get("pid")
        owner_gone = isinstance(pid, int) and not _pid_alive(pid)
        if owner_gone and time.monotonic() < deadline:
            time.sleep(0.2)  # its Anvil is still saving the chain, its services stopping
            continue
        os.close(fd)
        _refuse_locked(home, path, info, owner_gone, ports)
    info = {
        "pid": os.getpid(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "home": str(home),
        "ports": ports,
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info, indent=2) + "\n").encode(), 0)
    return fd


def _refuse_locked(
    home: Path, path: Path, info: dict, owner_gone: bool, mine: dict[str, int]
) -> None:
    pid = info.get("pid") if isinstance(info.get("pid"), int) else None
    ports = info.get("ports") if isinstance(info.get("ports"), dict) else {}
    if owner_gone:
        say(
            f"[red]The data folder {shown(home)} is still held[/red] by processes of a `make up` "
            f"that has exited (pid {pid}); they are stopping. Try again in a moment; `fuser -v "
            f"{shown(path)}` lists them."
        )
        raise SystemExit(1)
    if pid is None:
        who = f"it is starting (its details are not written yet: see {shown(path)})."
    else:
        on = [f"{s.what.split(' (')[0]} on {ports[s.env]} ({s.env})"
              for s in PORT_SETTINGS if s.env in ports]  # fmt: skip
        who = f"pid {pid}, started {info.get('started', '?')}"
        who += f"; {', '.join(on)}." if on else "."
    say(f"[red]Another `make up` is running on the data folder {shown(home)}[/red]: {who}")
    running = {s.env: int(ports.get(s.env, s.default)) for s in PORT_SETTINGS}
    beside = free_ports_after(running, set(running.values()) | set(mine.values()))
    others = " ".join(f"{env}={port}" for env, port in beside.items())
    kill = f", or `kill {pid}`" if pid is not None else ""
    say(
        "Two on one folder would share its chain, index and vault (two bots, two keepers).\n"
        f"  • use the running one: `fairkey --home {shown(home)} --rpc "
        f"http://127.0.0.1:{running['FAIRKEY_PORT']} …`\n"
        f"  • or stop it: Ctrl-C in its terminal{kill}; then run `make up` again\n"
        "  • or start a second marketplace beside it, with its own data folder and ports:\n"
        f"      FAIRKEY_HOME={shown(sibling_home(home))} {others} make up\n"
        "Nothing was changed."
    )
    raise SystemExit(1)
