"""What the bot does for one watched order this step: the merchant's decisions
(fairkey/merchant/decisions.py) turned into an action (its call; first deliveries are then
packed into deliverMany transactions, pack.py), with the unit from the vault
(fairkey/merchant/units.py), the bot's alerts and its log lines."""

from __future__ import annotations

import logging
from typing import Any

from web3 import Web3

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import Listing, Order, OrderStatus, order_ref
from fairkey.flows.merchant import seal_unit
from fairkey.merchant import decisions
from fairkey.merchant.policy import DisputeAnswer, VerdictAnswer
from fairkey.merchant.units import first_unit, replacement_unit, revoked_batches
from fairkey.merchant.vault_sync import follow_order
from fairkey.services.merchant_bot.context import BotContext
from fairkey.services.merchant_bot.send import web3_fn
from fairkey.services.merchant_bot.settle import close_in_vault
from fairkey.services.merchant_bot.verifier import VerifierAnswers
from fairkey.services.merchant_bot.work import GAS, Action, AnswerFailed, StepReport
from fairkey.vault import AssignedUnit, OutOfStockError, VaultError

log = logging.getLogger("fairkey.merchant_bot")


class Planner:
    def __init__(self, ctx: BotContext, verifier: VerifierAnswers | None) -> None:
        self.ctx = ctx
        self.verifier = verifier
        self._listings: dict[int, Listing] = {}
        self._preassigned: dict[int, AssignedUnit | VaultError] = {}
        self._revoked: set[int] | None = None
        self._court: bool | None = None

    def new_step(self) -> None:
        """Forget what was read in the last step (listings, revoked batches, the court)."""
        self._listings = {}
        self._revoked = None
        self._court = None

    def listing(self, listing_id: int) -> Listing:
        """The listing as read once this step."""
        if listing_id not in self._listings:
            self._listings[listing_id] = self.ctx.client.listing(listing_id)
        return self._listings[listing_id]

    def has_court(self) -> bool:
        """Whether the escrow has an arbitrator to contest in (read once per step)."""
        if self._court is None:
            court = self.ctx.client.session.call(self.ctx.client.f.arbitrator())
            self._court = int(court, 16) != 0 if isinstance(court, str) else bool(court)
        return self._court

    def preassign(self, orders: dict[int, Order], now: int) -> None:
        """Units for every paid order of this step, one vault transaction per listing (the same
        exactly-once assignment as one by one: a repeated order gets its unit back)."""
        paid: dict[int, list[int]] = {}
        for order_id, order in orders.items():
            if order.status is OrderStatus.PAID and decisions.in_time(order, now):
                paid.setdefault(self.ctx.book.orders[order_id].listing_id, []).append(order_id)
        self._preassigned = {}
        for listing_id, order_ids in paid.items():
            self._preassigned.update(self.ctx.vault.assign_units(listing_id, order_ids))

    # ------------------------------------------------------------------ per status

    def plan(
        self, order_id: int, now: int, order: Order | None, report: StepReport
    ) -> Action | None:
        """The transaction the order needs now (None: nothing; it may leave the watch list)."""
        tracked = self.ctx.book.orders[order_id]
        order = order or self.ctx.client.order(order_id)
        status = order.status
        tracked.answer_by = None  # set again by _disputed while a dispute waits for its answer
        if status is OrderStatus.PAID:
            return self._paid(order_id, order, now, report)
        if status is OrderStatus.DELIVERED:
            follow_order(self.ctx.vault, order_id, order.deliveries)
            report.caught_up += 1
            self.ctx.book.watch.discard(order_id)
            return None
        if status is OrderStatus.DISPUTED:
            if not decisions.in_time(order, now):
                ref = order_ref(order_id)
                self.ctx.alerts.emit(
                    "missed-deadline",
                    f"order {ref}: the response window passed before an answer",
                    order=ref,
                )
                self.ctx.book.watch.discard(order_id)
                return None
            return self._disputed(order_id, order, now, report)
        if status is OrderStatus.VERIFIER_REFUND_PENDING:
            return self._verdict(order_id, order, now)
        # Arbitrating or finished: nothing to send; keep the vault in line with the chain.
        if status.terminal:
            close_in_vault(self.ctx.vault, order_id, order)
        self.ctx.book.watch.discard(order_id)
        return None

    def _paid(self, order_id: int, order: Order, now: int, report: StepReport) -> Action | None:
        tracked = self.ctx.book.orders[order_id]
        if not decisions.in_time(order, now):
            return self._refund(order_id, "the delivery deadline passed")
        try:
            unit = self._first_unit(tracked.listing_id, order_id)
        except OutOfStockError:
            ref = order_ref(order_id)
            self.ctx.alert(
                report,
                "out-of-stock",
                f"order {ref}: paid, but the vault has no key for listing "
                f"{tracked.listing_id}: refunding (import and commit more stock)",
                order=ref,
                listing=tracked.listing_id,
            )
            return self._refund(order_id, "no key left in the vault")
        action = self._delivery(order_id, unit, delivery_no=0)
        action.deadline = order.deadline
        return action

    def _disputed(self, order_id: int, order: Order, now: int, report: StepReport) -> Action | None:
        """A dispute inside its response window: the policy's answer, the verifier's "valid",
        and — for a dispute left waiting — the fallback before the deadline."""
        tracked, ref = self.ctx.book.orders[order_id], order_ref(order_id)
        tracked.answer_by = order.deadline
        listing = self.listing(tracked.listing_id)
        policy = self.ctx.policy
        verifier = decisions.has_verifier(listing)
        if verifier and policy.wait_for_verdict and self.verifier is not None:
            self._send_key(order_id, order, listing)
        valid = (
            decisions.verifier_matters(policy, order.reason, verifier)
            and self.verifier is not None
            and self.verifier.says_valid(order_id, order, listing)
        )
        decided = decisions.dispute_decision(
            policy,
            order,
            now=now,
            window=listing.response_window,
            verifier_valid=valid,
            court=self.has_court(),
            attempts=tracked.attempts,
            verifier=verifier,
        )
        answer, why = decided.answer, decided.why
        if answer is DisputeAnswer.wait:
            waiting = f"until {decided.answer_at}"
            if tracked.waiting != waiting:
                tracked.waiting = waiting
                log.info(
                    "order %s: disputed (%s); waiting, answering by the fallback (%s) at "
                    "chain time %s",
                    ref,
                    order.reason.name,
                    policy.fallback.value,
                    decided.answer_at,
                )
            return None
        if decided.fallback and not tracked.attempts:
            self.ctx.alert(
                report,
                "dispute-fallback",
                f"order {ref}: disputed ({order.reason.name}), no answer yet: the bot "
                f"answers {answer.value} before the response deadline",
                order=ref,
                answer=answer.value,
            )
        if answer is DisputeAnswer.contest and decided.due:
            try:
                return self._answer(order_id, order, "contest", why)
            except (ContractRevert, AnswerFailed) as exc:  # no time to retry a contest: refund
                log.warning("order %s: contest impossible (%s); refunding", ref, exc)
                return self._refund(order_id, f"{why}: contest impossible, policy refund")
        return self._answer(order_id, order, answer.value, why)

    def _send_key(self, order_id: int, order: Order, listing: Listing) -> None:
        """The delivered key to the listing's verifier (the buyer may never send it)."""
        if self.verifier.was_sent(order_id, order.deliveries - 1):
            return
        found = self.ctx.client.current_delivery(order_id)
        if found is None:
            return
        record, delivery_no = found
        try:
            key = self.ctx.vault.delivered_key(order_id, delivery_no, record.fingerprint)
        except VaultError as exc:
            log.warning("order %s: cannot read the delivered key: %s", order_ref(order_id), exc)
            return
        if key is None:  # not delivered from this vault: only the buyer can send it
            self.verifier.skip(order_id, delivery_no)
            return
        if self.verifier.send_key(order_id, order, listing, key):
            log.info("order %s: delivered key sent to the verifier", order_ref(order_id))

    def _verdict(self, order_id: int, order: Order, now: int) -> Action | None:
        """The verifier's verdict (VERIFIER_REFUND_PENDING): the policy's `on-verdict`."""
        ref = order_ref(order_id)
        decided = decisions.verdict_decision(
            self.ctx.policy,
            order,
            now=now,
            court=self.ctx.policy.on_verdict is not VerdictAnswer.contest or self.has_court(),
        )
        if decided.no_court:
            log.info("order %s: no court to appeal the verdict to; accepting it", ref)
        if decided.answer is VerdictAnswer.accept:
            log.info("order %s: verifier verdict accepted; the refund will execute", ref)
            self.ctx.book.watch.discard(order_id)
            return None
        return self._answer(order_id, order, decided.answer.value, "verifier verdict")

    # ------------------------------------------------------------------ transactions

    def _answer(self, order_id: int, order: Order, answer: str, why: str) -> Action:
        if answer == "refund":
            return self._refund(order_id, f"{why}: policy refund")
        if answer == "contest":
            return self._contest(order_id, why)
        # replace: another key when the listing allows one and stock exists, else refund
        refused = decisions.replacement_refused(order, self.listing(order.listing_id))
        if refused:
            return self._refund(order_id, f"{why}: {refused}")
        try:
            unit = replacement_unit(self.ctx.vault, order_id, order)
        except OutOfStockError:
            return self._refund(order_id, f"{why}: no key left in the vault for a replacement")
        action = self._delivery(order_id, unit, delivery_no=order.deliveries)
        action.why = f"{why}: policy replace"
        return action

    def _contest(self, order_id: int, why: str) -> Action:
        evidence = Web3.keccak(text=f"fairkey merchant bot: contest {order_ref(order_id)}")
        call = ("contest", (order_id, evidence))
        try:
            fee = self.ctx.client.arbitration_cost(order_id)
            gas = self._estimate(web3_fn(self.ctx.client, call), fee)
        except ContractRevert:
            raise
        except Exception as exc:  # noqa: BLE001 - a court that does not answer, a node error
            raise AnswerFailed(f"cannot prepare the contest: {exc}"[:300]) from None
        return Action(order_id, "contest", call, f"{why}: policy contest", gas, value=fee)

    def _estimate(self, fn: Any, value: int) -> int:
        address = self.ctx.client.session.account.address
        try:
            gas = fn.estimate_gas({"from": address, "value": value})
        except Exception:  # noqa: BLE001 - decoded below with the contract's error names
            self.ctx.client.session.call(fn)  # raises the named ContractRevert if it reverts
            raise
        return int(gas * 1.3) + 20_000

    def _first_unit(self, listing_id: int, order_id: int) -> AssignedUnit:
        reserved = self._preassigned.pop(order_id, None)
        if isinstance(reserved, VaultError):
            raise reserved
        if self._revoked is None:
            self._revoked = revoked_batches(self.ctx.vault)
        return first_unit(
            self.ctx.vault, listing_id, order_id, reserved=reserved, revoked=self._revoked
        )

    def _delivery(self, order_id: int, unit: AssignedUnit, *, delivery_no: int) -> Action:
        record = seal_unit(
            order_id,
            self.ctx.book.orders[order_id].buyer_key,
            root=unit.root,
            index=unit.index,
            plaintext=unit.plaintext,
            commitment=unit.commitment,
            fingerprint=unit.fingerprint,
        )
        kind = "replace" if delivery_no else "deliver"
        call = (kind, (order_id, record.as_struct(), unit.proof))
        return Action(order_id, kind, call, "paid", GAS[kind], unit=unit, delivery_no=delivery_no)

    def _refund(self, order_id: int, why: str) -> Action:
        return Action(order_id, "refund", ("refund", (order_id,)), why, GAS["refund"])
