"""The merchant's auto-delivery bot (`fairkey merchant run`): delivers every paid order from the
vault, answers disputes and verifier verdicts by policy, raises stock and dispute-rate alerts.

Exactly-once under crashes at any point, without trusting local state:

* Every start rebuilds the work list from the chain: the merchant's listings (ListingCreated),
  their orders (OrderPaid) and each order's current status. `bot.json` only records progress.
* The vault hands out the same unit for the same (order, delivery number), so a re-sent delivery
  carries the same key. The order is read as PAID (or DISPUTED, …) right before sending.
* An order already delivered on chain is only marked delivered in the vault. A transaction sent
  before a crash that lands later makes the re-sent one revert (EscrowUnexpectedStatus): after
  every revert the order is read again and a delivery that is on chain counts as done.
* The contract's fingerprint registry refuses a second delivery of any key, so a unit can never
  reach two orders even if the vault were wrong.

Disputes are answered by policy (services/merchant_policy.py) and never left to lapse: a dispute
the policy waits on gets `verifier.on-valid` as soon as the listing's verifier signs "valid" for
the key (read over HTTP, services/verifier_watch.py), and the fallback answer once
`disputes.answer-before` is all that is left of the response window. A batch revoked on chain
(StockRevoked) is brought in line in the vault: exactly the units the chain withdrew.

Bursts: all transactions of a step are signed with a locally counted nonce and sent without
waiting; then their receipts are collected. A failed transaction is retried in the next steps
(at most `bot.max-attempts` times) and then reported in the log and in `alerts.jsonl`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import TimeExhausted

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import Listing, Order, OrderStatus, order_ref
from fairkey.flows.merchant import seal_unit
from fairkey.services.alerts import AlertSink, DisputeRate, check_dispute_rate, check_low_stock
from fairkey.services.merchant_policy import (
    DisputeAnswer,
    MerchantPolicy,
    PolicyError,
    VerdictAnswer,
)
from fairkey.services.verifier_watch import VerifierAnswers
from fairkey.vault import AssignedUnit, BatchState, OutOfStockError, UnitState, Vault, VaultError

log = logging.getLogger("fairkey.merchant_bot")

# Gas limits per transaction kind: fixed, so a burst needs no estimate per transaction (a
# delivery uses ~110-150k; a replacement a little more; the court call is estimated).
GAS = {"deliver": 400_000, "replace": 450_000, "refund": 200_000}
RECEIPT_TIMEOUT = 30.0


class AnswerFailed(Exception):
    """An answer could not be prepared (e.g. the court did not quote its fee)."""


@dataclass
class Tracked:
    """One order of the merchant's listings."""

    listing_id: int
    buyer_key: tuple[int, int]
    attempts: int = 0
    # While a dispute waits for its answer: the response deadline (None otherwise). Such an
    # order stays watched after failed attempts: its fallback answer must still come in time.
    answer_by: int | None = None
    waiting: str | None = None  # the last "waiting" log line (logged once, not every step)


@dataclass
class Action:
    """One transaction for one order. `call` = (escrow function name, arguments): encoded with
    the precompiled codec for sending; a web3 function object is built only to explain a revert."""

    order_id: int
    kind: str  # deliver | replace | refund | contest
    call: tuple[str, tuple]
    why: str
    gas: int
    value: int = 0
    unit: AssignedUnit | None = None
    delivery_no: int = 0
    tx_hash: bytes | None = None
    error: str | None = None


@dataclass
class StepReport:
    delivered: int = 0
    replaced: int = 0
    refunded: int = 0
    contested: int = 0
    caught_up: int = 0  # already done on chain (earlier transaction, other tool)
    failed: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        """Sent something: the run loop steps again at once (more orders may be waiting)."""
        return bool(self.delivered or self.replaced or self.refunded or self.contested)


