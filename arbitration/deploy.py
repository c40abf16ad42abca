"""Deploy the court (contracts/arbitration/Court.sol) with its randomness source."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from fairkey.chain.session import ChainSession

HOUR = 3600
ETH = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class CourtParams:
    """Fixed at deployment (the court has no owner). The default timings give a first ruling
    within 22 hours of a case opening, even when nobody acts early (docs/arbitration.md)."""

    stake_token: str = ETH
    min_stake: int = 10**17  # 0.1 ETH
    lock_per_seat: int = 2 * 10**16  # lost to the coherent jurors if incoherent or absent
    fee_per_juror: int = 10**15  # 0.001 ETH per seat: a 3-juror first round costs 0.003 ETH
    stake_quantum: int = 10**9  # 1 gwei: a stake's sortition weight is floor(stake / quantum)
    evidence_period: int = 4 * HOUR
    commit_period: int = 6 * HOUR
    reveal_period: int = 6 * HOUR
    appeal_period: int = 6 * HOUR
    max_rounds: int = 4

    def as_tuple(self) -> tuple:
        return astuple(self)


def deploy_court(
    session: ChainSession, params: CourtParams, randomness: str | None = None
) -> tuple[str, str]:
    """(court, randomness) addresses. Without `randomness`, deploys the default
    BlockhashRandomness (the hash of a block fixed at request time)."""
    source = randomness or session.deploy("BlockhashRandomness")
    court = session.deploy("Court", params.as_tuple(), source)
    return court, source
