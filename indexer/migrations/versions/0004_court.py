"""The court: raw_logs holds the logs of the escrow's courts too (`case_id` and `juror` columns,
indexed with the address), the court's derived tables (court_cases, court_rounds, court_votes,
court_evidence, court_case_events, jurors) and the court figures of `arbitrators`.

Existing rows: raw_logs rows (all the escrow's) get case_id and juror NULL, which is right (no
escrow event has either); arbitrators rows get 0 for every court figure. Right for every index
whose escrow never named a Court as its arbitrator. An index whose escrow already had a Court
never read that court's logs: delete it and backfill again (a reindex reads only stored logs).

Revision ID: 0004_court
Revises: 0003_baskets
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from indexer.types import Uint256

revision: str = "0004_court"
down_revision: str | None = "0003_baskets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADDRESS = sa.String(length=42)
BYTES32 = sa.String(length=66)
NAME = sa.String(length=24)

ARBITRATOR_FIGURES = (
    "court_cases",
    "executions_refused",
    "appeals",
    "aborted_rounds",
    "jurors",
    "jurors_seated",
    "seats_judged",
    "seats_coherent",
)


def _case_key() -> list[sa.Column]:
    return [
        sa.Column("court", ADDRESS, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("raw_logs") as batch:
        batch.add_column(sa.Column("case_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("juror", ADDRESS, nullable=True))
        batch.create_index("ix_raw_logs_address_case_id", ["address", "case_id"], unique=False)
        batch.create_index("ix_raw_logs_address_juror", ["address", "juror"], unique=False)
    with op.batch_alter_table("arbitrators") as batch:
        for name in ARBITRATOR_FIGURES:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("coherence_bps", sa.Integer(), nullable=True))

    op.create_table(
        "court_cases",
        *_case_key(),
        sa.Column("arbitrable", ADDRESS, nullable=True),
        sa.Column("order_id", ADDRESS, nullable=True),
        sa.Column("buyer", ADDRESS, nullable=False),
        sa.Column("merchant", ADDRESS, nullable=False),
        sa.Column("fee_payer", ADDRESS, nullable=False),
        sa.Column("fee", Uint256(), nullable=False),
        sa.Column("opened_block", sa.BigInteger(), nullable=False),
        sa.Column("opened_time", sa.BigInteger(), nullable=False),
        sa.Column("opened_tx", BYTES32, nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("period", NAME, nullable=False),
        sa.Column("period_start", sa.BigInteger(), nullable=False),
        sa.Column("ruling", sa.Integer(), nullable=True),
        sa.Column("final_ruling", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("executed_block", sa.BigInteger(), nullable=True),
        sa.Column("executed_time", sa.BigInteger(), nullable=True),
        sa.Column("executed_tx", BYTES32, nullable=True),
        sa.Column("time_to_ruling_s", sa.BigInteger(), nullable=True),
        sa.Column("evidence", sa.Integer(), nullable=False),
        sa.Column("last_block", sa.BigInteger(), nullable=False),
        sa.Column("last_log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("court", "case_id", name=op.f("pk_court_cases")),
    )
    op.create_index(op.f("ix_court_cases_order_id"), "court_cases", ["order_id"], unique=False)
    op.create_table(
        "court_rounds",
        *_case_key(),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("first_seat", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("opened_time", sa.BigInteger(), nullable=True),
        sa.Column("randomness_requests", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.Integer(), nullable=False),
        sa.Column("drawn_time", sa.BigInteger(), nullable=True),
        sa.Column("committed", sa.Integer(), nullable=False),
        sa.Column("revealed", sa.Integer(), nullable=False),
        sa.Column("votes_refuse", sa.Integer(), nullable=False),
        sa.Column("votes_first", sa.Integer(), nullable=False),
        sa.Column("votes_second", sa.Integer(), nullable=False),
        sa.Column("ruling", sa.Integer(), nullable=True),
        sa.Column("ruled_time", sa.BigInteger(), nullable=True),
        sa.Column("aborted", sa.Boolean(), nullable=False),
        sa.Column("fee_payer", ADDRESS, nullable=True),
        sa.Column("fee", Uint256(), nullable=True),
        sa.Column("funded_time", sa.BigInteger(), nullable=True),
        sa.Column("defender", ADDRESS, nullable=True),
        sa.Column("defence", Uint256(), nullable=True),
        sa.Column("defended_time", sa.BigInteger(), nullable=True),
        sa.Column("settled", sa.Integer(), nullable=False),
        sa.Column("no_coherent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("court", "case_id", "round", name=op.f("pk_court_rounds")),
    )
    op.create_table(
        "court_votes",
        *_case_key(),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("juror", ADDRESS, nullable=False),
        sa.Column("drawn_block", sa.BigInteger(), nullable=False),
        sa.Column("drawn_time", sa.BigInteger(), nullable=False),
        sa.Column("committed_time", sa.BigInteger(), nullable=True),
        sa.Column("revealed_time", sa.BigInteger(), nullable=True),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("absent", sa.Boolean(), nullable=False),
        sa.Column("coherent", sa.Boolean(), nullable=True),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("reward_fee", Uint256(), nullable=True),
        sa.Column("reward_stake", Uint256(), nullable=True),
        sa.Column("left_pool", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("court", "case_id", "seat", name=op.f("pk_court_votes")),
    )
    op.create_index(
        op.f("ix_court_votes_court_juror"), "court_votes", ["court", "juror"], unique=False
    )
    op.create_table(
        "court_evidence",
        *_case_key(),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("party", ADDRESS, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("content_hash", BYTES32, nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", BYTES32, nullable=False),
        sa.PrimaryKeyConstraint(
            "court", "case_id", "block_number", "log_index", name=op.f("pk_court_evidence")
        ),
    )
    op.create_table(
        "court_case_events",
        *_case_key(),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", BYTES32, nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("account", ADDRESS, nullable=True),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint(
            "court", "case_id", "block_number", "log_index", name=op.f("pk_court_case_events")
        ),
    )
    op.create_table(
        "jurors",
        sa.Column("court", ADDRESS, nullable=False),
        sa.Column("juror", ADDRESS, nullable=False),
        sa.Column("stake", Uint256(), nullable=True),
        sa.Column("stake_queued", sa.Boolean(), nullable=True),
        sa.Column("stake_time", sa.BigInteger(), nullable=True),
        sa.Column("forfeits_since_stake", sa.Integer(), nullable=False),
        sa.Column("in_pool", sa.Boolean(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("committed", sa.Integer(), nullable=False),
        sa.Column("revealed", sa.Integer(), nullable=False),
        sa.Column("judged", sa.Integer(), nullable=False),
        sa.Column("coherent", sa.Integer(), nullable=False),
        sa.Column("coherence_bps", sa.Integer(), nullable=True),
        sa.Column("absent", sa.Integer(), nullable=False),
        sa.Column("forfeited", sa.Integer(), nullable=False),
        sa.Column("fees_earned", Uint256(), nullable=False),
        sa.Column("stake_earned", Uint256(), nullable=False),
        sa.Column("last_drawn_time", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("court", "juror", name=op.f("pk_jurors")),
    )
    op.create_index(op.f("ix_jurors_coherence_bps"), "jurors", ["coherence_bps"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_jurors_coherence_bps"), table_name="jurors")
    op.drop_table("jurors")
    op.drop_table("court_case_events")
    op.drop_table("court_evidence")
    op.drop_index(op.f("ix_court_votes_court_juror"), table_name="court_votes")
    op.drop_table("court_votes")
    op.drop_table("court_rounds")
    op.drop_index(op.f("ix_court_cases_order_id"), table_name="court_cases")
    op.drop_table("court_cases")
    with op.batch_alter_table("arbitrators") as batch:
        batch.drop_column("coherence_bps")
        for name in reversed(ARBITRATOR_FIGURES):
            batch.drop_column(name)
    with op.batch_alter_table("raw_logs") as batch:
        batch.drop_index("ix_raw_logs_address_juror")
        batch.drop_index("ix_raw_logs_address_case_id")
        batch.drop_column("juror")
        batch.drop_column("case_id")
