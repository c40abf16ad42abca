"""The vault follows the chain: whatever the chain says about an order or a batch (done by this
tool, another tool, or a transaction that landed after a crash) wins, and the vault is brought in
line with it — idempotently, so that every tool may call these as often as it likes."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import Batch
from fairkey.vault import BatchSummary, UnitState, Vault, VaultError


def follow_order(vault: Vault, order_id: int, deliveries: int) -> bool:
    """An order that waits for no delivery from us any more (delivered, refunded, settled):

    * with a delivery on chain (`deliveries`), the vault's units for it are delivered (a key
      that might be on chain is never put back on sale; VaultError: delivered by another tool
      or vault, nothing of ours to mark);
    * without one (refunded before any delivery landed: none can land any more), its reserved
      unit goes back on sale. Returns True then."""
    if deliveries:
        with contextlib.suppress(VaultError):
            vault.mark_delivered(order_id)
        return False
    return vault.release_assignment(order_id)


def follow_batch(client: EscrowClient, vault: Vault, batch: BatchSummary) -> tuple[Batch, int]:
    """A committed batch as the chain has it now, and the vault brought in line with the units
    the chain withdrew (`Batch.revoked`): returns (the chain's batch, units the vault marked
    revoked now)."""
    assert batch.root is not None
    on_chain = client.batch(bytes.fromhex(batch.root), client.session.account.address)
    return on_chain, vault.sync_revoked(batch.batch_id, on_chain.revoked)


def follow_revoked_roots(
    client: EscrowClient, vault: Vault, roots: set[bytes]
) -> list[tuple[int, int]]:
    """Batches revoked on chain (StockRevoked roots; by `stock revoke` or another tool): each
    deliverable vault batch among them follows the chain. Returns (batch id, units marked) for
    the batches where the vault changed."""
    changed = []
    for batch in vault.batches():
        if batch.root is None or bytes.fromhex(batch.root) not in roots:
            continue
        if not batch.state.deliverable:
            continue
        _, marked = follow_batch(client, vault, batch)
        if marked:
            changed.append((batch.batch_id, marked))
    return changed


@dataclass(frozen=True)
class Revoked:
    """What one `stock revoke` did: on chain (``released``: the StockRevoked event's count, 0
    when nothing could be withdrawn now) and in the vault (``vault_revoked`` units marked)."""

    released: int
    bond: int
    vault_revoked: int
    still_deliverable: int  # units the chain keeps deliverable (paid orders rely on them)
    caught_up: bool  # the chain had revoked more than the vault knew (a crash in between)


def revoke_committed(client: EscrowClient, vault: Vault, summary: BatchSummary) -> Revoked:
    """Withdraw a committed batch's units from sale on chain, as far as the chain lets (it keeps
    the units open orders rely on: `revokeBatch` releases at most the listing's stockAvailable),
    and mark revoked in the vault exactly as many units as the chain withdrew."""
    assert summary.root is not None
    root, merchant = bytes.fromhex(summary.root), client.session.account.address
    before = client.batch(root, merchant)
    caught_up = before.revoked > summary.units.get(UnitState.revoked, 0)
    unsold = before.count - before.used - before.revoked
    released = bond = 0
    if unsold and client.listing(before.listing_id).stock_available:
        args = client.revoke_batch(root, before.listing_id).event("StockRevoked").args
        released, bond = int(args["unitsRevoked"]), int(args["bondReleased"])
    # The chain's total, not just this event: also counts a revoke the vault missed.
    after, marked = follow_batch(client, vault, summary)
    return Revoked(released, bond, marked, after.count - after.used - after.revoked, caught_up)
