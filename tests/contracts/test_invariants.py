"""Random sequences of escrow actions on a real chain keep the books exact.

After every step, per token: the escrow's balance equals the ledger credits of every account,
plus the prices of open orders, plus the dispute bonds it holds, plus the unit bonds locked for
stock and open orders (and every credit, stock count and order status is what the published
rules say). Every order ends at most once and never leaves its end. At the end, with only
permissionless actions (and the court's ruling), every order ends, every party withdraws
everything, and the escrow is empty: no money without a way out.

Orders are paid one by one (`pay`) or in baskets (`payBasket`), and delivered, confirmed and
settled one by one or in batch calls (`deliverMany`, `confirmMany`, `settleMany`) whose lists
mix orders that go through with orders the single call's rule refuses (another merchant's, not
the caller's, in the wrong state, past or before the deadline, a unit used earlier in the same
batch): every refusal is predicted by the model and must be reported, and change nothing.
"""

from __future__ import annotations

import functools
import sys

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import ETH, OrderStatus
from tests.support.invariants import (
    ARBITRATION_FEE,
    TERMINAL,
    BatchModel,
    BatchReader,
    EscrowModel,
    ExactClock,
    ListingModel,
    OrderModel,
    fund_token,
    send_as,
    sign_verdict,
    wrong_key_record,
)
from tests.support.market import BOND, DISPUTE_BOND, HOUR, PRICE

S = OrderStatus
DAY = 24 * HOUR
ROLES = ("deployer", "treasury", "merchant", "buyer", "stranger", "verifier", "merchant2", "buyer2")
PAYERS = ("buyer", "buyer2")
PICK = st.integers(min_value=0, max_value=2**16)
# Mostly shorter than the windows (hours to days), sometimes past every deadline.
CLOCK_STEPS = (1, 10 * 60, HOUR, 3 * HOUR, 7 * HOUR, 25 * HOUR, 4 * DAY, 31 * DAY)

# What a step does, weighted by repetition: the order's own life first, then the world around.
# Baskets and batch calls (payBasket, deliverMany, confirmMany, settleMany) take turns with their
# single-order counterparts, so the same books cover both.
ACTIONS = (
    "pay",
    "pay",
    "basket",
    "deliver",
    "deliver",
    "deliver_many",
    "deliver_many",
    "confirm",
    "confirm_many",
    "dispute",
    "dispute",
    "verdict",
    "verdict",
    "appeal",
    "prove",
    "answer",
    "answer",
    "answer",
    "ruling",
    "deadline",
    "settle_many",
    "clock",
    "clock",
    "clock",
    "commit",
    "revoke",
    "price",
    "refund",
    "withdraw",
    "withdraw",
)
CONFIRMABLE = (S.DELIVERED, S.DISPUTED, S.VERIFIER_REFUND_PENDING)
ANSWERS = ("refund", "replace", "replace", "contest", "contest")

# Two listings: ETH (merchant) and the TestToken stablecoin (merchant2). Odd prices exercise the
# rounding of fees and of the court's split.
ETH_LISTING = dict(
    token=ETH,
    price=PRICE + 7,
    bond_per_unit=BOND,
    dispute_bond=DISPUTE_BOND,
    delivery_window=6 * HOUR,
    confirm_window=DAY,
    response_window=12 * HOUR,
    appeal_window=4 * HOUR,
    max_replacements=2,
)
TOKEN_LISTING = dict(
    price=25 * 10**6 + 1,
    bond_per_unit=5 * 10**6,
    dispute_bond=10**6,
    delivery_window=12 * HOUR,
    confirm_window=2 * DAY,
    response_window=DAY,
    appeal_window=6 * HOUR,
    max_replacements=1,
)
NEW_PRICES = {ETH: (PRICE - 1, 2 * PRICE + 3), "token": (10 * 10**6 + 3, 40 * 10**6 - 1)}

# After the deadline of its current phase, anyone ends an order by the published rule.
DEADLINE_RULES = {
    S.PAID: ("refund_undelivered", lambda m, o: m.refund_buyer(o, fault=True)),
    S.DELIVERED: ("settle", lambda m, o: m.pay_merchant(o, None)),
    S.DISPUTED: ("refund_unanswered", lambda m, o: m.refund_buyer(o, fault=True)),
    S.VERIFIER_REFUND_PENDING: (
        "execute_verifier_refund",
        lambda m, o: m.refund_buyer(o, fault=False),
    ),
    S.ARBITRATING: ("resolve_stalled_arbitration", lambda m, o: m.split(o)),
}

PROVABLE = (S.DELIVERED, S.DISPUTED, S.VERIFIER_REFUND_PENDING, S.ARBITRATING)


def _listing_model(market, listing_id: int, merchant: str, terms: dict) -> ListingModel:
    t = market.terms(**terms)
    return ListingModel(
        listing_id, merchant, t.token, t.price, t.bond_per_unit, t.dispute_bond, t.max_replacements
    )


