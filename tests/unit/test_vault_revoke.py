"""Revoking a committed batch as far as the chain released it (vault only; the chain side is in
tests/services/test_stock_revoke.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from fairkey.vault import BatchState, OutOfStockError, UnitState, Vault, VaultError
from fairkey.vault.cipher import KdfParams

MERCHANT = Account.create().address
_files = 0


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    with Vault.create(tmp_path / "vault.db", "pass phrase", kdf=KdfParams(n=2**10)) as v:
        yield v


def committed(vault: Vault, tmp_path: Path, count: int, listing_id: int = 1) -> int:
    global _files
    _files += 1
    path = tmp_path / f"keys-{_files}.txt"
    path.write_text("".join(f"K-{_files}-{i}\n" for i in range(count)))
    batch_id = vault.import_file(path, "acme").batch_id
    vault.plan_batch(batch_id, MERCHANT)
    vault.mark_committed(batch_id, listing_id, f"0x{batch_id:064x}")
    return batch_id


def summary(vault: Vault, batch_id: int):
    return next(b for b in vault.batches() if b.batch_id == batch_id)


def test_a_partial_revoke_marks_exactly_the_released_units_and_keeps_the_reserved_one(
    vault: Vault, tmp_path: Path
) -> None:
    batch = committed(vault, tmp_path, 4)
    reserved = vault.assign_unit(1, order_id=7)  # a paid order relies on one unit

    assert vault.mark_revoked(batch, units=2) == 2  # the chain released 2 of 4

    s = summary(vault, batch)
    assert s.state is BatchState.revoking and s.deliverable == 2
    assert s.units == {"unsold": 1, "assigned": 1, "delivered": 0, "revoked": 2, "dead": 0}
    assert vault.assign_unit(1, order_id=7) == reserved  # the order keeps its unit
    assert vault.assign_unit(1, order_id=8).index == 1  # the one the chain kept on sale


def test_a_refund_in_a_batch_being_revoked_puts_the_unit_back_on_sale(
    vault: Vault, tmp_path: Path
) -> None:
    batch = committed(vault, tmp_path, 2)
    vault.assign_unit(1, order_id=7)
    vault.mark_revoked(batch, units=1)

    assert vault.release_assignment(7) is True  # refunded before delivery: stockAvailable + 1

    assert summary(vault, batch).units[UnitState.unsold] == 1
    assert vault.assign_unit(1, order_id=9).batch_id == batch
    vault.release_assignment(9)
    assert vault.mark_revoked(batch, units=1) == 1  # `stock revoke` again: the rest
    assert summary(vault, batch).state is BatchState.revoked
    with pytest.raises(OutOfStockError):
        vault.assign_unit(1, order_id=10)


def test_when_the_chain_releases_reserved_units_their_orders_get_another_batch(
    vault: Vault, tmp_path: Path
) -> None:
    """Another batch covers the listing's stock, so the chain revokes the whole batch including
    units the vault had reserved: those orders are served from the other batch."""
    first = committed(vault, tmp_path, 2)
    second = committed(vault, tmp_path, 3)
    held = [vault.assign_unit(1, order_id=o) for o in (1, 2)]
    assert {u.batch_id for u in held} == {first}

    assert vault.mark_revoked(first, units=2) == 2

    assert summary(vault, first).state is BatchState.revoked
    assert summary(vault, first).units[UnitState.revoked] == 2
    assert {vault.assign_unit(1, order_id=o).batch_id for o in (1, 2)} == {second}


def test_a_batch_being_revoked_sells_last(vault: Vault, tmp_path: Path) -> None:
    old = committed(vault, tmp_path, 3)
    vault.assign_unit(1, order_id=1)
    vault.mark_revoked(old, units=1)
    new = committed(vault, tmp_path, 1)

    assert vault.assign_unit(1, order_id=2).batch_id == new
    assert vault.assign_unit(1, order_id=3).batch_id == old


def test_sync_revoked_counts_only_what_the_vault_missed(vault: Vault, tmp_path: Path) -> None:
    batch = committed(vault, tmp_path, 5)
    vault.assign_unit(1, order_id=1)

    assert vault.sync_revoked(batch, 0) == 0
    assert summary(vault, batch).state is BatchState.committed  # nothing revoked on chain
    assert vault.sync_revoked(batch, 3) == 3
    assert vault.sync_revoked(batch, 3) == 0  # repeated: harmless
    assert vault.sync_revoked(batch, 4) == 1
    s = summary(vault, batch)
    assert s.state is BatchState.revoking and s.units[UnitState.assigned] == 1
    assert vault.sync_revoked(batch, 5) == 1  # the chain withdrew the reserved one too
    s = summary(vault, batch)
    assert s.state is BatchState.revoked and s.units[UnitState.revoked] == 5


def test_a_draft_batch_cannot_be_revoked_by_a_chain_count(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "draft.txt"
    path.write_text("D-1\nD-2\n")
    batch = vault.import_file(path, "acme").batch_id
    with pytest.raises(VaultError, match="not committed"):
        vault.mark_revoked(batch, units=1)
    assert vault.mark_revoked(batch) == 2  # the vault-only revoke still works