class MerchantBot:
    def __init__(
        self,
        client: EscrowClient,
        vault: Vault,
        policy: MerchantPolicy | None = None,
        from_block: int = 0,
        *,
        home: Path | None = None,
        state_dir: Path | None = None,
    ) -> None:
        if client.session.account is None:
            raise ValueError("the merchant bot needs a client that signs as the merchant")
        self.client = client
        self.vault = vault
        self.policy = policy or MerchantPolicy()
        self.from_block = from_block
        self.w3: Web3 = client.session.w3
        self.account = client.session.account
        self.address = self.account.address
        self.alerts = AlertSink(home / "alerts.jsonl" if home is not None else None)
        self.state_file = state_dir / "bot.json" if state_dir is not None else None
        self.listings: set[int] = set()
        self.orders: dict[int, Tracked] = {}
        self.rates: dict[int, DisputeRate] = {}
        self.watch: set[int] = set()  # orders that may need an action
        self._cursor = from_block  # next block to scan; from the deployment block on every start
        self._nonce: int | None = None
        self._listing_cache: dict[int, Listing] = {}
        self._preassigned: dict[int, AssignedUnit | VaultError] = {}
        self._delivered_now: list[int] = []
        self._revoked: set[int] | None = None
        self._court: bool | None = None
        self._report = StepReport()
        self.verifier = (
            VerifierAnswers(
                client, self.policy.verifier_url, poll_interval=self.policy.poll_interval
            )
            if self.policy.verifier_url
            else None
        )

    def close(self) -> None:
        if self.verifier is not None:
            self.verifier.close()

    # ------------------------------------------------------------------ one step

    def step(self) -> StepReport:
        """Scan new events, act on every order that needs it, wait for the receipts, alert."""
        self._report = StepReport()
        self._listing_cache = {}
        self._revoked = None
        self._court = None
        head = self.w3.eth.block_number
        self._scan(head)
        now = self.w3.eth.get_block(head)["timestamp"]
        actions: list[Action] = []
        watched = sorted(self.watch)
        try:
            orders = self._read_orders(watched)
        except Exception as exc:  # noqa: BLE001 - a failed batch: read them one by one below
            log.debug("batched order read failed (%s); reading one by one", exc)
            orders = {}
        self._preassign(orders, now)
        self._delivered_now = []
        for order_id in watched:
            try:
                action = self._plan(order_id, now, orders.get(order_id))
            except (ContractRevert, VaultError, AnswerFailed) as exc:
                self._failed(order_id, "prepare", f"{type(exc).__name__}: {exc}")
                continue
            if action is not None:
                actions.append(action)
        if actions:
            gas_price = self.w3.eth.gas_price
            for action in actions:
                self._send(action, gas_price)
            receipts = self._fetch_receipts(actions)
            for action in actions:
                self._settle(action, receipts.get(action.tx_hash))
            if self._delivered_now:  # one vault transaction for the whole burst
                self.vault.mark_delivered_many(self._delivered_now)
        if self._report.caught_up:
            log.info(
                "%d order(s) already delivered/answered on chain: vault brought in line",
                self._report.caught_up,
            )
        self._check_alerts()
        self._save_state(head)
        return self._report

    # ------------------------------------------------------------------ events

    def _scan(self, head: int) -> None:
        start = self._cursor
        if start > head:
            return
        c = self.client
        for e in c.events("ListingCreated", start, head, merchant=self.address):
            self.listings.add(e.args["listingId"])
        for e in c.events("OrderPaid", start, head):
            listing_id, order_id = e.args["listingId"], e.args["orderId"]
            if listing_id not in self.listings or order_id in self.orders:
                continue
            self.orders[order_id] = Tracked(listing_id, (e.args["buyerKeyX"], e.args["buyerKeyY"]))
            self.rates.setdefault(listing_id, DisputeRate()).orders.append(order_id)
            self.watch.add(order_id)
        for e in c.events("OrderDisputed", start, head):
            tracked = self.orders.get(e.args["orderId"])
            if tracked is not None:
                self.rates[tracked.listing_id].disputed.add(e.args["orderId"])
                self._rewatch(e.args["orderId"])
        for e in c.events("VerifierAttested", start, head):
            if e.args["orderId"] in self.orders:
                self._rewatch(e.args["orderId"])
        revoked = [
            e for e in c.events("StockRevoked", start, head) if e.args["listingId"] in self.listings
        ]
        if revoked:
            self._sync_revoked({bytes(e.args["root"]) for e in revoked})
        self._cursor = head + 1

    def _sync_revoked(self, roots: set[bytes]) -> None:
        """A batch was revoked on chain (by `stock revoke` or another tool): the vault marks
        revoked exactly the units the chain withdrew (idempotent)."""
        for batch in self.vault.batches():
            if batch.root is None or bytes.fromhex(batch.root) not in roots:
                continue
            if not batch.state.deliverable:
                continue
            on_chain = self.client.batch(bytes.fromhex(batch.root), self.address)
            marked = self.vault.sync_revoked(batch.batch_id, on_chain.revoked)
            if marked:
                log.info(
                    "batch %d: %d unit(s) revoked on chain, vault updated", batch.batch_id, marked
                )

    def _rewatch(self, order_id: int) -> None:
        self.orders[order_id].attempts = 0  # a new event: a fresh round of attempts
        self.watch.add(order_id)

    def _listing(self, listing_id: int) -> Listing:
        if listing_id not in self._listing_cache:
            self._listing_cache[listing_id] = self.client.listing(listing_id)
        return self._listing_cache[listing_id]

    # ------------------------------------------------------------------ deciding

    def _read_orders(self, order_ids: list[int]) -> dict[int, Order]:
        """Every watched order's state in one JSON-RPC batch (one round trip, not one per order)."""
        if not order_ids:
            return {}
        order_fn = self.client.codec.fn("order")
        results = self._rpc_batch(
            [
                ("eth_call", [{"to": self.client.address, "data": order_fn.encode(oid)}, "latest"])
                for oid in order_ids
            ]
        )
        return {
            oid: Order.from_tuple(order_fn.decode(bytes.fromhex(result[2:])))
            for oid, result in zip(order_ids, results, strict=True)
            if result is not None  # an error for one order: read on its own in _plan
        }

    def _rpc_batch(self, requests: list[tuple[str, list[Any]]]) -> list[Any]:
        """Raw JSON-RPC batch (no web3 formatters); bytes in params are sent as 0x hex. Each
        result as the node sent it (JSON), None where the node answered with an error."""
        encoded = [
            (m, [{k: _hex(v) for k, v in p.items()} if isinstance(p, dict) else p for p in ps])
            for m, ps in requests
        ]
        responses = self.w3.provider.make_batch_request(encoded)
        if not isinstance(responses, list):  # the whole batch refused
            raise RuntimeError(f"batch request failed: {responses.get('error')}")
        by_id = sorted(responses, key=lambda r: r["id"])  # a node may answer in any order
        return [None if "error" in r else r.get("result") for r in by_id]

    def _preassign(self, orders: dict[int, Order], now: int) -> None:
        """Units for every paid order of this step, one vault transaction per listing (the same
        exactly-once assignment as one by one: a repeated order gets its unit back)."""
        paid: dict[int, list[int]] = {}
        for order_id, order in orders.items():
            if order.status is OrderStatus.PAID and now < order.deadline:
                paid.setdefault(self.orders[order_id].listing_id, []).append(order_id)
        self._preassigned = {}
        for listing_id, order_ids in paid.items():
            self._preassigned.update(self.vault.assign_units(listing_id, order_ids))

    def _fetch_receipts(self, actions: list[Action]) -> dict[bytes, Any]:
        """Receipts of this step's transactions in one batch; missing ones are waited for later."""
        hashes = [a.tx_hash for a in actions if a.tx_hash is not None]
        if not hashes:
            return {}
        try:
            results = self._rpc_batch(
                [("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in hashes]
            )
        except Exception:  # noqa: BLE001 - the batch failed: _settle waits for each instead
            return {}
        # Only what _settle reads; a receipt not there yet (None) is waited for in _settle.
        return {
            h: {"status": int(r["status"], 16), "transactionHash": h}
            for h, r in zip(hashes, results, strict=True)
            if r
        }

    def _plan(self, order_id: int, now: int, order: Order | None = None) -> Action | None:
        tracked = self.orders[order_id]
        order = order or self.client.order(order_id)
        ref = order_ref(order_id)
        status = order.status
        tracked.answer_by = None  # set again by _disputed while a dispute waits for its answer
        if status is OrderStatus.PAID:
            if now >= order.deadline:
                return self._refund(order_id, "the delivery deadline passed")
            try:
                unit = self._assign(tracked.listing_id, order_id, 0)
            except OutOfStockError:
                self._report.alerts.append(
                    self.alerts.emit(
                        "out-of-stock",
                        f"order {ref}: paid, but the vault has no key for listing "
                        f"{tracked.listing_id}: refunding (import and commit more stock)",
                        order=ref,
                        listing=tracked.listing_id,
                    )
                )
                return self._refund(order_id, "no key left in the vault")
            return self._delivery(order_id, unit, delivery_no=0)
        if status is OrderStatus.DELIVERED:
            self._catch_up(order_id, order)
            self._report.caught_up += 1
            self.watch.discard(order_id)
            return None
        if status is OrderStatus.DISPUTED:
            if now >= order.deadline:
                self.alerts.emit(
                    "missed-deadline",
                    f"order {ref}: the response window passed before an answer",
                    order=ref,
                )
                self.watch.discard(order_id)
                return None
            return self._disputed(order_id, order, now)
        if status is OrderStatus.VERIFIER_REFUND_PENDING:
            answer = self.policy.on_verdict
            if answer is VerdictAnswer.contest and not self._has_court():
                log.info("order %s: no court to appeal the verdict to; accepting it", ref)
                answer = VerdictAnswer.accept
            if answer is VerdictAnswer.accept or now >= order.deadline:
                log.info("order %s: verifier verdict accepted; the refund will execute", ref)
                self.watch.discard(order_id)
                return None
            return self._answer(order_id, order, answer.value, "verifier verdict")
        # Arbitrating or finished: nothing to send; keep the vault in line with the chain.
        if status.terminal:
            self._close_in_vault(order_id, order)
        self.watch.discard(order_id)
        return None

    def _disputed(self, order_id: int, order: Order, now: int) -> Action | None:
        """A dispute inside its response window: the policy's answer, the verifier's "valid",
        and — for a dispute left waiting — the fallback before the deadline."""
        tracked, ref = self.orders[order_id], order_ref(order_id)
        tracked.answer_by = order.deadline
        listing = self._listing(tracked.listing_id)
        policy, window = self.policy, listing.response_window
        valid = (
            policy.answer(order.reason) is DisputeAnswer.wait
            and self.verifier is not None
            and self.verifier.says_valid(order_id, order, listing)
        )
        answer = policy.dispute_answer(
            order.reason,
            now=now,
            deadline=order.deadline,
            window=window,
            verifier_valid=valid,
            court=self._has_court(),
        )
        due = now >= policy.answer_at(order.deadline, window)
        why = f"dispute {order.reason.name}" + (": the verifier signed 'valid'" if valid else "")
        if answer is not DisputeAnswer.wait and tracked.attempts:
            if not due and tracked.attempts >= policy.max_attempts:
                answer = DisputeAnswer.wait  # gave up for now; the fallback comes in time
            elif due:
                answer = DisputeAnswer.refund  # the answer failed: never let the window lapse
        if answer is DisputeAnswer.wait:
            waiting = f"until {policy.answer_at(order.deadline, window)}"
            if tracked.waiting != waiting:
                tracked.waiting = waiting
                log.info(
                    "order %s: disputed (%s); waiting, answering by the fallback (%s) at "
                    "chain time %s",
                    ref,
                    order.reason.name,
                    policy.fallback.value,
                    waiting.removeprefix("until "),
                )
            return None
        court = self._has_court()
        fallback = (
            due
            and policy.first_answer(order.reason, verifier_valid=valid, court=court)
            is DisputeAnswer.wait
        )
        if fallback:
            why += f": fallback, {policy.answer_before} before the response deadline"
        if fallback and not tracked.attempts:
            self._report.alerts.append(
                self.alerts.emit(
                    "dispute-fallback",
                    f"order {ref}: disputed ({order.reason.name}), no answer yet: the bot "
                    f"answers {answer.value} before the response deadline",
                    order=ref,
                    answer=answer.value,
                )
            )
        if answer is DisputeAnswer.contest and due:
            try:
                return self._answer(order_id, order, "contest", why)
            except (ContractRevert, AnswerFailed) as exc:  # no time to retry a contest: refund
                log.warning("order %s: contest impossible (%s); refunding", ref, exc)
                return self._refund(order_id, f"{why}: contest impossible, policy refund")
        return self._answer(order_id, order, answer.value, why)

    def _has_court(self) -> bool:
        """Whether the escrow has an arbitrator to contest in (read once per step)."""
        if self._court is None:
            court = self.client.session.call(self.client.f.arbitrator())
            self._court = int(court, 16) != 0 if isinstance(court, str) else bool(court)
        return self._court

    def _answer(self, order_id: int, order: Order, answer: str, why: str) -> Action:
        if answer == "refund":
            return self._refund(order_id, f"{why}: policy refund")
        if answer == "contest":
            evidence = Web3.keccak(text=f"fairkey merchant bot: contest {order_ref(order_id)}")
            call = ("contest", (order_id, evidence))
            try:
                fee = self.client.arbitration_cost(order_id)
                gas = self._estimate(self._web3_fn(call), fee)
            except ContractRevert:
                raise
            except Exception as exc:  # noqa: BLE001 - a court that does not answer, a node error
                raise AnswerFailed(f"cannot prepare the contest: {exc}"[:300]) from None
            return Action(order_id, "contest", call, f"{why}: policy contest", gas, value=fee)
        # replace: another key when the listing allows one and stock exists, else refund
        listing = self._listing(order.listing_id)
        if order.deliveries > listing.max_replacements:
            return self._refund(order_id, f"{why}: replacements exhausted")
        if listing.stock_available == 0:
            return self._refund(order_id, f"{why}: no stock on chain for a replacement")
        # The disputed key is spent whatever happens next (VaultError: not from this vault).
        with contextlib.suppress(VaultError):
            self.vault.mark_delivered(order_id)
        try:
            unit = self._assign(order.listing_id, order_id, order.deliveries)
        except OutOfStockError:
            return self._refund(order_id, f"{why}: no key left in the vault for a replacement")
        action = self._delivery(order_id, unit, delivery_no=order.deliveries)
        action.why = f"{why}: policy replace"
        return action

    def _assign(self, listing_id: int, order_id: int, delivery_no: int) -> AssignedUnit:
        pre = self._preassigned.pop(order_id, None) if delivery_no == 0 else None
        if isinstance(pre, VaultError):
            raise pre
        unit = pre or self.vault.assign_unit(listing_id, order_id, delivery_no=delivery_no)
        if self._revoked is None:
            self._revoked = {
                b.batch_id for b in self.vault.batches() if b.state is BatchState.revoked
            }
        # A unit reserved before its batch was revoked: take one from another batch. (Only
        # before the first delivery: release_assignment works per order.)
        if (
            unit.batch_id in self._revoked
            and delivery_no == 0
            and self.vault.release_assignment(order_id)
        ):
            unit = self.vault.assign_unit(listing_id, order_id, delivery_no=0)
        return unit

    def _delivery(self, order_id: int, unit: AssignedUnit, *, delivery_no: int) -> Action:
        record = seal_unit(
            order_id,
            self.orders[order_id].buyer_key,
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

    def _web3_fn(self, call: tuple[str, tuple]) -> Any:
        name, args = call
        return getattr(self.client.f, name)(*args)

    def _estimate(self, fn: Any, value: int) -> int:
        try:
            gas = fn.estimate_gas({"from": self.address, "value": value})
        except Exception:  # noqa: BLE001 - decoded below with the contract's error names
            self.client.session.call(fn)  # raises the named ContractRevert if it reverts
            raise
        return int(gas * 1.3) + 20_000

    # ------------------------------------------------------------------ keeping the vault in line

    def _catch_up(self, order_id: int, order: Order) -> None:
        """The order holds a delivery on chain: the vault's unit(s) for it are delivered."""
        try:
            self.vault.mark_delivered(order_id)
        except VaultError:
            return  # delivered by another tool or vault: nothing of ours to mark

    def _close_in_vault(self, order_id: int, order: Order) -> None:
        if order.deliveries == 0:
            # Refunded before any delivery landed: no delivery can land any more.
            if self.vault.release_assignment(order_id):
                log.info(
                    "order %s: %s; its reserved key is back on sale",
                    order_ref(order_id),
                    order.status.name,
                )
        else:
            # Conservative: a key that might be on chain is never put back on sale.
            with contextlib.suppress(VaultError):
                self.vault.mark_delivered(order_id)

    # ------------------------------------------------------------------ sending

    def _send(self, action: Action, gas_price: int) -> None:
        for attempt in range(2):
            if self._nonce is None:
                self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
            nonce = self._nonce
            try:
                # Encoded directly: web3's build_transaction re-validates every field and costs
                # more than signing (the bot's hot path during bursts).
                tx = {
                    "from": self.address,
                    "to": self.client.address,
                    "data": self.client.codec.fn(action.call[0]).encode(*action.call[1]),
                    "nonce": nonce,
                    "gas": action.gas,
                    "gasPrice": gas_price,
                    "chainId": self.client.session.chain_id,
                    "value": action.value,
                }
                signed = self.account.sign_transaction(tx)
                self._send_raw(signed.raw_transaction)
            except Exception as exc:  # noqa: BLE001 - node refusals come as several types
                text = str(exc)
                self._nonce = None  # resync from the node before the next send
                if "already known" in text.lower():
                    action.tx_hash = bytes(signed.hash)
                    return
                if "nonce too low" in text.lower() and attempt == 0:
                    log.info("nonce %d too low: resynchronising with the node", nonce)
                    continue
                action.error = f"send failed: {text}"
                return
            self._nonce = nonce + 1
            action.tx_hash = bytes(signed.hash)
            log.debug(
                "order %s: %s sent (nonce %d)", order_ref(action.order_id), action.kind, nonce
            )
            return

    def _send_raw(self, raw: bytes) -> None:
        """eth_sendRawTransaction without web3's middleware (its cost showed in burst profiles);
        a refusal is raised with the node's message, as web3 would."""
        response = self.w3.provider.make_request("eth_sendRawTransaction", ["0x" + raw.hex()])
        if "error" in response:
            error = response["error"]
            raise ValueError(error.get("message", str(error)) if isinstance(error, dict) else error)

    def _settle(self, action: Action, receipt: Any = None) -> None:
        order_id, ref = action.order_id, order_ref(action.order_id)
        if action.tx_hash is None:
            self._failed(order_id, action.kind, action.error or "not sent")
            return
        try:
            receipt = receipt or self.w3.eth.wait_for_transaction_receipt(
                action.tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05
            )
        except TimeExhausted:
            # Not mined yet: the order stays watched; if it lands later, a re-sent transaction
            # reverts and the revert check below sees the delivery on chain.
            self._nonce = None
            log.warning(
                "order %s: %s tx 0x%s not mined after %.0fs; will check again",
                ref,
                action.kind,
                action.tx_hash.hex(),
                RECEIPT_TIMEOUT,
            )
            return
        if receipt["status"] == 1:
            self._succeeded(action, receipt)
            return
        # Reverted: maybe an earlier transaction (sent before a crash) already did the job.
        order = self.client.order(order_id)
        if self._already_done(action, order):
            self._report.caught_up += 1
            log.info(
                "order %s: %s already on chain (earlier transaction); status %s",
                ref,
                action.kind,
                order.status.name,
            )
            if order.deliveries:
                self._catch_up(order_id, order)
            elif order.status.terminal:
                self._close_in_vault(order_id, order)
            self.watch.discard(order_id)
            return
        self._failed(order_id, action.kind, self._revert_reason(action))

    def _already_done(self, action: Action, order: Order) -> bool:
        if action.kind == "deliver":
            return order.deliveries >= 1
        if action.kind == "replace":
            return order.deliveries > action.delivery_no
        if action.kind == "refund":
            return order.status.terminal
        return order.status in (OrderStatus.ARBITRATING,) or order.status.terminal

    def _revert_reason(self, action: Action) -> str:
        try:
            self.client.session.call(self._web3_fn(action.call))
        except ContractRevert as exc:
            return f"reverted: {exc}"
        except Exception as exc:  # noqa: BLE001 - only for the log line
            return f"reverted ({type(exc).__name__})"
        return "reverted (passes now; will retry)"

    def _succeeded(self, action: Action, receipt: Any) -> None:
        order_id, ref, tx = action.order_id, order_ref(action.order_id), receipt["transactionHash"]
        self.orders[order_id].attempts = 0
        self.watch.discard(order_id)
        if action.kind in ("deliver", "replace"):
            self._delivered_now.append(order_id)
            unit = action.unit
            if action.kind == "deliver":
                self._report.delivered += 1
            else:
                self._report.replaced += 1
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
            self._report.refunded += 1
            order = self.client.order(order_id)
            self._close_in_vault(order_id, order)
            log.info("order %s: refunded (%s) tx %s", ref, action.why, tx.hex())
        else:
            self._report.contested += 1
            log.info("order %s: contested in court (%s) tx %s", ref, action.why, tx.hex())

    def _failed(self, order_id: int, kind: str, reason: str) -> None:
        tracked = self.orders[order_id]
        tracked.attempts += 1
        self._report.failed += 1
        ref = order_ref(order_id)
        if tracked.answer_by is not None and tracked.attempts >= self.policy.max_attempts:
            # A dispute's answer: keep trying until the deadline (as a refund once it is due);
            # report it once.
            if tracked.attempts == self.policy.max_attempts:
                self._report.alerts.append(
                    self.alerts.emit(
                        "action-failed",
                        f"order {ref}: {kind} failed {tracked.attempts} time(s); the bot keeps "
                        f"answering the dispute until its deadline: {reason}",
                        order=ref,
                        action=kind,
                        reason=reason,
                    )
                )
            return
        if tracked.attempts >= self.policy.max_attempts:
            self.watch.discard(order_id)
            self._report.alerts.append(
                self.alerts.emit(
                    "action-failed",
                    f"order {ref}: {kind} failed {tracked.attempts} time(s), giving up until the "
                    f"next event or restart: {reason}",
                    order=ref,
                    action=kind,
                    reason=reason,
                )
            )
        else:
            log.error(
                "order %s: %s failed (attempt %d of %d), will retry: %s",
                ref,
                kind,
                tracked.attempts,
                self.policy.max_attempts,
                reason,
            )

    # ------------------------------------------------------------------ alerts and state

    def _check_alerts(self) -> None:
        threshold = self.policy.alerts.low_stock
        for listing_id in sorted(self.listings):
            listing = self._listing(listing_id)
            unsold = self.vault.stock_counts(listing_id)[UnitState.unsold]
            found = [
                check_low_stock(self.alerts, listing_id, listing.stock_available, unsold, threshold)
            ]
            rate = self.rates.get(listing_id)
            if rate is not None:
                found.append(check_dispute_rate(self.alerts, listing_id, rate, self.policy.alerts))
            self._report.alerts.extend(a for a in found if a is not None)

    def _save_state(self, head: int) -> None:
        if self.state_file is None:
            return
        state = {
            "scanned_to_block": head,
            "listings": sorted(self.listings),
            "orders": len(self.orders),
            "watching": len(self.watch),
            "last_step": asdict(self._report) | {"alerts": len(self._report.alerts)},
        }
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        os.replace(tmp, self.state_file)


def _hex(value: Any) -> Any:
    return "0x" + value.hex() if isinstance(value, bytes | bytearray) else value


# ---------------------------------------------------------------------------- running


def bot_from_app(app: Any, policy: MerchantPolicy) -> MerchantBot:
    """A bot for the signing account of a CLI `AppState` (settings, deployment, vault)."""
    return MerchantBot(
        app.client,
        app.vault(),
        policy,
        app.deployment.block,
        home=app.settings.home,
        state_dir=app.account_dir,
    )


def run_bot(bot: MerchantBot, *, interval: float, once: bool = False) -> int:
    from fairkey.services.runner import run_loop

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


def main(argv: list[str] | None = None) -> int:
    """`python -m fairkey.services.merchant_bot --home H --rpc URL --dev-account 2`."""
    from fairkey.cli.context import AppState
    from fairkey.cli.errors import CliError
    from fairkey.settings import Settings

    parser = argparse.ArgumentParser(prog="merchant_bot", description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--rpc")
    parser.add_argument("--dev-account", type=int)
    parser.add_argument("--policy", type=Path, help="policy TOML file (default: built in)")
    parser.add_argument("--interval", type=float, help="seconds between steps")
    parser.add_argument("--once", action="store_true", help="one step, then exit")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    overrides: dict[str, Any] = {}
    if args.home is not None:
        overrides["home"] = args.home
    if args.rpc is not None:
        overrides["rpc_url"] = args.rpc
    if args.dev_account is not None:
        overrides["dev_account"] = args.dev_account
    app = AppState(Settings(**overrides))
    try:
        policy = MerchantPolicy.load(args.policy)
        bot = bot_from_app(app, policy)
        return run_bot(bot, interval=args.interval or policy.interval, once=args.once)
    except (CliError, PolicyError, VaultError) as exc:
        log.error("%s", exc)
        return 1
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
