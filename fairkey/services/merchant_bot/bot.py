"""One step of the bot: scan the new events (scan.py), plan what every watched order needs
(plan.py), pack the first deliveries into as few deliverMany transactions as the block takes
(pack.py), send them as one burst (send.py), settle their receipts (settle.py); then alerts and
the progress file."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, replace
from pathlib import Path

from web3 import Web3

from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import Order
from fairkey.merchant.policy import MerchantPolicy
from fairkey.services.alerts import AlertSink, DisputeRate, check_dispute_rate, check_low_stock
from fairkey.services.merchant_bot.context import BotContext
from fairkey.services.merchant_bot.pack import plan_transactions
from fairkey.services.merchant_bot.plan import Planner
from fairkey.services.merchant_bot.rpc import fetch_receipts, read_orders
from fairkey.services.merchant_bot.scan import OrderWatch
from fairkey.services.merchant_bot.send import Sender
from fairkey.services.merchant_bot.settle import Settler
from fairkey.services.merchant_bot.verifier import VerifierAnswers
from fairkey.services.merchant_bot.work import Action, AnswerFailed, StepReport, Tracked, Tx
from fairkey.services.tx_budget import Budget
from fairkey.vault import UnitState, Vault, VaultError

log = logging.getLogger("fairkey.merchant_bot")


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
        self.verifier = (
            VerifierAnswers(
                client, self.policy.verifier_url, poll_interval=self.policy.poll_interval
            )
            if self.policy.verifier_url
            else None
        )
        self.book = OrderWatch(client, vault, from_block)
        self.sender = Sender(client)
        ctx = BotContext(client, vault, self.policy, self.alerts, self.book)
        self.planner = Planner(ctx, self.verifier)
        self.settler = Settler(ctx, self.sender)
        self._report = StepReport()
        self._delivered_now: list[int] = []

    def set_policy(self, policy: MerchantPolicy) -> None:
        """Answer with `policy` from the next step on (a policy file reloaded while running);
        the verifier's URL and poll interval stay the ones the bot started with."""
        self.policy = policy
        ctx = replace(self.planner.ctx, policy=policy)
        self.planner.ctx = ctx
        self.settler.ctx = ctx

    def close(self) -> None:
        if self.verifier is not None:
            self.verifier.close()

    @property
    def listings(self) -> set[int]:
        return self.book.listings

    @property
    def orders(self) -> dict[int, Tracked]:
        return self.book.orders

    @property
    def rates(self) -> dict[int, DisputeRate]:
        return self.book.rates

    @property
    def watch(self) -> set[int]:
        """The orders that may need an action."""
        return self.book.watch

    # ------------------------------------------------------------------ one step

    def step(self) -> StepReport:
        """Scan new events, act on every order that needs it, wait for the receipts, alert."""
        self._report = StepReport()
        self.planner.new_step()
        head = self.w3.eth.block_number
        self._scan(head)
        block = self.w3.eth.get_block(head)
        now = block["timestamp"]
        actions: list[Action] = []
        watched = sorted(self.watch)
        try:
            orders = read_orders(self.client, watched)
        except Exception as exc:  # noqa: BLE001 - a failed batch: read them one by one below
            log.debug("batched order read failed (%s); reading one by one", exc)
            orders = {}
        self.planner.preassign(orders, now)
        self._delivered_now = []
        for order_id in watched:
            try:
                action = self._plan(order_id, now, orders.get(order_id))
            except (ContractRevert, VaultError, AnswerFailed) as exc:
                reason = f"{type(exc).__name__}: {exc}"
                self.settler.failed(order_id, "prepare", reason, self._report)
                continue
            if action is not None:
                actions.append(action)
        if actions:
            txs = self._pack(actions, block["gasLimit"])
            gas_price = self.w3.eth.gas_price
            for tx in txs:
                self._send(tx, gas_price)
            sent = [tx.tx_hash for tx in txs if tx.tx_hash is not None]
            self._report.transactions += len(sent)
            receipts = fetch_receipts(self.w3, sent)
            for tx in txs:
                self._settle(tx, receipts.get(tx.tx_hash))
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

    def _scan(self, head: int) -> None:
        self.book.scan(head)

    def _plan(self, order_id: int, now: int, order: Order | None = None) -> Action | None:
        return self.planner.plan(order_id, now, order, self._report)

    def _pack(self, actions: list[Action], block_gas_limit: int) -> list[Tx]:
        alone = {a.order_id for a in actions if self.orders[a.order_id].alone}
        return plan_transactions(actions, Budget.of_block(block_gas_limit), alone=alone)

    def _send(self, tx: Tx, gas_price: int) -> None:
        self.sender.send(tx, gas_price)

    def _settle(self, tx: Tx, receipt: object = None) -> None:
        self.settler.settle(tx, receipt, self._report, self._delivered_now)

    # ------------------------------------------------------------------ alerts and state

    def _check_alerts(self) -> None:
        threshold = self.policy.alerts.low_stock
        for listing_id in sorted(self.listings):
            listing = self.planner.listing(listing_id)
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
