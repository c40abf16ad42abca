"""The real bot process, SIGKILLed at random points while orders pour in, restarted each time:
every order still ends delivered exactly once, each key in at most one order — with the bursts
paid while it was down delivered in deliverMany batches, so the kills land between sending a
batch and recording it too (the same cases, step by step: test_delivery_batches.py)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.chain.types import OrderStatus
from fairkey.vault import UnitState
from tests.services.conftest import KDF_N, PASSPHRASE

ORDERS = 30
KILLS = 4


class BotProcess:
    def __init__(self, home: Path, rpc: str, log: Path) -> None:
        self.home, self.rpc, self.log = home, rpc, log
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = dict(
            os.environ,
            FAIRKEY_VAULT_PASSPHRASE=PASSPHRASE,
            FAIRKEY_VAULT_KDF_N=str(KDF_N),
            FAIRKEY_PRIVATE_KEY="",
            FAIRKEY_DEV_ACCOUNT="",
        )
        with self.log.open("ab") as out:
            out.write(f"---- start {self.starts}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fairkey.cli.main",  # `fairkey merchant run`
                    "--home",
                    str(self.home),
                    "--rpc",
                    self.rpc,
                    "--dev-account",
                    "2",
                    "merchant",
                    "run",
                    "--interval",
                    "0.1",
                ],  # fmt: skip
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Until this run has logged its start line (imports and vault open are done)."""
        marker = f"---- start {self.starts}\n"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            if "merchant bot for" in text.rsplit(marker, 1)[-1]:
                return
            assert self.proc.poll() is None, f"bot exited early:\n{text[-3000:]}"
            time.sleep(0.02)
        raise TimeoutError("the bot did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)

    def ensure_dead(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def test_sigkill_at_random_points_never_double_delivers(make_shop, market, tmp_path):
    shop = make_shop(stock=ORDERS + 5)
    rng = random.Random(20261123)
    bot = BotProcess(shop.home, market.w3.provider.endpoint_uri, tmp_path / "bot.log")
    orders: list[int] = []
    try:
        for round_no in range(KILLS):
            if round_no % 2 == 0:
                # A burst paid while the bot is down; it dies somewhere in the middle of it.
                orders += shop.pay(ORDERS // KILLS)
                bot.start()
                bot.wait_ready()
            else:
                # Orders arrive one by one while the bot runs.
                bot.start()
                bot.wait_ready()
                orders += shop.pay(ORDERS // KILLS)
            time.sleep(rng.uniform(0.0, 0.3))
            bot.kill()
        bot.start()
        orders += shop.pay(ORDERS - len(orders))
        bot.wait_ready()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(shop.status(o) is not OrderStatus.PAID for o in orders) and (
                shop.counts()[UnitState.assigned] == 0
            ):
                break
            time.sleep(0.1)
        assert bot.stop() == 0  # SIGTERM: clean stop
    finally:
        bot.ensure_dead()
    log = bot.log.read_text(errors="replace")

    assert len(orders) == ORDERS
    for order_id in orders:
        order = shop.client.order(order_id)
        assert order.status is OrderStatus.DELIVERED, log[-3000:]
        assert order.deliveries == 1
    delivered = shop.client.events("KeyDelivered", 0)
    assert sorted(e.args["orderId"] for e in delivered) == sorted(orders)  # one each
    assert len({e.args["fingerprint"] for e in delivered}) == ORDERS
    batches = {e.tx_hash for e in delivered}
    assert len(batches) < ORDERS - ORDERS // KILLS  # a burst paid while it was down: one batch
    counts = shop.counts()
    assert counts[UnitState.delivered] == ORDERS
    assert counts[UnitState.assigned] == 0 and counts[UnitState.unsold] == 5
    assert "Traceback" not in log
    assert log.count("---- start") == KILLS + 1
