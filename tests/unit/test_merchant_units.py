"""The merchant's vault rules (fairkey/merchant/units.py, vault_sync.follow_order) on a real vault,
without a chain: which unit a delivery gets, and the vault following an order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account

from fairkey.chain.types import ETH, DisputeReason, Order, OrderStatus
from fairkey.merchant.units import first_unit, replacement_unit, revoked_batches
from fairkey.merchant.vault_sync import follow_order
from fairkey.vault import OutOfStockError, UnitState, Vault
from fairkey.vault.cipher import KdfParams

MERCHANT = Account.create().address
# Listing 1's order, delivered once and disputed.
ORDER = Order(ETH, 1, OrderStatus.DISPUTED, 10**9, 1, DisputeReason.KEY_INVALID, 0)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    with Vault.create(tmp_path / "vault.db", "pass phrase", kdf=KdfParams(n=2**10)) as v:
        yield v


def committed(vault: Vault, tmp_path: Path, name: str, count: int) -> int:
    path = tmp_path / f"{name}.txt"
    path.write_text("".join(f"{name}-{i}\n" for i in range(count)))
    batch_id = vault.import_file(path, "acme").batch_id
    vault.plan_batch(batch_id, MERCHANT)
    vault.mark_committed(batch_id, 1, f"0x{batch_id:064x}")
    return batch_id


def counts(vault: Vault) -> dict[UnitState, int]:
    return vault.stock_counts(1)


def test_a_first_key_reserved_before_its_batch_was_revoked_comes_from_another_batch(
    vault: Vault, tmp_path: Path
):
    old = committed(vault, tmp_path, "OLD", 2)
    new = committed(vault, tmp_path, "NEW", 2)
    reserved = vault.assign_unit(1, order_id=7)
    assert reserved.batch_id == old
    vault.mark_revoked(old)  # the batch is revoked; the reservation stays with the order
    assert revoked_batches(vault) == {old}

    unit = first_unit(vault, 1, 7, reserved=reserved)

    assert unit.batch_id == new
    assert first_unit(vault, 1, 7) == unit  # exactly once: asked again, the same unit


def test_a_first_key_of_a_live_batch_is_the_vaults_assignment(vault: Vault, tmp_path: Path):
    committed(vault, tmp_path, "K", 2)
    unit = first_unit(vault, 1, 7, revoked=set())
    assert unit == vault.assign_unit(1, order_id=7)
    assert counts(vault)[UnitState.assigned] == 1


def test_a_replacement_spends_the_disputed_key_and_takes_the_next(vault: Vault, tmp_path: Path):
    committed(vault, tmp_path, "K", 3)
    first = vault.assign_unit(1, order_id=7)  # delivered on chain; the vault missed the mark

    replacement = replacement_unit(vault, 7, ORDER)  # ORDER: one delivery so far

    assert replacement.index != first.index
    # The same delivery number again (a crash and re-run): the same unit.
    assert replacement_unit(vault, 7, ORDER).fingerprint == replacement.fingerprint
    # Conservatively spent too: a re-run cannot know whether the replacement reached the chain.
    assert counts(vault)[UnitState.delivered] == 2 and counts(vault)[UnitState.unsold] == 1


def test_a_replacement_without_stock_is_out_of_stock(vault: Vault, tmp_path: Path):
    committed(vault, tmp_path, "K", 1)
    vault.assign_unit(1, order_id=7)
    with pytest.raises(OutOfStockError):
        replacement_unit(vault, 7, ORDER)
    assert counts(vault)[UnitState.delivered] == 1  # the disputed key stays spent


def test_the_vault_follows_an_order_delivered_or_refunded(vault: Vault, tmp_path: Path):
    committed(vault, tmp_path, "K", 3)
    vault.assign_unit(1, order_id=7)
    vault.assign_unit(1, order_id=8)

    assert follow_order(vault, 7, deliveries=1) is False  # delivered: the unit is spent
    assert follow_order(vault, 7, deliveries=1) is False  # again: harmless
    assert follow_order(vault, 8, deliveries=0) is True  # refunded before delivery: on sale
    assert follow_order(vault, 9, deliveries=1) is False  # not from this vault: nothing to do
    assert counts(vault) == {
        UnitState.unsold: 2,
        UnitState.assigned: 0,
        UnitState.delivered: 1,
        UnitState.revoked: 0,
        UnitState.dead: 0,
    }
