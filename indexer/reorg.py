"""Reorg handling: where the indexed chain and the node's chain part, and the one case the
indexer refuses to repair by itself (a reorg below a block it had taken as final)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from indexer.fetch import Header

PAGE = 64  # stored hashes compared with the node per round trip, newest first


class ReorgBeyondFinality(Exception):
    """A block the indexer had taken as final is no longer on the node's chain. The indexer
    halts (the data may hold orphaned events) instead of guessing how far to roll back."""


def common_ancestor(
    stored: Sequence[Header], node_headers: Callable[[Iterable[int]], dict[int, Header | None]]
) -> Header | None:
    """The highest stored block that the node still has with the same hash (every block below
    it is then the same too: each hash commits to its parent). None when no stored block is.

    `stored` is newest first; hashes are asked from the node one page at a time, so a shallow
    reorg costs one round trip."""
    for start in range(0, len(stored), PAGE):
        page = stored[start : start + PAGE]
        current = node_headers(h.number for h in page)
        for mine in page:
            theirs = current.get(mine.number)
            if theirs is not None and theirs.hash == mine.hash:
                return mine
    return None


def beyond_finality_message(chain_id: int, cursor_block: int, finalized: int) -> str:
    return (
        f"reorg deeper than finality on chain {chain_id}: the indexed block {cursor_block} is no "
        f"longer canonical and the chain changed at or below block {finalized}, which the "
        "indexer had taken as final. The index may hold orphaned events; it stopped instead of "
        "guessing. Check the node (is it on the right chain?), then delete the index database "
        "and backfill again."
    )
