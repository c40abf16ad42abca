"""`make up`'s run: lock the data folder, check the ports, then either the demo chain (Anvil,
deploy and seed on first start, resume after) or a network (check the deployment against its
node), start the services, print the summary, and keep everything running until Ctrl-C."""

from __future__ import annotations

import os
import signal
import time

from fairkey.chain.session import http_web3
from scripts.supervisor import Supervisor
from scripts.up.chain import (
    deploy_demo,
    deployment_alive,
    drop_index,
    index_matches_chain,
    local_node,
)
from scripts.up.lock import lock_data_folder
from scripts.up.network import check_network
from scripts.up.output import console, shown
from scripts.up.ports import check_ports
from scripts.up.seed import seed_market
from scripts.up.seed_live import seed_live
from scripts.up.services import StartupError, local_services, network_services, start_all
from scripts.up.settings import UpSettings, settings_or_exit
from scripts.up.summary import print_local, print_network


def _stop_on_signals() -> None:
    """Ctrl-C, `kill` and a closed terminal all end the loop below, which stops the services and
    Anvil (and Anvil saves its state)."""

    def _raise(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, _raise)  # explicit: a background job may inherit SIGINT ignored
    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGHUP, _raise)


def _run_local(settings: UpSettings, lock: int, supervisor: Supervisor) -> object:
    """The demo chain: returns its Anvil node (running)."""
    node = local_node(settings, lock)
    with console.status("starting Anvil…"):
        try:
            node.start()
        except (RuntimeError, TimeoutError) as exc:
            raise StartupError(f"{exc}; see {shown(settings.home / 'anvil.log')}") from None
    w3 = http_web3(node.url)
    deployment = deployment_alive(w3, settings.deployment_file)
    if deployment is None:
        started = time.monotonic()
        with console.status("deploying the escrow and the court…"):
            deployment = deploy_demo(w3, settings.deployment_file)
        drop_index(settings.home)  # an index of the previous chain
        with console.status("seeding the demo market: shops, stock, jurors, orders…"):
            try:
                seed_market(w3, deployment, settings.home, settings.demo)
            except Exception as exc:
                # Half a demo is no demo: the next `make up` deploys and seeds afresh.
                settings.deployment_file.unlink(missing_ok=True)
                raise StartupError(
                    f"seeding the demo market failed ({type(exc).__name__}: {exc}); run "
                    "`make up` again to start over"
                ) from exc
        console.print(f"deployed and seeded the demo market in {time.monotonic() - started:.1f}s")
    else:
        console.print("[green]resumed the saved marketplace[/green]")
        if not index_matches_chain(w3, deployment, settings.home):
            console.print("the saved index is ahead of the saved chain: rebuilding it")
            drop_index(settings.home)
    with console.status("starting the issuer simulator, verifier, bot, keeper, indexer, API…"):
        start_all(settings, supervisor, local_services(settings))
    with console.status("publishing the demo listings, checking a disputed key…"):
        seed_live(w3, deployment, settings)
    print_local(settings, deployment)
    return node


def _run_network(settings: UpSettings, supervisor: Supervisor) -> None:
    deployment = check_network(settings)
    plan = network_services(settings)
    with console.status(f"starting {', '.join(s.name for s in plan.services)}…"):
        start_all(settings, supervisor, plan.services)
    print_network(settings, deployment, plan)


def main() -> None:
    _stop_on_signals()
    settings = settings_or_exit()
    settings.home.mkdir(parents=True, exist_ok=True)
    # Refuses (changing nothing) if another make up runs on this folder.
    lock = lock_data_folder(settings.home, settings.used_ports)
    check_ports(settings)
    logs = shown(settings.logs)
    # Every child holds the lock too, so the folder stays locked until the last one has stopped,
    # and gets SIGTERM if this process is killed.
    supervisor = Supervisor(settings.logs, pass_fds=(lock,), die_with_parent=True)
    node = None
    code = 0
    try:
        if settings.local:
            node = _run_local(settings, lock, supervisor)
        else:
            _run_network(settings, supervisor)
        chain_up = node is None or (node.process and node.process.poll() is None)
        while chain_up and not supervisor.failed():
            time.sleep(0.5)
            for service, exit_code in supervisor.revive():
                console.print(
                    f"[yellow]{service.name} exited (code {exit_code}); restarted[/yellow] — see "
                    f"{logs}/{service.name}.log"
                )
            chain_up = node is None or (node.process and node.process.poll() is None)
        for service in supervisor.failed():
            console.print(
                f"[red]{service.name} keeps stopping[/red] (restarted {len(service.restarts)} "
                f"times in a minute); see {logs}/{service.name}.log"
            )
            code = 1
        if not chain_up:
            console.print(
                f"[red]Anvil stopped unexpectedly[/red]; see {shown(settings.home / 'anvil.log')}"
            )
            code = 1
    except KeyboardInterrupt:
        console.print("stopping…")
    except StartupError as exc:
        console.print(f"[red]{exc}[/red]")
        code = 1
    finally:
        supervisor.stop_all()
        if node is not None:
            node.stop()
        os.close(lock)
    if code:
        raise SystemExit(code)
