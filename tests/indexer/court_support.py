"""Court scenarios for the indexer tests: the real court (CourtWorld: Court.sol with deterministic
randomness, set as the test escrow's arbitrator) deciding a real escrow order, captured as the
raw_logs rows the ingester stores (the escrow's logs and the court's), with the moments a test
looks at. Scenarios run on the shared Anvil and the chain is reverted after each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from eth_utils import keccak
from web3 import Web3

from arbitration.court_client import Choice, Period
from fairkey.chain.anvil import ChainClock
from indexer.projections import Head
from tests.indexer.projection_support import chain_rows, head_at, hex_id
from tests.support.court import CourtWorld
from tests.support.market import Market

EVIDENCE_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/invalid.png"
EVIDENCE_HASH = keccak(text="screenshot: the issuer says 'code invalid'")


@dataclass
class CourtStory:
    """One case at the court and what the test knows about it (addresses lowercase)."""

    world: CourtWorld
    start_block: int = 0  # the escrow's deployment: where the index starts
    case_id: int = 0
    order_id: str = ""
    panels: list[list[str]] = field(default_factory=list)  # each round's jurors, in seat order
    marks: dict[str, int] = field(default_factory=dict)  # moment -> last block before it
    rows: list[dict] = field(default_factory=list)  # the escrow's and the court's logs
    head: Head | None = None
    heads: dict[str, Head] = field(default_factory=dict)  # moment -> the head then

    @property
    def court(self) -> str:
        return self.world.court.address.lower()

    @property
    def market(self) -> Market:
        return self.world.market

    def party(self, role: str) -> str:
        return self.market.address(role).lower()

    @property
    def jurors(self) -> list[str]:
        return [j.address.lower() for j in self.world.jurors]

    def mark(self, moment: str) -> None:
        self.marks[moment] = self.market.w3.eth.block_number

    def rows_through(self, moment: str) -> list[dict]:
        return [r for r in self.rows if r["block_number"] <= self.marks[moment]]

    def head_at(self, moment: str) -> Head:
        return self.heads[moment]

    # ------------------------------------------------------------------ driving the case

    def open(self) -> None:
        deal, self.case_id = self.world.contested_case()
        self.order_id = hex_id(deal.order_id)

    def draw(self) -> list[str]:
        """Draws the current round's panel and passes to Commit once the evidence period ends."""
        panel = [a.lower() for a in self.world.draw_all(self.case_id)]
        self.panels.append(panel)
        self.market.clock.advance(self.world.params.evidence_period + 1)
        self.world.court.pass_period(self.case_id)
        return panel

    def commit(self, choices: dict[str, int]) -> None:
        """These jurors commit; the commit period ends (early if every juror committed)."""
        self.world.vote(self.case_id, choices)
        self.mark("committed")
        if len(choices) < len(self.panels[-1]):
            self.market.clock.advance(self.world.params.commit_period + 1)
        self.world.court.pass_period(self.case_id)
        assert self.world.court.case(self.case_id).period == Period.REVEAL
        self.mark("before_reveal")

    def reveal(self, choices: dict[str, int]) -> None:
        """These jurors reveal; the reveal period ends (early if every committed juror did)."""
        self.world.reveal(self.case_id, choices)
        self.world.court.pass_period(self.case_id)
        self.mark("ruled")

    def rule(self, choices: dict[str, int]) -> None:
        self.commit(choices)
        self.reveal(choices)

    def end_appeal_period(self) -> None:
        self.market.clock.advance(self.world.params.appeal_period + 1)
        self.world.court.pass_period(self.case_id)

    def settle(self) -> None:
        case = self.world.court.case(self.case_id)
        assert case.period == Period.EXECUTED
        self.mark("executed")
        for round_no in range(case.round + 1):
            self.world.court.settle(self.case_id, round_no)
        self.mark("settled")

    def client(self, role: str):
        return self.world.client(self.market.accounts[role])

    def capture(self) -> CourtStory:
        m = self.market
        self.rows = chain_rows(m.w3, m.escrow_address, self.start_block, courts=[self.court])
        self.head = head_at(m.w3)
        self.heads = {moment: head_at(m.w3, block) for moment, block in self.marks.items()}
        return self


def all_vote(panel: list[str], choice: int) -> dict[str, int]:
    return dict.fromkeys(panel, choice)


# ---------------------------------------------------------------------------- scenarios


def unanimous(story: CourtStory) -> None:
    """Five jurors staked; a panel of three refunds the buyer unanimously; the buyer anchored
    evidence; the case is executed and paid out."""
    story.world.add_jurors(5)
    story.open()
    story.client("buyer").submit_evidence(story.case_id, EVIDENCE_URI, EVIDENCE_HASH)
    panel = story.draw()
    story.rule(all_vote(panel, Choice.REFUND_BUYER))
    story.end_appeal_period()
    story.settle()


def split(story: CourtStory) -> None:
    """Two jurors pay the merchant, one refunds the buyer: the minority loses its lock."""
    story.world.add_jurors(5)
    story.open()
    panel = story.draw()
    votes = {panel[0]: Choice.PAY_MERCHANT, panel[1]: Choice.PAY_MERCHANT}
    story.rule({**votes, panel[2]: Choice.REFUND_BUYER})
    story.end_appeal_period()
    story.settle()


def appealed(story: CourtStory) -> None:
    """Round 0 pays the merchant; the buyer appeals, the merchant defends; a panel of seven
    refunds the buyer, so round 0 had no coherent juror."""
    story.world.add_jurors(12)
    story.open()
    first = story.draw()
    story.rule(all_vote(first, Choice.PAY_MERCHANT))
    story.client("buyer").appeal(story.case_id)
    story.client("merchant").appeal(story.case_id)  # the winner defends
    story.mark("appeal_funded")
    story.end_appeal_period()
    second = story.draw()
    story.rule(all_vote(second, Choice.REFUND_BUYER))
    story.end_appeal_period()
    story.settle()


def absent_juror(story: CourtStory) -> None:
    """Two of three jurors vote (for the buyer); the third never commits."""
    story.world.add_jurors(5)
    story.open()
    panel = story.draw()
    story.rule(all_vote(panel[:2], Choice.REFUND_BUYER))
    story.end_appeal_period()
    story.settle()


def empty_pool(story: CourtStory) -> None:
    """Nobody staked: the first draw aborts round 0 and the court refuses to rule (a split)."""
    story.open()
    story.world.court.draw(story.case_id, 10)
    story.mark("executed")


@contextmanager
def court_story_on(
    w3: Web3, accounts: dict, deployed: tuple, scenario: Callable[[CourtStory], None]
) -> Iterator[CourtStory]:
    """Runs `scenario` with a fresh court on the shared Anvil, captures it, reverts the chain."""
    session, deployment = deployed
    clock = ChainClock(w3)
    snapshot = clock.snapshot()
    try:
        market = Market.of(w3, session, deployment, accounts, clock)
        story = CourtStory(CourtWorld.deploy(market), start_block=deployment.block)
        scenario(story)
        yield story.capture()
    finally:
        clock.revert(snapshot)
