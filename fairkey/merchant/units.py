"""Which vault unit a delivery gets. The vault hands out a unit exactly once per (order,
delivery number); these add the merchant's rules on top: a first key reserved before its batch
was revoked is swapped for one of another batch, and a replacement spends the disputed key."""

from __future__ import annotations

import contextlib

from fairkey.chain.types import Order
from fairkey.vault import AssignedUnit, BatchState, Vault, VaultError


def revoked_batches(vault: Vault) -> set[int]:
    """The ids of the vault's revoked batches."""
    return {b.batch_id for b in vault.batches() if b.state is BatchState.revoked}


def first_unit(
    vault: Vault,
    listing_id: int,
    order_id: int,
    *,
    reserved: AssignedUnit | None = None,
    revoked: set[int] | None = None,
) -> AssignedUnit:
    """The unit for an order's first delivery: `reserved` (already assigned by
    `Vault.assign_units`) or the vault's assignment — unless its batch was revoked after the
    unit was reserved: then one of another batch (`revoked`: the revoked batch ids, read from
    the vault when not given)."""
    unit = reserved or vault.assign_unit(listing_id, order_id)
    if revoked is None:
        revoked = revoked_batches(vault)
    if unit.batch_id in revoked and vault.release_assignment(order_id):
        unit = vault.assign_unit(listing_id, order_id)
    return unit


def replacement_unit(vault: Vault, order_id: int, order: Order) -> AssignedUnit:
    """The unit for the order's next delivery (a replacement, number `order.deliveries`). The
    disputed key is spent whatever happens next: marked delivered first (VaultError: delivered
    by another tool, the vault holds nothing for this order). Exactly once per delivery number:
    a crash and re-run sends the same replacement."""
    with contextlib.suppress(VaultError):
        vault.mark_delivered(order_id)
    return vault.assign_unit(order.listing_id, order_id, delivery_no=order.deliveries)
