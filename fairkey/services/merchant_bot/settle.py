"""What became of a step's transactions: a receipt that succeeded is counted and the vault
follows; a revert is checked against the order on chain (an earlier transaction, sent before a
crash, may have done the job); a failure is retried, then reported.

A deliverMany succeeds as a whole and reports each item it skipped (BatchItemRefused, with the
error `deliver` would have reverted with). A skipped item is read again from the chain and
decided by `decisions.delivery_refused`: delivered already (an earlier batch landed first, e.g.
sent before a restart) is caught up; refunded first, its unit goes back on sale; refused for the
unit's own sake (used, its key delivered from an older batch, the batch exhausted), the unit is
marked dead in the vault, alerted, and the order gets another unit next step; anything else is a
failed attempt like a revert. A single `deliver` that reverts is decided the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from web3.exceptions import TimeExhausted

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import Order, order_ref
from fairkey.merchant import decisions
from fairkey.merchant.decisions import AfterFailure, Refusal
from fairkey.merchant.vault_sync import follow_order, follow_revoked_roots
from fairkey.services.merchant_bot.context import BotContext
from fairkey.services.merchant_bot.rpc import read_orders, refusals_in
from fairkey.services.merchant_bot.send import RECEIPT_TIMEOUT, Sender, web3_fn
from fairkey.services.merchant_bot.work import Action, StepReport, Tx
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

    def settle(self, tx: Tx, receipt: Any, report: StepReport, delivered: list[int]) -> None:
        """`tx`'s outcome (its receipt, or waited for): counted in `report`; the orders whose
        delivery landed are added to `delivered` (the vault marks them in one go)."""
        if tx.tx_hash is None:
            for action in tx.actions:
                self.failed(action.order_id, action.kind, tx.error or "not sent", report)
            return
        try:
            receipt = receipt or self.sender.wait(tx.tx_hash)
        except TimeExhausted:
            # Not mined yet: the orders stay watched; if it lands later, what is sent again is
            # refused (or reverts) and the checks below see the work done on chain.
            self.sender.resync()
            log.warning(
                "order %s: %s tx 0x%s not mined after %.0fs; will check again",
                order_ref(tx.actions[0].order_id),
                tx.label,
                tx.tx_hash.hex(),
                RECEIPT_TIMEOUT,
            )
            return
        if receipt["status"] != 1:
            self._reverted(tx, report)
            return
        refused = refusals_in(self.ctx.client, receipt.get("logs", ())) if tx.batch else {}
        orders = self._read(list(refused))
        for action in tx.actions:
            if action.order_id in refused:
                order = orders.get(action.order_id) or self.ctx.client.order(action.order_id)
                self._refused(action, refused[action.order_id], order, report, "refused")
            else:
                self._succeeded(action, receipt, report, delivered)
        if tx.batch:
            log.info(
                "%s: %d delivered, %d refused, tx %s",
                tx.label,
                len(tx.actions) - len(refused),
                len(refused),
                receipt["transactionHash"].hex(),
            )

    def _read(self, order_ids: list[int]) -> dict[int, Order]:
        try:
            return read_orders(self.ctx.client, order_ids)
        except Exception:  # noqa: BLE001 - a failed batch: read one by one by the caller
            return {}

    # ------------------------------------------------------------------ reverts and refusals

    def _reverted(self, tx: Tx, report: StepReport) -> None:
        """The whole transaction reverted. Maybe an earlier transaction (sent before a crash)
        already did the job; a deliverMany reverting as a whole (it never should: items are
        refused one by one) sends its orders alone from now on."""
        replayed: tuple[ContractRevert | None, str] | None = None
        for action in tx.actions:
            order_id, ref = action.order_id, order_ref(action.order_id)
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
                continue
            if replayed is None:
                replayed = self._replay(tx)
            exc, reason = replayed
            if tx.batch:
                self.ctx.book.orders[order_id].alone = True
                self.failed(
                    order_id, action.kind, f"{tx.label} {reason}; sent alone from now on", report
                )
            elif action.kind == "deliver" and exc is not None:
                self._refused(action, exc, order, report, "reverted")
            else:
                self.failed(order_id, action.kind, reason, report)

    def _replay(self, tx: Tx) -> tuple[ContractRevert | None, str]:
        """The reverted call replayed on the latest state: the named error and a reason."""
        try:
            self.ctx.client.session.call(web3_fn(self.ctx.client, tx.call))
        except ContractRevert as exc:
            return exc, f"reverted: {exc}"
        except Exception as exc:  # noqa: BLE001 - only for the log line
            return None, f"reverted ({type(exc).__name__})"
        return None, "reverted (passes now; will retry)"

    def _refused(
        self, action: Action, exc: ContractRevert, order: Order, report: StepReport, how: str
    ) -> None:
        """The escrow refused the order's first delivery (`exc`); `order` as the chain has it."""
        order_id, ref = action.order_id, order_ref(action.order_id)
        outcome = decisions.delivery_refused(exc, order)
        if outcome is Refusal.DONE:
            report.caught_up += 1
            log.info(
                "order %s: already delivered on chain (earlier transaction); status %s",
                ref,
                order.status.name,
            )
            close_in_vault(self.ctx.vault, order_id, order)
            self.ctx.book.watch.discard(order_id)
        elif outcome is Refusal.CLOSED:
            report.failed += 1
            log.warning(
                "order %s: %s before its delivery landed (%s: %s)",
                ref,
                order.status.name,
                how,
                exc,
            )
            close_in_vault(self.ctx.vault, order_id, order)
            self.ctx.book.watch.discard(order_id)
        elif outcome is Refusal.DEAD_UNIT:
            self._dead_unit(action, exc, report)
        else:
            self.failed(order_id, action.kind, f"{how}: {exc}", report)

    def _dead_unit(self, action: Action, exc: ContractRevert, report: StepReport) -> None:
        """The escrow refuses the unit itself: dead in the vault (after following the batch's
        revocation on chain, when that is the reason); the order stays watched and gets another
        unit next step. Not an attempt against the order: the order is fine, the unit was not."""
        unit, ref = action.unit, order_ref(action.order_id)
        assert unit is not None
        vault = self.ctx.vault
        if exc.name == "EscrowBatchRevoked":
            follow_revoked_roots(self.ctx.client, vault, {unit.root})
        vault.mark_dead(action.order_id, unit.fingerprint)
        report.failed += 1
        report.dead_units += 1
        self.ctx.alert(
            report,
            "dead-unit",
            f"order {ref}: the escrow refused key {unit.index} of batch {unit.batch_id} "
            f"({exc}): marked dead in the vault; the order gets another key",
            order=ref,
            batch=unit.batch_id,
            index=unit.index,
            reason=str(exc),
        )

    # ------------------------------------------------------------------ success

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
