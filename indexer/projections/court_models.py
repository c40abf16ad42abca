"""The court's derived tables (contracts/arbitration/Court.sol, docs/arbitration.md): cases, their
rounds, seats and votes, evidence, each case's timeline, and the jurors' records.

Keys are natural: (court, case_id) for a case (ids are the court's own counter), plus round or
seat (seats are numbered across the case's rounds, as the contract numbers them), (court, juror)
for a juror. Conventions as in models.py. Choices and rulings are the court's numbers: 0 refuse
to rule (the escrow splits), 1 for the buyer (refund), 2 for the merchant (pay).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from indexer.base import Base
from indexer.projections.models import ADDRESS, BYTES32, NAME
from indexer.types import Uint256


class CourtCaseRow(Base):
    """One case at a court (CaseOpened), where it stands and how it ended (see court_fold.py)."""

    __tablename__ = "court_cases"
    court: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    arbitrable: Mapped[str | None] = mapped_column(ADDRESS)  # DisputeCreation: who opened it
    order_id: Mapped[str | None] = mapped_column(ADDRESS, index=True)  # when it is the escrow's
    buyer: Mapped[str] = mapped_column(ADDRESS)
    merchant: Mapped[str] = mapped_column(ADDRESS)
    fee_payer: Mapped[str] = mapped_column(ADDRESS)
    fee: Mapped[int] = mapped_column(Uint256)
    opened_block: Mapped[int] = mapped_column(BigInteger)
    opened_time: Mapped[int] = mapped_column(BigInteger)
    opened_tx: Mapped[str] = mapped_column(BYTES32)
    rounds: Mapped[int] = mapped_column(Integer)  # rounds opened (RoundOpened)
    round: Mapped[int] = mapped_column(Integer)  # the current round, as the contract counts it
    period: Mapped[str] = mapped_column(NAME)  # Evidence | Commit | Reveal | Appeal | Executed
    period_start: Mapped[int] = mapped_column(BigInteger)
    ruling: Mapped[int | None] = mapped_column(Integer)  # the current ruling; NULL: none yet
    final_ruling: Mapped[int | None] = mapped_column(Integer)  # CaseExecuted
    accepted: Mapped[bool | None] = mapped_column(Boolean)  # did the arbitrable take the ruling
    executed_block: Mapped[int | None] = mapped_column(BigInteger)
    executed_time: Mapped[int | None] = mapped_column(BigInteger)
    executed_tx: Mapped[str | None] = mapped_column(BYTES32)
    time_to_ruling_s: Mapped[int | None] = mapped_column(BigInteger)  # opened -> executed
    evidence: Mapped[int] = mapped_column(Integer)
    last_block: Mapped[int] = mapped_column(BigInteger)
    last_log_index: Mapped[int] = mapped_column(Integer)


class CourtRoundRow(Base):
    """One round of a case: its panel, the votes once revealed, its ruling and who funded it."""

    __tablename__ = "court_rounds"
    court: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    round: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_seat: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)  # 3, 7, 15, 31
    opened_time: Mapped[int | None] = mapped_column(BigInteger)  # NULL: funded, not yet opened
    randomness_requests: Mapped[int] = mapped_column(Integer)  # 1 + RandomnessRerequested
    drawn: Mapped[int] = mapped_column(Integer)
    drawn_time: Mapped[int | None] = mapped_column(BigInteger)  # the panel complete
    committed: Mapped[int] = mapped_column(Integer)
    revealed: Mapped[int] = mapped_column(Integer)
    votes_refuse: Mapped[int] = mapped_column(Integer)  # revealed votes per choice
    votes_first: Mapped[int] = mapped_column(Integer)
    votes_second: Mapped[int] = mapped_column(Integer)
    ruling: Mapped[int | None] = mapped_column(Integer)  # RoundRuled
    ruled_time: Mapped[int | None] = mapped_column(BigInteger)
    aborted: Mapped[bool] = mapped_column(Boolean)  # the pool could not seat the panel
    fee_payer: Mapped[str | None] = mapped_column(ADDRESS)  # round 0: the escalating party
    fee: Mapped[int | None] = mapped_column(Uint256)
    funded_time: Mapped[int | None] = mapped_column(BigInteger)
    defender: Mapped[str | None] = mapped_column(ADDRESS)  # the previous winner, if it defended
    defence: Mapped[int | None] = mapped_column(Uint256)
    defended_time: Mapped[int | None] = mapped_column(BigInteger)
    settled: Mapped[int] = mapped_column(Integer)  # seats paid out (SeatSettled)
    no_coherent: Mapped[bool] = mapped_column(Boolean)  # NoCoherentJuror


class CourtVoteRow(Base):
    """One seat of a case and its juror's vote. `choice` is NULL until the reveal (a commit
    hides it); `coherent` is NULL until the case is executed (and for an aborted round)."""

    __tablename__ = "court_votes"
    court: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    round: Mapped[int] = mapped_column(Integer)
    juror: Mapped[str] = mapped_column(ADDRESS)
    drawn_block: Mapped[int] = mapped_column(BigInteger)
    drawn_time: Mapped[int] = mapped_column(BigInteger)
    committed_time: Mapped[int | None] = mapped_column(BigInteger)
    revealed_time: Mapped[int | None] = mapped_column(BigInteger)
    choice: Mapped[int | None] = mapped_column(Integer)
    absent: Mapped[bool] = mapped_column(Boolean)  # its round was ruled without its reveal
    coherent: Mapped[bool | None] = mapped_column(Boolean)  # revealed the final ruling
    settled: Mapped[bool] = mapped_column(Boolean)
    reward_fee: Mapped[int | None] = mapped_column(Uint256)  # SeatSettled: ETH fee share
    reward_stake: Mapped[int | None] = mapped_column(Uint256)  # and forfeited stake share
    left_pool: Mapped[bool] = mapped_column(Boolean)  # JurorLeftPool for this case

    __table_args__ = (Index(None, "court", "juror"),)


class CourtEvidenceRow(Base):
    """Evidence anchored at the court: where it is and its content hash, never the content."""

    __tablename__ = "court_evidence"
    court: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    party: Mapped[str] = mapped_column(ADDRESS)
    uri: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(BYTES32)
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(BYTES32)


class CourtCaseEvent(Base):
    """A case's timeline: every court event about it. `detail` never holds a choice before the
    reveal: a commit carries none."""

    __tablename__ = "court_case_events"
    court: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(BYTES32)
    event: Mapped[str] = mapped_column(String(40))
    round: Mapped[int | None] = mapped_column(Integer)
    seat: Mapped[int | None] = mapped_column(Integer)
    account: Mapped[str | None] = mapped_column(ADDRESS)  # the juror or party it names
    detail: Mapped[str | None] = mapped_column(String(64))  # period, choice, ruling, error, ...


class JurorRow(Base):
    """A juror of a court: stake (StakeSet), participation and coherence (see jurors.py)."""

    __tablename__ = "jurors"
    court: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    juror: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    stake: Mapped[int | None] = mapped_column(Uint256)  # the last StakeSet; NULL: none seen
    stake_queued: Mapped[bool | None] = mapped_column(Boolean)
    stake_time: Mapped[int | None] = mapped_column(BigInteger)
    forfeits_since_stake: Mapped[int] = mapped_column(Integer)  # locks lost after it
    in_pool: Mapped[bool] = mapped_column(Boolean)
    cases: Mapped[int] = mapped_column(Integer)  # seats: one per case at most
    committed: Mapped[int] = mapped_column(Integer)
    revealed: Mapped[int] = mapped_column(Integer)  # votes cast
    judged: Mapped[int] = mapped_column(Integer)  # seats whose coherence is known
    coherent: Mapped[int] = mapped_column(Integer)
    coherence_bps: Mapped[int | None] = mapped_column(Integer, index=True)
    absent: Mapped[int] = mapped_column(Integer)
    forfeited: Mapped[int] = mapped_column(Integer)  # seats settled incoherent: lock lost
    fees_earned: Mapped[int] = mapped_column(Uint256)
    stake_earned: Mapped[int] = mapped_column(Uint256)
    last_drawn_time: Mapped[int | None] = mapped_column(BigInteger)


COURT_MODELS = [
    CourtCaseRow,
    CourtRoundRow,
    CourtVoteRow,
    CourtEvidenceRow,
    CourtCaseEvent,
    JurorRow,
]