@pytest.fixture
def escrow_machine(market):
    """The state machine class, bound to this test's chain (two listings, funded accounts)."""
    token_terms = dict(TOKEN_LISTING, token=market.token_address)
    eth_id = market.make_listing("merchant", **ETH_LISTING)
    token_id = market.make_listing("merchant2", **token_terms)
    for role in ("buyer", "buyer2", "merchant2"):
        fund_token(market, role, 10**15)
    tokens = (ETH, market.token_address)
    arbitrator = market.session.contract("TestArbitrator", market.arbitrator_address)
    clock = ExactClock(market)

    class EscrowMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = clock
            self.snapshot = market.clock.snapshot()
            clock.start()
            self.reader = BatchReader(market)
            self.model = EscrowModel()
            self.model.listings = [
                _listing_model(market, eth_id, "merchant", ETH_LISTING),
                _listing_model(market, token_id, "merchant2", token_terms),
            ]
            self.chain_history: dict[int, list[S]] = {}
            try:
                for listing in self.model.listings:
                    self._commit(listing, 3)
            except BaseException:
                self._restore()
                raise

        def _restore(self) -> None:
            market.clock.revert(self.snapshot)
            clock.stop()

        # ------------------------------------------------------------ helpers
        def _orders(self, *statuses: S) -> list[OrderModel]:
            return [o for o in self.model.orders if o.status in statuses]

        def _choose(self, pick: int, *statuses: S) -> OrderModel:
            candidates = self._orders(*statuses)
            return candidates[pick % len(candidates)]

        @staticmethod
        def _late_error(deadline: int) -> str | None:
            """How an action that must happen by `deadline` is refused now (None: in time).
            A transaction is checked at the latest block's time (gas estimation) and mined one
            second later: at the deadline itself it passes the first and fails the second."""
            now = clock.now()
            if now < deadline:
                return None
            return "EscrowDeadlinePassed" if now > deadline else "TransactionFailed"

        @staticmethod
        def _past(deadline: int) -> bool:
            """Whether a rule that applies after `deadline` applies now."""
            return clock.now() > deadline

        @staticmethod
        def _attempt(fn, *args, ok: bool, errors: tuple[str, ...] = (), **kwargs):
            """Calls fn, which must succeed (ok) or revert with one of `errors` (not ok).
            Returns the TxResult, or None when it reverted."""
            try:
                result = fn(*args, **kwargs)
            except ContractRevert as err:
                assert not ok, f"{fn.__name__} reverted unexpectedly: {err}"
                assert err.name in errors, f"{fn.__name__}: {err}, expected one of {errors}"
                return None
            assert ok, f"{fn.__name__} succeeded; expected a revert in {errors}"
            return result

        def _commit(self, listing: ListingModel, count: int) -> None:
            stock = market.make_stock(listing.listing_id, count, merchant=listing.merchant)
            listing.batches.append(BatchModel(stock, listing))
            listing.stock += count

        def _revoke(self, b: BatchModel) -> None:
            client = market.client(b.listing.merchant)
            result = self._attempt(
                client.revoke_batch,
                b.stock.root,
                ok=self.model.releasable(b) > 0,
                errors=("EscrowNothingToRevoke",),
            )
            if result:
                released = self.model.revoke(b)
                assert result.event("StockRevoked").args["unitsRevoked"] == released

        def _seal(self, o: OrderModel, good: bool) -> tuple[BatchModel, object] | None:
            """The next deliverable unit of the order's listing, sealed to the order (the right
            key, or another one under the unit's commitment); None if none is left."""
            batch = o.listing.live_batch()
            if batch is None:
                return None
            unit = batch.next_unit()
            if good:
                record = market.sealed_record(o.order_id, batch.stock, unit)
            else:
                record = wrong_key_record(market, o.order_id, batch.stock, unit)
            return batch, record

        def _delivered(self, o: OrderModel, batch: BatchModel, record, good: bool, result) -> None:
            [event] = [
                e.args
                for e in result.events
                if e.name == "KeyDelivered" and e.args["orderId"] == o.order_id
            ]
            assert event["deliveryNo"] == o.deliveries
            batch.used += 1
            o.deliveries += 1
            o.record = record
            o.bad_delivery = not good
            o.deadline = event["confirmDeadline"]
            o.reason = 0  # a replacement ends the dispute
            o.move(S.DELIVERED)

        def _deliver(self, o: OrderModel, good: bool) -> None:
            sealed = self._seal(o, good)
            assert sealed is not None, "a paid order's unit is no longer deliverable"
            batch, record = sealed
            client = market.client(o.listing.merchant)
            late = self._late_error(o.deadline)
            result = self._attempt(
                client.deliver,
                o.order_id,
                record,
                batch.stock.tree.proof(record.unit_index),
                ok=late is None,
                errors=(late,),
            )
            if result:
                self._delivered(o, batch, record, good, result)

        def _confirm(self, o: OrderModel) -> None:
            market.client(o.buyer).confirm(o.order_id)
            self.model.pay_merchant(o, o.buyer)  # a held dispute bond goes back to the buyer

        # ------------------------------------------------------------ baskets and batch calls
        @staticmethod
        def _refused(client, result) -> dict[int, str]:
            return {oid: err.name for oid, err in client.refusals(result).items()}

        def _basket(self, listing: ListingModel, size: int, payer: str, repeat: bool) -> None:
            """Pays `size` keys of `listing` in one basket (`repeat`: the last key is the first
            one again, which refuses the whole basket)."""
            keys = [market.new_order_key() for _ in range(size)]
            if repeat:
                keys[-1] = keys[0]
            if listing.stock < size:
                error = "EscrowOutOfStock"
            else:
                error = "EscrowOrderExists" if repeat else None
            result = self._attempt(
                market.client(payer).pay_basket,
                listing.listing_id,
                [k.point for k in keys],
                ok=error is None,
                errors=(error,),
            )
            if result is None:
                return
            paid = [e.args for e in result.events if e.name == "OrderPaid"]
            basket = result.event("BasketPaid").args
            assert basket["orderIds"] == [e["orderId"] for e in paid]
            assert basket["total"] == size * listing.price
            for key, event in zip(keys, paid, strict=True):
                assert event["price"] == listing.price
                self.model.orders.append(
                    OrderModel(
                        event["orderId"],
                        key,
                        listing,
                        payer,
                        listing.price,
                        deadline=event["deliveryDeadline"],
                    )
                )
            listing.stock -= size

        def _deliver_batch(
            self, listing: ListingModel, orders: list[OrderModel], good: bool, repeat: bool
        ) -> None:
            """The listing's merchant delivers `orders` in one deliverMany. Each item is
            predicted by `deliver`'s rule in turn: not paid, another merchant's, past its
            deadline (the block is mined a second after now), or (`repeat`: the last order gets
            the first delivered order's unit) a unit used earlier in the same batch."""
            merchant = listing.merchant
            mined = clock.now() + 1
            planned = 0  # units of `listing` the items before this one will use
            used: set[tuple[bytes, int]] = set()
            first = None
            plan = []  # (order, batch, record, good, refusal or None)
            for i, o in enumerate(orders):
                if o.status != S.PAID:
                    error = "EscrowUnexpectedStatus"
                elif o.listing.merchant != merchant:
                    error = "EscrowNotMerchant"
                elif mined > o.deadline:
                    error = "EscrowDeadlinePassed"
                else:
                    error = None
                if error is not None:  # refused before its unit is looked at
                    batch = o.listing.batches[0]
                    unit = batch.stock.units[0]
                elif repeat and first is not None and i == len(orders) - 1:
                    batch, unit = first
                    left = batch.unsold - sum(1 for root, _ in used if root == batch.stock.root)
                    error = "EscrowBatchRevoked" if left <= 0 else "EscrowUnitAlreadyUsed"
                else:
                    found = o.listing.nth_unit(planned)
                    assert found is not None, "a paid order's unit is no longer deliverable"
                    batch, unit = found
                    planned += 1
                    used.add((batch.stock.root, unit.index))
                    first = first or (batch, unit)
                item_good = good or i > 0
                if item_good or error is not None:
                    record = market.sealed_record(o.order_id, batch.stock, unit)
                else:
                    record = wrong_key_record(market, o.order_id, batch.stock, unit)
                plan.append((o, batch, record, item_good, error))
            client = market.client(merchant)
            result = client.deliver_many(
                [(o.order_id, r, b.stock.tree.proof(r.unit_index)) for o, b, r, _, _ in plan]
            )
            expected = {o.order_id: error for o, _, _, _, error in plan if error}
            assert self._refused(client, result) == expected
            delivered = [e.args["orderId"] for e in result.events if e.name == "KeyDelivered"]
            assert delivered == [o.order_id for o, *_, error in plan if error is None]
            for o, batch, record, item_good, error in plan:
                if error is None:
                    self._delivered(o, batch, record, item_good, result)

        def _confirm_batch(self, caller: str, orders: list[OrderModel]) -> None:
            """`caller` confirms `orders` in one confirmMany: only its own delivered (disputed,
            attested) orders go through; a held dispute bond goes back to the buyer."""
            expected = {}
            for o in orders:
                if o.status not in CONFIRMABLE:
                    expected[o.order_id] = "EscrowUnexpectedStatus"
                elif o.buyer != caller:
                    expected[o.order_id] = "EscrowNotBuyer"
            client = market.client(caller)
            result = client.confirm_many([o.order_id for o in orders])
            assert self._refused(client, result) == expected
            for o in orders:
                if o.order_id not in expected:
                    self.model.pay_merchant(o, o.buyer)

        def _settle_batch(self, orders: list[OrderModel]) -> None:
            """A keeper settles `orders` in one settleMany: delivered orders whose confirm window
            passed by the time the block is mined (a second after now)."""
            now = clock.now()
            expected = {}
            for o in orders:
                if o.status != S.DELIVERED:
                    expected[o.order_id] = "EscrowUnexpectedStatus"
                elif now + 1 <= o.deadline:
                    expected[o.order_id] = "EscrowDeadlineNotReached"
            client = market.client("stranger")
            try:
                result = client.settle_many([o.order_id for o in orders])
            except ContractRevert as err:
                # An order due exactly at the next block is refused when the SDK estimates gas
                # (at the latest block's time) and settled when mined: the estimate is short and
                # the whole transaction runs out of gas (an SDK gas-estimation gap, not a rule).
                at_edge = any(o.status == S.DELIVERED and o.deadline == now for o in orders)
                assert at_edge and err.name == "TransactionFailed", f"settleMany: {err}"
                return
            assert self._refused(client, result) == expected
            for o in orders:
                if o.order_id not in expected:
                    self.model.pay_merchant(o, None)

        def _batch_of(self, candidates: list[OrderModel], pick: int, n: int) -> list[OrderModel]:
            """1..4 of `candidates` (rotated by `pick`) and, mostly, one more order of any
            status or listing in the middle (usually one the batch call refuses)."""
            chosen = []
            if candidates:
                start = pick % len(candidates)
                chosen = (candidates[start:] + candidates[:start])[: 1 + n % 4]
            others = [o for o in self.model.orders if o not in chosen]
            if others and pick % 3:
                chosen.insert(len(chosen) // 2, others[(pick // 3) % len(others)])
            return chosen

        def _dispute(self, o: OrderModel, reason: int) -> None:
            # One dispute per delivery once a verifier found it valid.
            error = "EscrowVerdictStands" if o.verdict_stands else self._late_error(o.deadline)
            result = self._attempt(
                market.client(o.buyer).dispute,
                o.order_id,
                reason,
                ok=error is None,
                errors=(error,),
            )
            if result:
                o.deadline = result.event("OrderDisputed").args["responseDeadline"]
                o.reason = reason
                o.move(S.DISPUTED)

        def _verdict(self, o: OrderModel, verdict: int) -> None:
            deadline = clock.now() + DAY
            signature = sign_verdict(
                market, o.order_id, o.deliveries - 1, o.record.fingerprint, verdict, deadline
            )
            late = self._late_error(o.deadline)  # only within the merchant's response window
            result = self._attempt(
                market.client("stranger").submit_verdict,
                o.order_id,
                o.record,
                verdict,
                deadline,
                signature,
                ok=late is None,
                errors=(late,),
            )
            if result:
                appeal = result.event("VerifierAttested").args["appealDeadline"]
                assert appeal >= o.deadline  # the appeal never ends before the response window
                o.deadline = appeal
                # VALID: delivered again, the reason (and the dispute bond) kept.
                o.move(S.DELIVERED if verdict == 3 else S.VERIFIER_REFUND_PENDING)

        def _prove(self, o: OrderModel) -> None:
            late = self._late_error(o.deadline) if o.status == S.DELIVERED else None
            if late == "EscrowDeadlinePassed":
                error = late
            elif not o.bad_delivery:
                error = "EscrowDeliveryMatchesCommitment"
            else:
                error = late
            client = market.client(o.buyer)
            if self._attempt(
                client.prove_misdelivery,
                o.order_id,
                o.key.secret,
                o.record,
                ok=error is None,
                errors=(error,),
            ):
                self.model.refund_buyer(o, fault=True)

        def _merchant_refund(self, o: OrderModel) -> None:
            # Refunding after a missed delivery or response deadline is that deadline's rule:
            # the buyer still gets the unit's bond.
            late = o.status in (S.PAID, S.DISPUTED) and clock.now() >= o.deadline  # mined later
            # A refund that could pre-empt a misdelivery proof pays the unit's bond as the proof
            # would: an undisputed delivery, or a dispute claiming a provable fault (1, 2).
            provable = o.status == S.DELIVERED or (o.status == S.DISPUTED and o.reason in (1, 2))
            market.client(o.listing.merchant).refund(o.order_id)
            self.model.refund_buyer(o, fault=late or provable)

        def _answer(self, o: OrderModel, kind: str, good: bool = True, excess: int = 0) -> None:
            if kind == "refund":
                self._merchant_refund(o)
            elif kind == "replace":
                self._replace(o, good)
            else:
                self._contest(o, excess)

        def _replace(self, o: OrderModel, good: bool) -> None:
            listing = o.listing
            late = self._late_error(o.deadline)
            if late == "EscrowDeadlinePassed":
                error = late
            elif o.deliveries > listing.max_replacements:
                error = "EscrowReplacementsExhausted"
            elif listing.stock == 0:
                error = "EscrowOutOfStock"
            else:
                error = late
            sealed = self._seal(o, good)
            assert error is not None or sealed is not None, "a unit is on sale but undeliverable"
            batch, record = sealed if sealed else (None, o.record)
            proof = batch.stock.tree.proof(record.unit_index) if batch else []
            client = market.client(listing.merchant)
            result = self._attempt(
                client.replace, o.order_id, record, proof, ok=error is None, errors=(error,)
            )
            if result:
                listing.stock -= 1  # the replacement unit's bond goes back to the merchant
                self.model.credit(listing.token, listing.merchant, listing.bond)
                self.model.credit(listing.token, o.buyer, listing.dispute_bond)
                self._delivered(o, batch, record, good, result)

        def _contest(self, o: OrderModel, excess: int) -> None:
            """The merchant contests a dispute or an INVALID/REDEEMED verdict; the buyer a VALID
            one (the order is then Delivered with its reason kept)."""
            contester = o.buyer if o.status == S.DELIVERED else o.listing.merchant
            client = market.client(contester)
            late = self._late_error(o.deadline)
            result = self._attempt(
                client.contest,
                o.order_id,
                fee=ARBITRATION_FEE + excess,
                ok=late is None,
                errors=(late,),
            )
            if result:
                event = result.event("ArbitrationRequested").args
                o.dispute_id = event["disputeId"]
                o.deadline = event["timeoutAt"]
                o.move(S.ARBITRATING)
                self.model.credit(ETH, contester, excess)  # the court keeps its fee

        def _rule(self, o: OrderModel, ruling: int) -> None:
            send_as(market, "stranger", arbitrator.functions.giveRuling(o.dispute_id, ruling))
            if ruling == 1:
                self.model.refund_buyer(o, fault=False)
            elif ruling == 2:
                self.model.pay_merchant(o, o.listing.merchant)
            else:
                self.model.split(o)

        def _deadline_action(self, o: OrderModel) -> None:
            name, effect = DEADLINE_RULES[o.status]
            fn = getattr(market.client("stranger"), name)
            if self._attempt(
                fn, o.order_id, ok=self._past(o.deadline), errors=("EscrowDeadlineNotReached",)
            ):
                effect(self.model, o)

        @staticmethod
        def _balance_request(token: str, address: str) -> tuple:
            if token == ETH:
                return BatchReader.balance(address)
            return BatchReader.call("TestToken", token, "balanceOf", address)

        def _withdraw(self, role: str, token: str) -> None:
            owed = self.model.credits[(token, role)]
            wallet = market.address(role)
            before = self.reader.run([self._balance_request(token, wallet)])[0]
            result = self._attempt(
                market.client(role).withdraw,
                token,
                ok=owed > 0,
                errors=("EscrowNothingToWithdraw",),
            )
            if result is None:
                return
            after = self.reader.run([self._balance_request(token, wallet)])[0]
            gas = 0
            if token == ETH:
                gas = result.receipt["gasUsed"] * result.receipt["effectiveGasPrice"]
            assert after - before + gas == owed, f"{role} received {after - before + gas} of {owed}"
            self.model.credits[(token, role)] = 0

        # ------------------------------------------------------------ the one rule
        # A single rule whose action is drawn from the weighted ACTIONS: Hypothesis's swarm
        # testing would switch whole rules off per example, and an order needs several parties
        # in turn (pay, deliver, dispute, contest, rule) to reach the deep end of its life.
        @rule(
            action=st.sampled_from(ACTIONS),
            pick=PICK,
            good=st.booleans(),
            n=st.integers(0, 5),
            seconds=st.sampled_from(CLOCK_STEPS),
        )
        def step(self, action, pick, good, n, seconds):
            """One action of one party; an action with nothing to act on does nothing. `pick`
            chooses the order (or listing, batch, creditor), `good` whether a delivered key is
            the committed one, `n` a small choice (count, reason, ruling, answer)."""
            getattr(self, f"_{action}_step")(pick, good, n, seconds)

        def _pay_step(self, pick, good, n, seconds):
            listing = self.model.listings[pick % 2]
            key = market.new_order_key()
            result = self._attempt(
                market.client(PAYERS[n % 2]).pay,
                listing.listing_id,
                key.x,
                key.y,
                ok=listing.stock > 0,
                errors=("EscrowOutOfStock",),
            )
            if result:
                event = result.event("OrderPaid").args
                assert event["price"] == listing.price
                self.model.orders.append(
                    OrderModel(
                        event["orderId"],
                        key,
                        listing,
                        PAYERS[n % 2],
                        listing.price,
                        deadline=event["deliveryDeadline"],
                    )
                )
                listing.stock -= 1

        def _basket_step(self, pick, good, n, seconds):
            """A basket of 1..4 keys, mostly no more than the stock; now and then more than
            the stock or with a key repeated (either refuses the whole basket)."""
            listing = self.model.listings[pick % 2]
            size = 1 + n % 4
            if pick % 4 and listing.stock:
                size = min(size, listing.stock)
            self._basket(listing, size, PAYERS[(pick // 2) % 2], repeat=size > 1 and pick % 5 == 0)

        def _deliver_many_step(self, pick, good, n, seconds):
            listing = self.model.listings[pick % 2]
            paid = [o for o in self._orders(S.PAID) if o.listing is listing]
            orders = self._batch_of(paid, pick, n)
            if orders:
                self._deliver_batch(listing, orders, good, repeat=pick % 4 == 0)

        def _confirm_many_step(self, pick, good, n, seconds):
            orders = self._batch_of(self._orders(*CONFIRMABLE), pick, n)
            if orders:
                self._confirm_batch(PAYERS[(pick // 2) % 2], orders)

        def _settle_many_step(self, pick, good, n, seconds):
            now = clock.now()
            delivered = self._orders(S.DELIVERED)
            due = [o for o in delivered if now >= o.deadline]
            orders = self._batch_of(due if n and due else delivered, pick, n)
            if orders:
                self._settle_batch(orders)

        def _deliver_step(self, pick, good, n, seconds):
            """The merchant delivers a paid order, or (n == 0) the listing's whole queue."""
            if not self._orders(S.PAID):
                return
            first = self._choose(pick, S.PAID)
            orders = [first]
            if n == 0:
                orders = [o for o in self._orders(S.PAID) if o.listing is first.listing]
            for o in orders:
                self._deliver(o, good)

        def _confirm_step(self, pick, good, n, seconds):
            statuses = (S.DELIVERED, S.DISPUTED, S.VERIFIER_REFUND_PENDING)
            if self._orders(*statuses):
                self._confirm(self._choose(pick, *statuses))

        def _dispute_step(self, pick, good, n, seconds):
            if self._orders(S.DELIVERED):
                self._dispute(self._choose(pick, S.DELIVERED), reason=1 + n % 5)

        def _verdict_step(self, pick, good, n, seconds):
            if self._orders(S.DISPUTED):
                self._verdict(self._choose(pick, S.DISPUTED), verdict=1 + n % 3)

        def _appeal_step(self, pick, good, n, seconds):
            """The buyer takes a VALID verdict to the court."""
            standing = [o for o in self._orders(S.DELIVERED) if o.verdict_stands]
            if standing:
                self._contest(standing[pick % len(standing)], excess=12_345 if n % 2 else 0)

        def _prove_step(self, pick, good, n, seconds):
            """The buyer reveals the order key (a proof also ends an arbitration)."""
            if self._orders(*PROVABLE):
                self._prove(self._choose(pick, *PROVABLE))

        def _answer_step(self, pick, good, n, seconds):
            """The merchant answers a dispute or a verifier verdict."""
            statuses = (S.DISPUTED, S.VERIFIER_REFUND_PENDING)
            if self._orders(*statuses):
                self._answer(
                    self._choose(pick, *statuses),
                    ANSWERS[n % len(ANSWERS)],
                    good,
                    excess=12_345 if n % 2 else 0,
                )

        def _ruling_step(self, pick, good, n, seconds):
            if self._orders(S.ARBITRATING):
                self._rule(self._choose(pick, S.ARBITRATING), n % 3)

        def _deadline_step(self, pick, good, n, seconds):
            """Anyone applies the permissionless rule of an order's phase: mostly to an order
            past its deadline, sometimes to any (refused before the deadline)."""
            now = clock.now()
            overdue = [o for o in self._orders(*DEADLINE_RULES) if now > o.deadline]
            candidates = overdue if n and overdue else self._orders(*DEADLINE_RULES)
            if candidates:
                self._deadline_action(candidates[pick % len(candidates)])

        def _clock_step(self, pick, good, n, seconds):
            clock.advance(seconds)

        def _commit_step(self, pick, good, n, seconds):
            self._commit(self.model.listings[pick % 2], 1 + n % 3)

        def _revoke_step(self, pick, good, n, seconds):
            batches = self.model.listings[pick % 2].batches
            if batches:
                self._revoke(batches[n % len(batches)])

        def _price_step(self, pick, good, n, seconds):
            listing = self.model.listings[pick % 2]
            price = NEW_PRICES[ETH if listing.token == ETH else "token"][n % 2]
            market.client(listing.merchant).set_price(listing.listing_id, price)
            listing.price = price  # open orders keep the price they paid

        def _refund_step(self, pick, good, n, seconds):
            """The merchant refunds an order before any dispute (e.g. out of stock)."""
            if self._orders(S.PAID, S.DELIVERED):
                self._merchant_refund(self._choose(pick, S.PAID, S.DELIVERED))

        def _withdraw_step(self, pick, good, n, seconds):
            owed = [key for key, value in sorted(self.model.credits.items()) if value]
            if owed:
                token, role = owed[pick % len(owed)]
                self._withdraw(role, token)

        # ------------------------------------------------------------ invariants
        @invariant()
        def books_balance(self):
            self.check_books()

        def check_books(self) -> None:
            m = self.model
            escrow = market.escrow_address
            reqs = [self._balance_request(t, escrow) for t in tokens]
            reqs += [
                BatchReader.call("FairkeyEscrow", escrow, "creditOf", t, market.address(r))
                for t in tokens
                for r in ROLES
            ]
            reqs += [
                BatchReader.call("FairkeyEscrow", escrow, "listing", lm.listing_id)
                for lm in m.listings
            ]
            reqs += [
                BatchReader.call("FairkeyEscrow", escrow, "order", o.order_id) for o in m.orders
            ]
            out = iter(self.reader.run(reqs))
            balances = {t: next(out) for t in tokens}
            credits = {(t, r): next(out) for t in tokens for r in ROLES}
            for lm in m.listings:
                assert next(out)["stockAvailable"] == lm.stock, f"listing {lm.listing_id} stock"
                # Every unit on sale or owed to a paid order can still be delivered: no phantom
                # stock whose bond nothing could ever release.
                owed = lm.stock + len([o for o in self._orders(S.PAID) if o.listing is lm])
                assert sum(b.unsold for b in lm.batches) >= owed, f"listing {lm.listing_id}"
            for o in m.orders:
                status = S(next(out)["status"])
                seen = self.chain_history.setdefault(o.order_id, [])
                if not seen or seen[-1] != status:
                    seen.append(status)
                ends = [s for s in seen if s in TERMINAL]
                if ends:  # one end, and it is where the order stays
                    assert ends == [seen[-1]], f"{o.order_id:#x} went {[s.name for s in seen]}"
                assert status == o.status, f"{o.order_id:#x}: {status.name} != {o.status.name}"
            for key, value in credits.items():
                assert value == m.credits[key], f"credit {key}: {value} != {m.credits[key]}"
            for t in tokens:
                assert balances[t] == m.holdings(t), (
                    f"token {t}: the escrow holds {balances[t]} and owes {m.holdings(t)}"
                )

        # ------------------------------------------------------------ the end: every way out
        def teardown(self):
            try:
                if sys.exc_info()[0] is None:  # a failing step is reported as it is
                    self.drain()
            finally:
                self._restore()

        def drain(self) -> None:
            clock.advance(60 * DAY)
            delivered = self._orders(S.DELIVERED)
            if delivered:  # one keeper batch (every confirm window has passed)
                self._settle_batch(delivered)
            for n, o in enumerate(self.model.orders):
                if o.terminal:
                    continue
                if o.status == S.ARBITRATING and n % 2:
                    self._rule(o, n % 3)  # the court's ruling
                else:
                    self._deadline_action(o)
            for listing in self.model.listings:
                for b in listing.batches:
                    self._revoke(b)
            self.check_books()
            for (token, role), owed in sorted(self.model.credits.items()):
                if owed:
                    self._withdraw(role, token)
            self.check_books()
            assert all(o.terminal for o in self.model.orders)
            for token in tokens:
                left = self.reader.run([self._balance_request(token, market.escrow_address)])[0]
                assert left == 0, f"{left} of token {token} is stuck in the escrow"

    return EscrowMachine


def test_random_action_sequences_keep_the_escrow_exactly_solvent(escrow_machine):
    run_state_machine_as_test(
        escrow_machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=50,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


# Every published rule that moves money, as the path of one order from payment to its end.
MONEY_PATHS = {
    "buyer confirms": ("deliver", "confirm"),
    "confirm window passes": ("deliver", "late", "deadline"),
    "never delivered": ("late", "deadline"),
    "merchant refunds before delivery": ("refund",),
    "merchant refunds after the delivery deadline": ("late", "refund"),
    "merchant refunds a delivered key": ("deliver", "refund"),
    "wrong key proven": ("deliver_wrong", "prove"),
    "dispute withdrawn": ("deliver", "dispute", "confirm"),
    "merchant refunds a dispute": ("deliver", "dispute", "refund"),
    "merchant silent": ("deliver", "dispute", "late", "deadline"),
    "merchant refunds after its response window": ("deliver", "dispute", "late", "refund"),
    "verifier refund": ("deliver", "dispute", "verdict", "late", "deadline"),
    "buyer confirms despite a verdict": ("deliver", "dispute", "verdict", "confirm"),
    "replacement accepted": ("deliver", "dispute", "replace", "confirm"),
    "replacement after a verdict": ("deliver", "dispute", "verdict", "replace", "late", "deadline"),
    "court splits": ("deliver", "dispute", "contest", "rule0"),
    "court refunds": ("deliver", "dispute", "contest", "rule1"),
    "court pays the merchant": ("deliver", "dispute", "contest", "rule2"),
    "court stalls": ("deliver", "dispute", "contest", "late", "deadline"),
    "verdict appealed": ("deliver", "dispute", "verdict", "contest", "rule2"),
    "proof ends an arbitration": ("deliver_wrong", "dispute", "contest", "prove"),
    "proof after a verdict": ("deliver_wrong", "dispute", "verdict", "prove"),
    "repriced after payment": ("price", "deliver", "late", "deadline"),
    "delivered and confirmed in batches": ("deliver_many", "confirm_many"),
    "settled in a keeper's batch": ("deliver_many", "late", "settle_many"),
    "dispute withdrawn in a batch": ("deliver", "dispute", "confirm_many"),
    "confirmed in a batch despite a verdict": ("deliver", "dispute", "verdict", "confirm_many"),
    "valid verdict settles": ("deliver", "dispute", "valid", "late", "deadline"),
    "valid verdict confirmed": ("deliver", "dispute", "valid", "confirm"),
    "valid verdict settled in a batch": ("deliver", "dispute", "valid", "late", "settle_many"),
    "valid verdict, merchant refunds": ("deliver", "dispute", "valid", "refund"),
    "valid verdict appealed, court refunds": ("deliver", "dispute", "valid", "appeal", "rule1"),
    "valid verdict appealed, court pays": ("deliver", "dispute", "valid", "appeal", "rule2"),
    "valid verdict appealed, court splits": ("deliver", "dispute", "valid", "appeal", "rule0"),
    "proof after a valid verdict": ("deliver_wrong", "dispute", "valid", "prove"),
}


def _late(machine, o: OrderModel) -> None:
    """Moves the clock just past the order's current deadline."""
    machine.clock.advance(max(1, o.deadline + 1 - machine.clock.now()))


STEPS = {
    "deliver": lambda m, o: m._deliver(o, good=True),
    "deliver_wrong": lambda m, o: m._deliver(o, good=False),
    "confirm": lambda m, o: m._confirm(o),
    "dispute": lambda m, o: m._dispute(o, 3),
    "verdict": lambda m, o: m._verdict(o, 1),
    "valid": lambda m, o: m._verdict(o, 3),
    "appeal": lambda m, o: m._contest(o, excess=12_345),
    "prove": lambda m, o: m._prove(o),
    "refund": lambda m, o: m._merchant_refund(o),
    "replace": lambda m, o: m._answer(o, "replace"),
    "contest": lambda m, o: m._answer(o, "contest", excess=12_345),
    "rule0": lambda m, o: m._rule(o, 0),
    "rule1": lambda m, o: m._rule(o, 1),
    "rule2": lambda m, o: m._rule(o, 2),
    "deliver_many": lambda m, o: m._deliver_batch(o.listing, [o], good=True, repeat=False),
    "confirm_many": lambda m, o: m._confirm_batch(o.buyer, [o]),
    "settle_many": lambda m, o: m._settle_batch([o]),
    "late": _late,
    "deadline": lambda m, o: m._deadline_action(o),
    "price": lambda m, o: m._price_step(
        m.model.listings.index(o.listing), True, len(m.model.orders), 1
    ),
}


def test_every_rule_that_moves_money_keeps_the_books(escrow_machine):
    machine = escrow_machine()
    try:
        for which, listing in enumerate(machine.model.listings):
            machine._commit(listing, 2 * len(MONEY_PATHS))
            for name, path in MONEY_PATHS.items():
                machine._pay_step(which, True, len(machine.model.orders), 1)
                o = machine.model.orders[-1]
                for step in path:
                    STEPS[step](machine, o)
                    machine.check_books()
                assert o.terminal, f"{name}: the order is still {o.status.name}"
    finally:
        machine.teardown()  # drains, withdraws everything, asserts an empty escrow


def test_stock_revoked_under_an_undelivered_order_is_released_once_the_order_is_refunded(
    escrow_machine,
):
    # The sequence that stranded a unit's bond for good when revoking marked the whole batch
    # revoked: a unit is sold, the merchant revokes the batch while the order still holds it,
    # then refunds the order (the unit is back on sale) and revokes again.
    machine = escrow_machine()
    step = functools.partial(machine.step, pick=0, good=True, n=0, seconds=1)
    try:
        step(action="pay")
        step(action="revoke")
        assert machine.model.listings[0].stock == 0
        step(action="refund")
        assert machine.model.listings[0].stock == 1
        step(action="revoke")
        machine.check_books()
        assert machine.model.listings[0].stock == 0
    finally:
        machine.teardown()  # drains, withdraws everything, asserts an empty escrow
