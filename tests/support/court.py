"""A court on the test Anvil: deployed with deterministic randomness, a pool of funded jurors,
and cases opened by the real escrow's `contest` (so rulings execute on real orders)."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_account import Account
from web3 import Web3

from arbitration.court_client import CourtClient
from arbitration.deploy import CourtParams, deploy_court
from tests.support.disputes import disputed_order
from tests.support.market import Market

FUND = 10**21  # wei each juror account gets


@dataclass
class CourtWorld:
    market: Market
    court: CourtClient
    randomness: str
    params: CourtParams
    jurors: list = field(default_factory=list)

    @classmethod
    def deploy(cls, market: Market, params: CourtParams | None = None) -> CourtWorld:
        params = params or CourtParams()
        session = market.session.with_account(market.accounts["deployer"])
        rng = session.deploy("TestRandomness")
        address, _ = deploy_court(session, params, rng)
        market.client("deployer").session.send(market.client("deployer").f.setArbitrator(address))
        return cls(market, CourtClient(session, address), rng, params)

    def client(self, account) -> CourtClient:
        return self.court.as_account(account)

    def add_jurors(self, count: int, stake: int | None = None) -> list:
        stake = stake or self.params.min_stake
        new = []
        for _ in range(count):
            acct = Account.create()
            self.market.w3.provider.make_request("anvil_setBalance", [acct.address, hex(FUND)])
            self.client(acct).set_stake(stake)
            new.append(acct)
        self.jurors.extend(new)
        return new

    def by_address(self, address: str):
        for acct in self.jurors:
            if acct.address.lower() == address.lower():
                return acct
        raise LookupError(address)

    def contested_case(self) -> tuple[object, int]:
        """A disputed order the merchant contests: (deal, case id) at the court."""
        deal = disputed_order(self.market)
        merchant = self.market.client("merchant")
        merchant.contest(deal.order_id)
        return deal, self.court.case_count()

    def rng_seed(self, seed: int) -> None:
        rng = self.market.session.contract("TestRandomness", self.randomness)
        self.market.session.with_account(self.market.accounts["deployer"]).send(
            rng.functions.setSeed(seed)
        )

    def draw_all(self, case_id: int) -> list[str]:
        self.court.draw(case_id, 500)
        c = self.court.case(case_id)
        return self.court.panel(case_id, c.round)

    def vote(self, case_id: int, choices: dict[str, int]) -> None:
        """Each juror address → choice commits (by itself), then the case passes to Reveal and
        they all reveal in one relayed batch."""
        c = self.court.case(case_id)
        for address, choice in choices.items():
            juror = self.client(self.by_address(address))
            juror.commit(case_id, juror.my_seat(case_id, c.round), choice)

    def reveal(self, case_id: int, choices: dict[str, int]) -> None:
        c = self.court.case(case_id)
        items = []
        for address, choice in choices.items():
            juror = self.client(self.by_address(address))
            items.append(juror.reveal_item(case_id, juror.my_seat(case_id, c.round), choice))
        self.court.reveal(items)


def checksum(address: str) -> str:
    return Web3.to_checksum_address(address)
