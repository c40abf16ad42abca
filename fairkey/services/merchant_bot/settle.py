"""What became of a step's transactions: a receipt that succeeded is counted and the vault
follows; a revert is checked against the order on chain (an earlier transaction, sent before a
crash, may have done the job); a failure is retried, then reported."""

from __future__ import annotations

import logging
from typing import Any

from web3.exceptions import TimeExhausted

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import Order, order_ref
from fairkey.merchant import decisions
from fairkey.merchant.decisions import AfterFailure
from fairkey.merchant.vault_sync import follow_order
from fairkey.services.merchant_bot.context import BotContext
from fairkey.services.merchant_bot.send import RECEIPT_TIMEOUT, Sender, web3_fn
from fairkey.services.merchant_bot.work import Action, StepReport
from fairkey.vault import Vault

log = logging.getLogger("fairkey.merchant_bot")


def close_in_vault(vault: Vault, order_id: int, order: Order) -> None:
    """The order waits for no delivery any more: the vault follows it (vault_sync.follow_order),
    and says so when its reserved key is back on sale."""
    if follow_order(vault, order_id, order.deliveries):
        log.info(
            "order %s: %s; its reserved key is back on sale",
            order_ref(order_id),
            order.status.name,
        )


class Settler:
    def __init__(self, ctx: BotContext, sender: Sender) -> None:
        self.ctx = ctx
        self.sender = sender

    def settle(
        self, action: Action, receipt: Any, report: StepReport, delivered: list[int]
    ) -> None:
        """`action`'s outcome (its receipt, or waited for): counted in `report`; the orders
        whose delivery landed are added to `delivered` (the vault marks them in one go)."""
        order_id, ref = action.order_id, order_ref(action.order_id)
        if action.tx_hash is None:
            self.failed(order_id, action.kind, action.error or "not sent", report)
            return
        try:
            receipt = receipt or self.sender.wait(action.tx_hash)
        except TimeExhausted:
            # Not mined yet: the order stays watched; if it lands later, a re-sent transaction
            # reverts and the revert check below sees the delivery on chain.
            self.sender.resync()
            log.warning(
                "order %s: %s tx 0x%s not mined after %.0fs; will check again",
                ref,
                action.kind,
                action.tx_hash.hex(),
                RECEIPT_TIMEOUT,
            )
            return
        if receipt["status"] == 1:
            self._succeeded(action, receipt, report, delivered)
            return
        # Reverted: maybe an earlier transaction (sent before a crash) already did the job.
        order = self.ctx.client.order(order_id)
        if decisions.already_done(action.kind, order, delivery_no=action.delivery_no):
            report.caught_up += 1
            log.info(
                "order %s: %s already on chain (earlier transaction); status %s",
                ref,
                action.kind,
                order.status.name,
            )
            if order.deliveries or order.status.terminal:
                close_in_vault(self.ctx.vault, order_id, order)
            self.ctx.book.watch.discard(order_id)
            return
        self.failed(order_id, action.kind, self._revert_reason(action), report)

    def _revert_reason(self, action: Action) -> str:
        try:
            self.ctx.client.session.call(web3_fn(self.ctx.client, action.call))
        except ContractRevert as exc:
            return f"reverted: {exc}"
        except Exception as exc:  # noqa: BLE001 - only for the log line
            return f"reverted ({type(exc).__name__})"
        return "reverted (passes now; will retry)"

    def _succeeded(
        self, action: Action, receipt: Any, report: StepReport, delivered: list[int]
    ) -> None:
        order_id, ref, tx = action.order_id, order_ref(action.order_id), receipt["transactionHash"]
        self.ctx.book.orders[order_id].attempts = 0
        self.ctx.book.watch.discard(order_id)
        if action.kind in ("deliver", "replace"):
            delivered.append(order_id)
            unit = action.unit
            if action.kind == "deliver":
                report.delivered += 1
            else:
                report.replaced += 1
            log.info(
                "order %s: %s key %d of batch %d (delivery %d; %s) tx %s",
                ref,
                "delivered" if action.kind == "deliver" else "replaced with",
                unit.index,
                unit.batch_id,
                action.delivery_no,
                action.why,
                tx.hex(),
            )
        elif action.kind == "refund":
            report.refunded += 1
            close_in_vault(self.ctx.vault, order_id, self.ctx.client.order(order_id))
            log.info("order %s: refunded (%s) tx %s", ref, action.why, tx.hex())
        else:
            report.contested += 1
            log.info("order %s: contested in court (%s) tx %s", ref, action.why, tx.hex())

    def failed(self, order_id: int, kind: str, reason: str, report: StepReport) -> None:
        """The order's `kind` transaction failed (or could not be prepared): retried in the next
        steps, then reported (decisions.after_failure)."""
        tracked = self.ctx.book.orders[order_id]
        tracked.attempts += 1
        report.failed += 1
        ref = order_ref(order_id)
        most = self.ctx.policy.max_attempts
        then = decisions.after_failure(
            tracked.attempts, most, answering_dispute=tracked.answer_by is not None
        )
        if then is AfterFailure.RETRY:
            log.error(
                "order %s: %s failed (attempt %d of %d), will retry: %s",
                ref,
                kind,
                tracked.attempts,
                most,
                reason,
            )
            return
        if then is AfterFailure.KEEP_QUIET:
            return
        if then is AfterFailure.GIVE_UP:
            self.ctx.book.watch.discard(order_id)
            what = ", giving up until the next event or restart"
        else:
            # A dispute's answer: keep trying until the deadline (as a refund once it is due).
            what = "; the bot keeps answering the dispute until its deadline"
        self.ctx.alert(
            report,
            "action-failed",
            f"order {ref}: {kind} failed {tracked.attempts} time(s){what}: {reason}",
            order=ref,
            action=kind,
            reason=reason,
        )
