"""Random sequences of court actions on a real chain never pay out more than came in.

After every step the court's balance covers every credit and every stake it holds. At the end,
with only permissionless actions (draw, pass, settle) and each account withdrawing, every case
is executed and settled, every juror leaves, and the court's balance is exactly zero: every wei
that came in (stakes, fees, appeal deposits) went back out to someone, never stuck, never
created."""

from __future__ import annotations

from eth_account import Account
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from arbitration.court_client import Choice, CourtClient, Period, seats_of
from arbitration.deploy import CourtParams, deploy_court
from fairkey.chain.errors import ContractRevert
from fairkey.chain.types import ETH

JURORS = 9
PARAMS = CourtParams(min_stake=10**17, lock_per_seat=3 * 10**16 + 7, fee_per_juror=10**15 + 1)
PICK = st.integers(min_value=0, max_value=2**16)
CLOCK_STEPS = (60, 3600, 5 * 3600, 7 * 3600)


def test_the_court_never_pays_out_more_than_it_took_in(market):
    session = market.session.with_account(market.accounts["deployer"])
    jurors = [Account.create() for _ in range(JURORS)]
    for j in jurors:
        market.w3.provider.make_request("anvil_setBalance", [j.address, hex(10**21)])
    buyer, merchant = market.accounts["buyer"], market.accounts["merchant"]

    class CourtMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            rng = session.deploy("TestRandomness")
            address, _ = deploy_court(session, PARAMS, rng)
            self.court = CourtClient(session, address)
            self.arbitrable = session.contract(
                "TestArbitrable", session.deploy("TestArbitrable", address)
            )
            self.cases: list[int] = []
            self.accounts = [j.address for j in jurors] + [
                buyer.address,
                merchant.address,
                session.account.address,
            ]

        def juror(self, pick):
            return self.court.as_account(jurors[pick % JURORS])

        def case(self, pick):
            return self.cases[pick % len(self.cases)] if self.cases else None

        def attempt(self, fn, *args):
            try:
                return fn(*args)
            except ContractRevert:
                return None  # a refused action changes nothing: the invariant checks that

        @rule(pick=PICK, times=st.integers(min_value=1, max_value=3))
        def stake(self, pick, times):
            self.attempt(self.juror(pick).set_stake, PARAMS.min_stake * times)

        @rule(pick=PICK)
        def leave(self, pick):
            self.attempt(self.juror(pick).set_stake, 0)

        @rule(pick=PICK)
        def apply(self, pick):
            self.attempt(self.court.apply_stake, jurors[pick % JURORS].address)

        @rule()
        def open_case(self):
            if len(self.cases) >= 3:
                return
            fee = self.court.session.call(self.court.f.arbitrationCost(b""))
            result = session.send(
                self.arbitrable.functions.open(buyer.address, merchant.address), fee
            )
            self.cases.append(result.event("CaseOpened").args["caseId"])

        @rule(pick=PICK)
        def draw(self, pick):
            if (c := self.case(pick)) is not None:
                self.attempt(self.court.draw, c, 1 + pick % 40)

        @rule(pick=PICK)
        def pass_period(self, pick):
            if (c := self.case(pick)) is not None:
                self.attempt(self.court.pass_period, c)

        @rule(pick=PICK, choice=st.sampled_from(list(Choice)))
        def commit(self, pick, choice):
            if (c := self.case(pick)) is None:
                return
            view = self.court.case(c)
            panel = self.court.panel(c, view.round)
            if not panel:
                return
            juror = self.court.as_account(
                next(j for j in jurors if j.address == panel[pick % len(panel)])
            )
            self.attempt(juror.commit, c, juror.my_seat(c, view.round), choice)

        @rule(pick=PICK, choice=st.sampled_from(list(Choice)))
        def reveal(self, pick, choice):
            if (c := self.case(pick)) is None:
                return
            view = self.court.case(c)
            panel = self.court.panel(c, view.round)
            if not panel:
                return
            juror = self.court.as_account(
                next(j for j in jurors if j.address == panel[pick % len(panel)])
            )
            seat = juror.my_seat(c, view.round)
            for guess in (choice, *Choice):  # the right choice is among them: one reveal lands
                if self.attempt(self.court.reveal, [juror.reveal_item(c, seat, guess)]) is not None:
                    break

        @rule(pick=PICK, by_buyer=st.booleans())
        def appeal(self, pick, by_buyer):
            if (c := self.case(pick)) is not None:
                party = self.court.as_account(buyer if by_buyer else merchant)
                self.attempt(party.appeal, c)

        @rule(pick=PICK)
        def settle(self, pick):
            if (c := self.case(pick)) is not None:
                self.attempt(self.court.settle, c, pick % 4, 1 + pick % 5)

        @rule(refuse=st.booleans())
        def refuse_rulings(self, refuse):
            session.send(self.arbitrable.functions.setRefuse(refuse))

        @rule(step=st.sampled_from(CLOCK_STEPS))
        def clock(self, step):
            market.clock.advance(step)

        def owed(self) -> int:
            credits = sum(self.court.credit_of(ETH, a) for a in self.accounts)
            stakes = sum(self.court.stake_of(j.address)["staked"] for j in jurors)
            return credits + stakes

        @invariant()
        def the_court_can_pay_what_it_owes(self):
            assert market.w3.eth.get_balance(self.court.address) >= self.owed()

        def teardown(self):
            self.drain()
            assert market.w3.eth.get_balance(self.court.address) == 0

        def drain(self):
            for c in self.cases:
                for _ in range(20):
                    view = self.court.case(c)
                    if view.period == Period.EXECUTED:
                        break
                    if (
                        view.period == Period.EVIDENCE
                        and self.court.round(c, view.round).drawn < seats_of(view.round)[1]
                    ):
                        self.court.draw(c, 500)
                        continue
                    market.clock.advance(24 * 3600)
                    self.court.pass_period(c)
                assert self.court.case(c).period == Period.EXECUTED
                for r in range(self.court.case(c).round + 2):
                    while self.attempt(self.court.settle, c, r, 64) is not None:
                        pass
            for j in jurors:
                client = self.court.as_account(j)
                if self.court.stake_of(j.address)["staked"]:
                    if (
                        self.court.weight_of(j.address)[0]
                        != self.court.stake_of(j.address)["staked"]
                    ):
                        self.attempt(self.court.apply_stake, j.address)
                    client.set_stake(0)
            for account in [*jurors, buyer, merchant, session.account]:
                if self.court.credit_of(ETH, account.address):
                    self.court.as_account(account).withdraw(ETH)

    run_state_machine_as_test(
        CourtMachine,
        settings=settings(
            max_examples=6,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
