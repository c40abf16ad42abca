"""Random sequences of escrow actions on a real chain keep the books exact.

After every step, per token: the escrow's balance equals the ledger credits of every account,
plus the prices of open orders, plus the dispute bonds it holds, plus the unit bonds locked for
stock and open orders (and every credit, stock count and order status is what the published
rules say). Every order ends at most once and never leaves its end. At the end, with only
permissionless actions (and the court's ruling), every order ends, every party withdraws
everything, and the escrow is empty: no money without a way out.
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
ACTIONS = (
    "pay", "pay", "pay", "deliver", "deliver", "deliver", "confirm", "dispute", "dispute",
    "verdict", "prove", "answer", "answer", "answer", "ruling", "deadline", "deadline",
    "clock", "clock", "clock", "commit", "revoke", "price", "refund", "withdraw", "withdraw",
)
ANSWERS = ("refund", "replace", "replace", "contest", "contest")

# Two listings: ETH (merchant) and the TestToken stablecoin (merchant2). Odd prices exercise the
# rounding of fees and of the court's split.
ETH_LISTING = dict(token=ETH, price=PRICE + 7, bond_per_unit=BOND, dispute_bond=DISPUTE_BOND,
                   delivery_window=6 * HOUR, confirm_window=DAY, response_window=12 * HOUR,
                   appeal_window=4 * HOUR, max_replacements=2)
TOKEN_LISTING = dict(price=25 * 10**6 + 1, bond_per_unit=5 * 10**6, dispute_bond=10**6,
                     delivery_window=12 * HOUR, confirm_window=2 * DAY, response_window=DAY,
                     appeal_window=6 * HOUR, max_replacements=1)
NEW_PRICES = {ETH: (PRICE - 1, 2 * PRICE + 3), "token": (10 * 10**6 + 3, 40 * 10**6 - 1)}

# After the deadline of its current phase, anyone ends an order by the published rule.
DEADLINE_RULES = {
    S.PAID: ("refund_undelivered", lambda m, o: m.refund_buyer(o, fault=True)),
    S.DELIVERED: ("settle", lambda m, o: m.pay_merchant(o, None)),
    S.DISPUTED: ("refund_unanswered", lambda m, o: m.refund_buyer(o, fault=True)),
    S.VERIFIER_REFUND_PENDING: ("execute_verifier_refund",
                                lambda m, o: m.refund_buyer(o, fault=False)),
    S.ARBITRATING: ("resolve_stalled_arbitration", lambda m, o: m.split(o)),
}

PROVABLE = (S.DELIVERED, S.DISPUTED, S.VERIFIER_REFUND_PENDING, S.ARBITRATING)


def _listing_model(market, listing_id: int, merchant: str, terms: dict) -> ListingModel:
    t = market.terms(**terms)
    return ListingModel(listing_id, merchant, t.token, t.price, t.bond_per_unit, t.dispute_bond,
                        t.max_replacements)


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
            result = self._attempt(client.revoke_batch, b.stock.root,
                                   ok=self.model.releasable(b) > 0,
                                   errors=("EscrowNothingToRevoke",))
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
            event = result.event("KeyDelivered").args
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
            result = self._attempt(client.deliver, o.order_id, record,
                                   batch.stock.tree.proof(record.unit_index), ok=late is None,
                                   errors=(late,))
            if result:
                self._delivered(o, batch, record, good, result)

        def _confirm(self, o: OrderModel) -> None:
            market.client(o.buyer).confirm(o.order_id)
            self.model.pay_merchant(o, o.buyer)  # a held dispute bond goes back to the buyer

        def _dispute(self, o: OrderModel, reason: int) -> None:
            late = self._late_error(o.deadline)
            result = self._attempt(market.client(o.buyer).dispute, o.order_id, reason,
                                   ok=late is None, errors=(late,))
            if result:
                o.deadline = result.event("OrderDisputed").args["responseDeadline"]
                o.reason = reason
                o.move(S.DISPUTED)

        def _verdict(self, o: OrderModel, verdict: int) -> None:
            deadline = clock.now() + DAY
            signature = sign_verdict(market, o.order_id, o.deliveries - 1, o.record.fingerprint,
                                     verdict, deadline)
            late = self._late_error(o.deadline)  # only within the merchant's response window
            result = self._attempt(market.client("stranger").submit_verdict, o.order_id, o.record,
                                   verdict, deadline, signature, ok=late is None, errors=(late,))
            if result:
                appeal = result.event("VerifierAttested").args["appealDeadline"]
                assert appeal >= o.deadline  # the appeal never ends before the response window
                o.deadline = appeal
                o.move(S.VERIFIER_REFUND_PENDING)

        def _prove(self, o: OrderModel) -> None:
            late = self._late_error(o.deadline) if o.status == S.DELIVERED else None
            if late == "EscrowDeadlinePassed":
                error = late
            elif not o.bad_delivery:
                error = "EscrowDeliveryMatchesCommitment"
            else:
                error = late
            client = market.client(o.buyer)
            if self._attempt(client.prove_misdelivery, o.order_id, o.key.secret, o.record,
                             ok=error is None, errors=(error,)):
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
            result = self._attempt(client.replace, o.order_id, record, proof, ok=error is None,
                                   errors=(error,))
            if result:
                listing.stock -= 1  # the replacement unit's bond goes back to the merchant
                self.model.credit(listing.token, listing.merchant, listing.bond)
                self.model.credit(listing.token, o.buyer, listing.dispute_bond)
                self._delivered(o, batch, record, good, result)

        def _contest(self, o: OrderModel, excess: int) -> None:
            client = market.client(o.listing.merchant)
            late = self._late_error(o.deadline)
            result = self._attempt(client.contest, o.order_id, fee=ARBITRATION_FEE + excess,
                                   ok=late is None, errors=(late,))
            if result:
                event = result.event("ArbitrationRequested").args
                o.dispute_id = event["disputeId"]
                o.deadline = event["timeoutAt"]
                o.move(S.ARBITRATING)
                self.model.credit(ETH, o.listing.merchant, excess)  # the court keeps its fee

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
            if self._attempt(fn, o.order_id, ok=self._past(o.deadline),
                             errors=("EscrowDeadlineNotReached",)):
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
            result = self._attempt(market.client(role).withdraw, token, ok=owed > 0,
                                   errors=("EscrowNothingToWithdraw",))
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
        @rule(action=st.sampled_from(ACTIONS), pick=PICK, good=st.booleans(),
              n=st.integers(0, 5), seconds=st.sampled_from(CLOCK_STEPS))
        def step(self, action, pick, good, n, seconds):
            """One action of one party; an action with nothing to act on does nothing. `pick`
            chooses the order (or listing, batch, creditor), `good` whether a delivered key is
            the committed one, `n` a small choice (count, reason, ruling, answer)."""
            getattr(self, f"_{action}_step")(pick, good, n, seconds)

        def _pay_step(self, pick, good, n, seconds):
            listing = self.model.listings[pick % 2]
            key = market.new_order_key()
            result = self._attempt(market.client(PAYERS[n % 2]).pay, listing.listing_id, key.x,
                                   key.y, ok=listing.stock > 0, errors=("EscrowOutOfStock",))
            if result:
                event = result.event("OrderPaid").args
                assert event["price"] == listing.price
                self.model.orders.append(OrderModel(
                    event["orderId"], key, listing, PAYERS[n % 2], listing.price,
                    deadline=event["deliveryDeadline"]))
                listing.stock -= 1

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
                self._verdict(self._choose(pick, S.DISPUTED), verdict=1 + n % 2)

        def _prove_step(self, pick, good, n, seconds):
            """The buyer reveals the order key (a proof also ends an arbitration)."""
            if self._orders(*PROVABLE):
                self._prove(self._choose(pick, *PROVABLE))

        def _answer_step(self, pick, good, n, seconds):
            """The merchant answers a dispute or a verifier verdict."""
            statuses = (S.DISPUTED, S.VERIFIER_REFUND_PENDING)
            if self._orders(*statuses):
                self._answer(self._choose(pick, *statuses), ANSWERS[n % len(ANSWERS)], good,
                             excess=12_345 if n % 2 else 0)

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
            reqs += [BatchReader.call("FairkeyEscrow", escrow, "creditOf", t, market.address(r))
                     for t in tokens for r in ROLES]
            reqs += [BatchReader.call("FairkeyEscrow", escrow, "listing", lm.listing_id)
                     for lm in m.listings]
            reqs += [BatchReader.call("FairkeyEscrow", escrow, "order", o.order_id)
                     for o in m.orders]
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
                    f"token {t}: the escrow holds {balances[t]} and owes {m.holdings(t)}")

        # ------------------------------------------------------------ the end: every way out
        def teardown(self):
            try:
                if sys.exc_info()[0] is None:  # a failing step is reported as it is
                    self.drain()
            finally:
                self._restore()

        def drain(self) -> None:
            clock.advance(60 * DAY)
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
    "prove": lambda m, o: m._prove(o),
    "refund": lambda m, o: m._merchant_refund(o),
    "replace": lambda m, o: m._answer(o, "replace"),
    "contest": lambda m, o: m._answer(o, "contest", excess=12_345),
    "rule0": lambda m, o: m._rule(o, 0),
    "rule1": lambda m, o: m._rule(o, 1),
    "rule2": lambda m, o: m._rule(o, 2),
    "late": _late,
    "deadline": lambda m, o: m._deadline_action(o),
    "price": lambda m, o: m._price_step(m.model.listings.index(o.listing), True,
                                        len(m.model.orders), 1),
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
