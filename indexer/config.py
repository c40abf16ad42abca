"""What one indexer instance reads (node, escrow, first block) and where it writes (database)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_FINALITY_DEPTH = 64  # used when the node has no "finalized" block tag


class IndexerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rpc_url: str
    """JSON-RPC endpoint of the chain node."""

    db_url: str
    """SQLAlchemy URL: `sqlite:///path.sqlite3` (default) or `postgresql://user@host/db`."""

    escrow: str
    """Address of the FairkeyEscrow whose logs are indexed (stored lowercase)."""

    start_block: int = Field(default=0, ge=0)
    """First block to index: the escrow's deployment block."""

    finality_depth: int | None = Field(default=None, ge=1)
    """None: trust the node's "finalized" block tag (else DEFAULT_FINALITY_DEPTH); N: a block N
    blocks below the head is final. A reorg below the final block halts the indexer."""

    max_range: int = Field(default=2000, ge=1)
    """Widest eth_getLogs block range; narrowed when the node refuses, widened again after."""

    request_timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for one JSON-RPC answer (a timeout on eth_getLogs narrows the range)."""

    max_attempts: int = Field(default=8, ge=1)
    """Tries per request on rate limits and transient failures before giving up for this step."""

    @field_validator("escrow")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            raise ValueError(f"{value!r} is not a 0x-prefixed 20-byte address")
        return value.lower()

    @field_validator("rpc_url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value
