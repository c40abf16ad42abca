"""The court side of the adversarial market (issue 13): the drawn jurors vote by their policy
(bench/market_sim/jurors.py) and the parties appeal, on the real court, through the real clients.

Each `step()` (call it after the court keeper's step, once the clock moved):
- **votes** — every seat of the current round in its commit period commits its juror's choice:
  on chain through the juror's own `JurorService`, or, for the honest jurors picked to vote
  gasless (`relay_share`, when `api_url` is given), signed and posted to the appeal API, whose
  relayer sends it (`relayer`: stepped here if given, else run by the caller). In the reveal
  period the service reveals (one transaction per juror), or the reveal is posted to the API.
  Absent jurors do nothing; their lock is lost at settlement and they leave the pool.
  `batched=True` (the court study: hundreds of cases) skips the per-juror service: each seat
  commits with its juror's `CourtClient.commit`, and the due reveals of all jurors go in one
  permissionless `reveal` per step — the same contract calls, far fewer round trips.
- **appeals** — the party the truth favours appeals every ruling against it (while the court
  allows another round); the party the clique sides with defends each ruling the clique won and,
  once the clique won a round of the case, appeals the rulings that undo it (`clique_party`).
  Appeals are sent as the party (`parties` maps an address to its account).
- **results** — `final_rulings()` once a case is executed; `earnings()` per population from the
  chain only: stake now − stake then + credit now − credit then + what was withdrawn meanwhile
  (Withdrawn logs). Gas is not counted: it is the juror's, not the court's payout. Also kept:
  `first_rulings` (round 0's ruling per case), `rounds` (rounds a case reached), `clique_won`.

The decisions are pure (`appeal_move`); everything else reads or sends.
"""

from __future__ import annotations

import enum
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from arbitration.api_client import ApiRefused, CourtApi
from arbitration.court_client import CaseView, Choice, CourtClient, Period
from arbitration.juror import JurorRefusal
from arbitration.juror_service import JurorService
from bench.market_sim.jurors import JurorAgent, signing_as, wrong
from fairkey.chain.errors import ContractRevert
from fairkey.chain.log_ranges import fetch_in_ranges
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH

log = logging.getLogger("fairkey.market_sim.court")

ZERO = "0x0000000000000000000000000000000000000000"


class CliquePartyPolicy(enum.StrEnum):
    DEFEND = "defend"  #          defends the clique's wins, never appeals
    AFTER_WIN = "after_win"  #    also appeals a loss once the clique won a round of the case
    ALWAYS = "always"  #          appeals every ruling against the clique


@dataclass(frozen=True)
class AppealMove:
    party: str  # "honest" (the party the truth favours) or "clique" (the other one)
    defend: bool  # funding the defence of the round's ruling, not an appeal against it


def appeal_move(
    ruling: Choice,
    truth: Choice,
    *,
    funded: bool,
    defended: bool,
    clique_won_before: bool,
    policy: CliquePartyPolicy,
) -> AppealMove | None:
    """What the parties do in an appeal period (pure): `funded` — someone already appealed this
    ruling; `defended` — its defence is funded too. None: nobody moves."""
    clique_choice = wrong(truth)
    if not funded:
        if ruling != truth:  # a wrong ruling or a refusal: the honest party is a loser
            return AppealMove("honest", defend=False)
        if policy == CliquePartyPolicy.ALWAYS or (
            policy == CliquePartyPolicy.AFTER_WIN and clique_won_before
        ):
            return AppealMove("clique", defend=False)
        return None
    if not defended and ruling == clique_choice:  # the honest party appealed the clique's win
        return AppealMove("clique", defend=True)
    return None


