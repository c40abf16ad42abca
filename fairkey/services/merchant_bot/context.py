"""What the bot's planner and settler both act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fairkey.chain.escrow_client import EscrowClient
from fairkey.merchant.policy import MerchantPolicy
from fairkey.services.alerts import AlertSink
from fairkey.services.merchant_bot.scan import OrderWatch
from fairkey.services.merchant_bot.work import StepReport
from fairkey.vault import Vault


@dataclass(frozen=True)
class BotContext:
    client: EscrowClient  # signs as the merchant
    vault: Vault
    policy: MerchantPolicy
    alerts: AlertSink
    book: OrderWatch  # the watched orders (scan.py)

    def alert(self, report: StepReport, kind: str, message: str, **details: Any) -> None:
        """Raise an alert (log and alerts.jsonl) and count it in the step's report."""
        report.alerts.append(self.alerts.emit(kind, message, **details))
