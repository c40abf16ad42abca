"""Before anything starts: refuse a port given twice or already in use, naming every setting and
a free alternative for each, so a second marketplace beside a running one is one command away."""

from __future__ import annotations

import socket
from pathlib import Path

from scripts.up.output import say, shown
from scripts.up.settings import PORT_SETTINGS, UpSettings


def port_busy(port: int) -> bool:
    """Whether binding the port fails, as it would for the service (which all reuse addresses)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_ports_after(busy: dict[str, int], taken: set[int]) -> dict[str, int]:
    """For each busy setting, the next free port after it (for the hint's example)."""
    chosen = {}
    for env, port in busy.items():
        candidate = port + 1
        while candidate <= 65535 and (candidate in taken or port_busy(candidate)):
            candidate += 1
        chosen[env] = candidate
        taken.add(candidate)
    return chosen


def sibling_home(home: Path) -> Path:
    """A data folder beside `home` that does not exist yet (.fairkey-2, .fairkey-3, …)."""
    n = 2
    while (candidate := home.with_name(f"{home.name}-{n}")).exists():
        n += 1
    return candidate


def _settings_table(settings: UpSettings, marks: dict[str, str]) -> str:
    home = "FAIRKEY_HOME=" + shown(settings.home)
    lines = [f"  {home:<30} data folder (one `make up` per folder)"]
    for setting in PORT_SETTINGS:
        if setting.env not in settings.used_ports:
            continue
        assignment = f"{setting.env}={settings.ports[setting.env]}"
        mark = f"  ← {marks[setting.env]}" if setting.env in marks else ""
        lines.append(f"  {assignment:<30} {setting.what}{mark}")
    return "\n".join(lines)


def check_ports(settings: UpSettings) -> None:
    """Refuse, before anything starts, a port given twice or already in use; name every setting."""
    ports = settings.used_ports
    first_of: dict[int, str] = {}
    shared: dict[str, str] = {}  # a later setting -> the earlier one with the same port
    for env, port in ports.items():
        if port in first_of:
            shared[env] = first_of[port]
        else:
            first_of[port] = env
    busy = {env: port for env, port in ports.items() if env not in shared and port_busy(port)}
    if not shared and not busy:
        return
    marks = {env: "in use" for env in busy}
    marks |= {env: f"same port as {other}" for env, other in shared.items()}
    if busy:
        names = ", ".join(f"{port} ({env})" for env, port in busy.items())
        say(
            f"[red]Port{'s' if len(busy) > 1 else ''} {names} already in use[/red] — by another "
            "`make up` or another program."
        )
    if shared:
        say("[red]Two services would share one port[/red]: each needs its own.")
    fix = free_ports_after(busy | {env: ports[env] for env in shared}, set(ports.values()))
    example = " ".join(f"{env}={port}" for env, port in fix.items())
    beside = ""
    if settings.local:
        beside = (
            "(A second marketplace beside a running one needs its own data folder too, e.g. "
            f"FAIRKEY_HOME={shown(sibling_home(settings.home))}.) "
        )
    say(
        "`make up` uses these settings:\n"
        f"{_settings_table(settings, marks)}\n"
        f"Stop what uses the port, or choose others, e.g.:\n  {example} make up\n"
        f"{beside}Nothing was started."
    )
    raise SystemExit(1)
