"""Running the bot until it is stopped (`fairkey merchant run`, fairkey/cli/merchant_cmd.py)."""

from __future__ import annotations

import logging
import sys

from fairkey.services.merchant_bot.bot import MerchantBot
from fairkey.services.runner import run_loop

log = logging.getLogger("fairkey.merchant_bot")


def run_bot(bot: MerchantBot, *, interval: float, once: bool = False) -> int:
    """Step every `interval` seconds until SIGTERM/SIGINT (services/runner.py); the exit code."""
    log.info(
        "merchant bot for %s: %g s interval, scanning from block %d",
        bot.address,
        interval,
        bot.from_block,
    )
    try:
        return run_loop(bot.step, interval=interval, once=once, log=log)
    finally:
        bot.close()


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("web3", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
