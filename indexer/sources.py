"""Which contracts' logs the index holds: the escrow's, and those of every arbitrator the escrow
has named (`ArbitratorChanged`: its constructor names the first, `setArbitrator` the next ones).

- A court stays a source after the escrow moves on to another one: its open cases still rule on
  the escrow's orders, and its jurors are still paid.
- A court's logs are read from the index's first block (the escrow's deployment), not only from
  the block that named it: jurors stake before an escrow switches to a court, and a juror's
  stake is its last `StakeSet`. Logs from before the index's first block are never read.
- Any arbitrator is read the same way (the tests' TestArbitrator too): its logs are decoded with
  the Court's ABI, and what that ABI does not know is kept without a name.

A court first named in a chunk is read in that chunk, its older logs included (checked against
the stored block hashes). The set is a function of the stored escrow logs up to a block, so a
reorg that orphans an `ArbitratorChanged` also removes that court's rows (`remove_above`) unless
the canonical chain names it too: the index never holds the logs of a contract the canonical
escrow never named.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select

from indexer.decode import EventDecoder
from indexer.fetch import ChainMoved, ChainReader
from indexer.models import RawLog
from indexer.store import remove_logs_above, remove_logs_of, stored_blocks

ARBITRATOR_CHANGED = "ArbitratorChanged"
NO_ADDRESS = "0x" + "00" * 20  # an escrow without a court (setArbitrator(0))

LOGS = RawLog.__table__
log = logging.getLogger("indexer")


def courts_named(
    conn: Connection, chain_id: int, escrow: str, up_to: int | None = None
) -> dict[str, int]:
    """Every arbitrator the stored escrow logs name (in blocks <= `up_to`; None: all), with the
    block that first named it."""
    # By name alone (a handful of rows, on ix_raw_logs_name), the rest filtered here: with the
    # chain and address in the WHERE, SQLite walks the escrow's every log (≈ 270 ms at 100,000).
    query = select(LOGS.c.chain_id, LOGS.c.address, LOGS.c.block_number, LOGS.c.args).where(
        LOGS.c.name == ARBITRATOR_CHANGED
    )
    rows = conn.execute(query.order_by(LOGS.c.block_number, LOGS.c.log_index))
    named = (
        (number, json.loads(args)["arbitrator"])
        for chain, address, number, args in rows
        if chain == chain_id and address == escrow and (up_to is None or number <= up_to)
    )
    return courts_in(named, escrow)


def courts_in(named: Iterable[tuple[int, str]], escrow: str) -> dict[str, int]:
    """(block, arbitrator) pairs of ArbitratorChanged logs -> arbitrator: the first block naming
    it (the zero address, an escrow without a court, and the escrow itself are no courts)."""
    first: dict[str, int] = {}
    for block, court in sorted((block, court.lower()) for block, court in named):
        if court not in (NO_ADDRESS, escrow.lower()):
            first.setdefault(court, block)
    return first


def newly_named(
    logs: Iterable[Mapping[str, Any]], escrow: str, decoder: EventDecoder, known: Mapping[str, int]
) -> dict[str, int]:
    """Courts that the escrow's logs among `logs` (as eth_getLogs returns them) name and that
    are not `known` yet, with the first block naming them."""
    named = []
    for entry in logs:
        if entry["address"].lower() != escrow:
            continue
        topics = [t.lower() for t in entry["topics"]]
        name, args = decoder.decode(topics, entry["data"].lower())
        if name == ARBITRATOR_CHANGED:
            named.append((int(entry["blockNumber"], 16), str(args["arbitrator"])))
    return {c: b for c, b in courts_in(named, escrow).items() if c not in known}


class LogSources:
    """The sources of one index (the escrow, its database, the node): what a chunk reads, and
    what a reorg removes."""

    def __init__(
        self, engine: Engine, reader: ChainReader, decoder: EventDecoder, escrow: str
    ) -> None:
        self.engine, self.reader, self.decoder, self.escrow = engine, reader, decoder, escrow

    def read(
        self, chain_id: int, first: int, target: int, start_block: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(to, logs): the logs of the escrow and of the courts it named before `first`, in
        blocks first..to (to <= target, as wide as the node allows), and those of courts first
        named there from `start_block` on. Their logs of blocks before `first` must be in the
        blocks the index holds (else ChainMoved)."""
        with self.engine.connect() as conn:
            known = courts_named(conn, chain_id, self.escrow, first - 1)
        to, logs = self.reader.logs(first, target, [self.escrow, *sorted(known)])
        new = newly_named(logs, self.escrow, self.decoder, known)
        earlier: list[dict[str, Any]] = []
        if new:
            log.info("courts named in blocks %d..%d: %s", first, to, ", ".join(sorted(new)))
            for entry in self.reader.logs_through(start_block, to, sorted(new)):
                (logs if int(entry["blockNumber"], 16) >= first else earlier).append(entry)
        if earlier:
            with self.engine.connect() as conn:
                stored = {h.number: h.hash for h in stored_blocks(conn, chain_id, first - 1)}
            for entry in earlier:  # a block without a stored hash is final
                number, block_hash = int(entry["blockNumber"], 16), entry["blockHash"].lower()
                if stored.get(number, block_hash) != block_hash:
                    raise ChainMoved(f"block {number} changed below the indexed block {first - 1}")
        return to, earlier + logs

    def remove_above(self, conn: Connection, chain_id: int, number: int) -> list[dict[str, Any]]:
        """A reorg: deletes the rows of the escrow and its courts above block `number`, and every
        row of a court only named above it; returns what touched_by needs of them."""
        named = courts_named(conn, chain_id, self.escrow)
        removed = remove_logs_above(conn, chain_id, {self.escrow, *named}, number)
        unnamed = set(named) - set(courts_named(conn, chain_id, self.escrow))
        return removed + remove_logs_of(conn, chain_id, unnamed)
