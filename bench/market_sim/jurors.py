"""The court's juror populations (issue 13) and how each one votes.

- **honest** reads the case and votes the ground truth;
- **lazy_random** votes without reading: refund or pay, at random;
- **absent** is drawn but never votes (it loses its seat's lock and leaves the pool);
- **clique** always votes against the truth (what its party pays it for; its party appeals and
  defends to keep the clique's wins: bench/market_sim/court_play.py).

A policy is a pure function of the truth (and, for the lazy, a random draw): nothing here reads
or sends. `stake_jurors` creates the accounts (reproducible from the caller's `rng`), funds them
on Anvil and stakes them through the court client, each population holding its share of the
total stake.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount

from arbitration.court_client import Choice, CourtClient
from fairkey.chain.session import ChainSession

POPULATIONS = ("honest", "lazy_random", "absent", "clique")
JUROR_STAKE = 10**18  # each juror's stake: 50 open seats at the default 0.02 ETH lock
FUND = 10**20  # ETH each juror account gets for its stake and gas


class UnknownPopulation(ValueError):
    """A share names a population this simulation does not know."""


def wrong(truth: Choice) -> Choice:
    """The ruling against the truth (a refusal's opposite is the buyer's refund: any side)."""
    return Choice.PAY_MERCHANT if truth == Choice.REFUND_BUYER else Choice.REFUND_BUYER


Policy = Callable[[Choice, random.Random], Choice | None]

POLICIES: dict[str, Policy] = {
    "honest": lambda truth, rng: truth,
    "lazy_random": lambda truth, rng: rng.choice((Choice.REFUND_BUYER, Choice.PAY_MERCHANT)),
    "absent": lambda truth, rng: None,
    "clique": lambda truth, rng: wrong(truth),
}


@dataclass(frozen=True)
class JurorAgent:
    account: LocalAccount
    population: str
    stake: int

    @property
    def address(self) -> str:
        return self.account.address

    def vote(self, truth: Choice, rng: random.Random) -> Choice | None:
        """The choice this juror commits on a case whose right ruling is `truth` (None: it never
        votes)."""
        return POLICIES[self.population](truth, rng)


def signing_as(court: CourtClient, account: LocalAccount) -> CourtClient:
    """The court client signing as `account`. Shares the contract object (`as_account` parses
    the ABI anew, ~40 ms: too slow for hundreds of jurors)."""
    clone = copy.copy(court)
    clone.session = court.session.with_account(account)
    return clone


def seat_counts(shares: dict[str, float], jurors: int) -> dict[str, int]:
    """Jurors per population for `jurors` equal stakes, by largest remainder (so the counts add
    up and each population's stake share is as close to its share as whole jurors allow)."""
    unknown = set(shares) - set(POPULATIONS)
    if unknown:
        raise UnknownPopulation(f"unknown juror population(s) {sorted(unknown)}: {POPULATIONS}")
    total = sum(shares.values())
    if total <= 0 or any(s < 0 for s in shares.values()):
        raise ValueError(f"shares must be non-negative and not all zero: {shares}")
    exact = {name: jurors * share / total for name, share in shares.items()}
    counts = {name: int(x) for name, x in exact.items()}
    left = jurors - sum(counts.values())
    for name in sorted(exact, key=lambda n: counts[n] - exact[n])[:left]:
        counts[name] += 1
    return counts


def stake_jurors(
    session: ChainSession,
    court_client: CourtClient,
    shares: dict[str, float],
    total_stake: int,
    rng: random.Random,
    *,
    per_juror: int = JUROR_STAKE,
) -> list[JurorAgent]:
    """Creates, funds (anvil_setBalance) and stakes `total_stake // per_juror` jurors, split
    between the populations by `shares` (e.g. {"honest": .7, "lazy_random": .05, "absent": .05,
    "clique": .2}); their keys come from `rng`, so a seed gives the same pool."""
    counts = seat_counts(shares, total_stake // per_juror)
    agents = []
    for population in POPULATIONS:
        for _ in range(counts.get(population, 0)):
            account = Account.from_key(rng.randbytes(32))
            session.w3.provider.make_request("anvil_setBalance", [account.address, hex(FUND)])
            signing_as(court_client, account).set_stake(per_juror)
            agents.append(JurorAgent(account, population, per_juror))
    return agents