class CourtPlay:
    def __init__(
        self,
        session: ChainSession,
        court_client: CourtClient,
        jurors: list[JurorAgent],
        truth: Callable[[int], Choice],
        rng: random.Random,
        api_url: str | None = None,
        *,
        parties: Mapping[str, LocalAccount] | Callable[[str], LocalAccount | None] | None = None,
        relayer=None,  # arbitration.relayer.Relayer over the API's vote store
        relay_share: float = 0.5,
        clique_party: CliquePartyPolicy = CliquePartyPolicy.AFTER_WIN,
        batched: bool = False,
        from_block: int | None = None,
    ) -> None:
        self.session = session
        self.court = court_client
        self.truth = truth
        self.rng = rng
        self.relayer = relayer
        self.clique_party = CliquePartyPolicy(clique_party)
        self._parties = parties
        self.from_block = session.w3.eth.block_number if from_block is None else from_block
        self._next_block = self.from_block
        self.agents = {a.address.lower(): a for a in jurors}
        self.batched = batched
        self._services: dict[str, JurorService] = {}  # made on a juror's first seat
        self.apis: dict[str, CourtApi] = {}
        if api_url:
            for key, a in self.agents.items():  # drawn in a fixed order: a seed gives the same
                if a.population == "honest" and rng.random() < relay_share:
                    self.apis[key] = CourtApi(api_url, a.account, session.chain_id)
        self.stake_token = court_client.params()["stake_token"]
        self._baseline = {key: self._holdings(a.address) for key, a in self.agents.items()}
        self.seats: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
        self._voted: set[tuple[int, int]] = set()  # seats whose policy was applied
        self._choices: dict[tuple[int, int], tuple[str, int, Choice]] = {}  # batched mode
        self._state: dict[int, tuple[int, Period]] = {}  # case -> (round, period), from logs
        self._dirty: set[int] = set()  # cases to look at in the next step
        self._clients: dict[str, CourtClient] = {}
        self._to_reveal: dict[tuple[int, int], str] = {}  # seat -> "chain", "api" or "batch"
        self._moved: set[tuple[int, int, str]] = set()  # (case, round, party role) tried
        self.clique_won: set[int] = set()
        self.first_rulings: dict[int, Choice] = {}
        self.rounds: dict[int, int] = {}
        self._final: dict[int, Choice] = {}

    # ------------------------------------------------------------------ results

    def final_rulings(self) -> dict[int, Choice]:
        return dict(self._final)

    def earnings(self) -> dict[str, int]:
        """Net wei per population since this play started: rewards + fees − penalties, as the
        court's stakes, credits and Withdrawn logs show them."""
        withdrawn = self._withdrawn()
        net: dict[str, int] = defaultdict(int)
        for key, agent in self.agents.items():
            staked, credit = self._holdings(agent.address)
            staked0, credit0 = self._baseline[key]
            net[agent.population] += staked - staked0 + credit - credit0 + withdrawn.get(key, 0)
        return dict(net)

    # ------------------------------------------------------------------ step

    def step(self) -> bool:
        """One pass over the cases whose period changed (PeriodChanged logs) or that still wait
        for something of ours; True if anything was sent or posted."""
        self._follow()
        worked = False
        revealers: set[str] = set()
        for case_id in sorted(self._dirty):
            round_no, period = self._state[case_id]
            settled = True  # nothing more to do in this period
            if period == Period.EXECUTED:
                case = self.court.case(case_id)
                self._final[case_id] = case.ruling
                self.rounds[case_id] = case.round + 1
            elif period == Period.COMMIT:
                worked |= self._commit(case_id, round_no)
            elif period == Period.REVEAL:
                moved, settled = self._reveal(case_id, round_no, revealers)
                worked |= moved
            elif period == Period.APPEAL:
                settled = not self._appeal(self.court.case(case_id))  # a move: look again
                worked |= not settled
            if settled:
                self._dirty.discard(case_id)
        if self.batched:
            worked |= self._reveal_batch()
        for key in sorted(revealers):  # the real juror loop: reveals every due seat at once
            done = self.service(key).step()
            for case_id, seat, _ in done.revealed:
                self._to_reveal.pop((case_id, seat), None)
            worked |= done.worked
        if self.relayer is not None:
            worked |= self.relayer.step().worked
        return worked

    def _follow(self) -> None:
        head = self.session.w3.eth.block_number
        if head < self._next_block:
            return
        events = self.court.contract.events
        for e in fetch_in_ranges(
            lambda a, b: events.JurorDrawn.get_logs(from_block=a, to_block=b),
            self._next_block,
            head,
        ):
            args = e["args"]
            if args["juror"].lower() in self.agents:
                self.seats[(args["caseId"], args["round"])].append((args["seat"], args["juror"]))
        for e in fetch_in_ranges(
            lambda a, b: events.PeriodChanged.get_logs(from_block=a, to_block=b),
            self._next_block,
            head,
        ):
            args = e["args"]
            self._state[args["caseId"]] = (args["round"], Period(args["period"]))
            self._dirty.add(args["caseId"])
        self._next_block = head + 1

    def _commit(self, case_id: int, round_no: int) -> bool:
        worked = False
        truth = self.truth(case_id)
        for seat, juror in self.seats[(case_id, round_no)]:
            if (case_id, seat) in self._voted:
                continue
            self._voted.add((case_id, seat))
            key = juror.lower()
            choice = self.agents[key].vote(truth, self.rng)
            if choice is None:
                continue
            try:
                if key in self.apis:
                    _, signed = self.service(key).signed_commit(case_id, choice)
                    self.apis[key].post_commit(signed)
                    self._to_reveal[(case_id, seat)] = "api"
                elif self.batched:
                    client = self.client(key)
                    client.session.send(
                        client.f.commit(
                            case_id, seat, client.commit_hash(case_id, round_no, choice)
                        )
                    )
                    self._to_reveal[(case_id, seat)] = "batch"
                    self._choices[(case_id, seat)] = (key, round_no, choice)
                else:
                    self.service(key).commit(case_id, choice)
                    self._to_reveal[(case_id, seat)] = "chain"
            except (JurorRefusal, ApiRefused, ContractRevert) as exc:
                log.warning("juror %s could not commit on case %d: %s", juror, case_id, exc)
                continue
            worked = True
        return worked

    def _reveal(self, case_id: int, round_no: int, revealers: set[str]) -> tuple[bool, bool]:
        """(posted something, nothing of ours left to reveal in this case)."""
        worked = False
        left = False
        for seat, juror in self.seats[(case_id, round_no)]:
            how = self._to_reveal.get((case_id, seat))
            key = juror.lower()
            if how == "chain":
                revealers.add(key)
                left = True
            elif how == "api":
                try:
                    _, item, _ = self.service(key).reveal_item(case_id)
                    self.apis[key].post_reveal(item)
                except JurorRefusal:  # the relayer has not landed the commit yet: next step
                    left = True
                    continue
                except ApiRefused as exc:
                    log.warning("the API refused the reveal of case %d: %s", case_id, exc)
                self._to_reveal.pop((case_id, seat))
                worked = True
        return worked, not left

    def _appeal(self, case: CaseView) -> bool:
        truth = self.truth(case.case_id)
        if case.round == 0:
            self.first_rulings.setdefault(case.case_id, case.ruling)
        if case.ruling == wrong(truth):
            self.clique_won.add(case.case_id)
        nxt = self.court.round(case.case_id, case.round + 1)
        move = appeal_move(
            case.ruling,
            truth,
            funded=nxt.fee_payer != ZERO,
            defended=nxt.defender != ZERO,
            clique_won_before=case.case_id in self.clique_won,
            policy=self.clique_party,
        )
        if move is None or (case.case_id, case.round, move.party) in self._moved:
            return False
        self._moved.add((case.case_id, case.round, move.party))
        honest_is_buyer = truth == Choice.REFUND_BUYER
        address = case.buyer if (move.party == "honest") == honest_is_buyer else case.merchant
        account = self._party(address)
        if account is None:
            log.warning(
                "no account for party %s of case %d: it cannot appeal", address, case.case_id
            )
            return False
        try:
            signing_as(self.court, account).appeal(case.case_id)
        except ContractRevert as exc:  # too late in the period, or the last round
            log.info("%s party could not appeal case %d: %s", move.party, case.case_id, exc)
            return False
        return True

    def _reveal_batch(self) -> bool:
        """Batched mode: every due reveal of every juror in one `reveal` (anyone may send it:
        each item must reproduce its juror's own commit, a root of one: no proof)."""
        items = []
        for (case_id, seat), (key, round_no, choice) in sorted(self._choices.items()):
            if self._state.get(case_id) == (round_no, Period.REVEAL):
                client = self.client(key)
                salt = client.salt(case_id, round_no)
                items.append((case_id, seat, client.me, int(choice), salt, []))
        if not items:
            return False
        result = self.court.reveal(items)
        for (case_id, seat), reason in self.court.refusals(result).items():
            log.warning("reveal of case %d seat %d refused: %s", case_id, seat, reason)
        for item in items:
            self._choices.pop((item[0], item[1]))
            self._to_reveal.pop((item[0], item[1]), None)
        return True

    # ------------------------------------------------------------------ juror clients

    def client(self, key: str) -> CourtClient:
        if key not in self._clients:
            self._clients[key] = signing_as(self.court, self.agents[key].account)
        return self._clients[key]

    def service(self, key: str) -> JurorService:
        if key not in self._services:
            self._services[key] = JurorService(self.client(key), self.from_block)
        return self._services[key]

    # ------------------------------------------------------------------ reading

    def _party(self, address: str) -> LocalAccount | None:
        if self._parties is None:
            return None
        if callable(self._parties):
            return self._parties(address)
        found = {k.lower(): v for k, v in self._parties.items()}
        return found.get(address.lower())

    def _holdings(self, address: str) -> tuple[int, int]:
        """(stake, credit in ETH and in the stake token) of a juror at the court now."""
        tokens = dict.fromkeys((ETH, self.stake_token))
        credit = sum(self.court.credit_of(t, address) for t in tokens)
        return self.court.stake_of(address)["staked"], credit

    def _withdrawn(self) -> dict[str, int]:
        events = self.court.contract.events
        head = self.session.w3.eth.block_number
        total: dict[str, int] = defaultdict(int)
        for e in fetch_in_ranges(
            lambda a, b: events.Withdrawn.get_logs(from_block=a, to_block=b),
            self.from_block,
            head,
        ):
            total[e["args"]["account"].lower()] += e["args"]["amount"]
        return total
