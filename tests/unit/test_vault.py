"""The merchant's key vault: encryption at rest, batches, exactly-once unit assignment."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairkey.crypto.keys import StockUnit, split_plaintext
from fairkey.crypto.merkle import MerkleTree, build_stock_tree, leaf_hash
from fairkey.vault import (
    BatchPlan,
    BatchState,
    OutOfStockError,
    UnitState,
    Vault,
    VaultError,
)
from fairkey.vault.cipher import KdfParams

PASSPHRASE = "correct horse battery staple"
FAST_KDF = KdfParams(n=2**10)  # tests that are not about the KDF need not pay for it
MERCHANT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # the vault's account (leaves bind it)


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "merchant" / "vault.db"


@pytest.fixture
def vault(vault_path: Path) -> Iterator[Vault]:
    with Vault.create(vault_path, PASSPHRASE, kdf=FAST_KDF) as v:
        yield v


_files = 0


def stock(vault: Vault, tmp_path: Path, keys: list[str], listing_id: int | None = 1) -> BatchPlan:
    """Import keys as a batch, plan it and (unless listing_id is None) commit it."""
    global _files
    _files += 1
    path = tmp_path / f"stock-{_files}.txt"
    path.write_text("\n".join(keys) + "\n", encoding="utf-8")
    report = vault.import_file(path, "acme")
    assert report.batch_id is not None, report.problems()
    plan = vault.plan_batch(report.batch_id, MERCHANT)
    if listing_id is not None:
        vault.mark_committed(plan.batch_id, listing_id, f"0x{plan.batch_id:064x}")
    return plan


def raw_bytes(path: Path) -> bytes:
    """The vault file as it sits on disk, including a WAL that was not checkpointed."""
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


# ---------------------------------------------------------------- creating and opening


def test_keys_are_encrypted_at_rest_and_the_raw_file_never_contains_them(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    keys = ["SECRET-ALPHA-0001", "SECRET-BRAVO-0002", "SECRET-CHARLIE-0003"]
    plan = stock(vault, tmp_path, keys)
    delivered = vault.assign_unit(1, order_id=10)
    vault.mark_delivered(10)
    on_disk_while_open = raw_bytes(vault_path)
    vault.close()
    on_disk = raw_bytes(vault_path)

    for key in keys:
        assert key.encode() not in on_disk_while_open
        assert key.encode() not in on_disk
    # Sanity: we are looking at the right file (the public data is there in the clear).
    assert plan.root.hex().encode() in on_disk
    assert delivered.fingerprint.hex().encode() in on_disk
    # And the keys come back intact after reopening.
    with Vault.open(vault_path, PASSPHRASE) as reopened:
        assert reopened.assign_unit(1, order_id=10).key == keys[0].encode()
        assert reopened.assign_unit(1, order_id=11).key == keys[1].encode()


def test_create_uses_scrypt_n_2_15_by_default_and_open_reads_the_stored_params(
    vault_path: Path,
) -> None:
    Vault.create(vault_path, PASSPHRASE).close()

    db = sqlite3.connect(vault_path)
    n, r, p, salt = db.execute("SELECT kdf_n, kdf_r, kdf_p, kdf_salt FROM vault_meta").fetchone()
    db.close()
    assert (n, r, p) == (2**15, 8, 1) and len(salt) == 16
    Vault.open(vault_path, PASSPHRASE).close()


def test_opening_with_the_wrong_passphrase_says_so(vault_path: Path) -> None:
    Vault.create(vault_path, PASSPHRASE).close()

    with pytest.raises(VaultError, match="^wrong vault passphrase$"):
        Vault.open(vault_path, "Correct horse battery staple")


def test_create_refuses_to_overwrite_an_existing_vault(vault: Vault, vault_path: Path) -> None:
    with pytest.raises(VaultError, match="already exists"):
        Vault.create(vault_path, PASSPHRASE)


def test_open_of_a_missing_vault_says_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="no vault at .*create one first"):
        Vault.open(tmp_path / "nope.db", PASSPHRASE)


def test_open_refuses_a_file_that_is_not_a_vault(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello, this is not a database at all" * 100)

    with pytest.raises(VaultError, match="not a fairkey vault"):
        Vault.open(junk, PASSPHRASE)


def test_an_empty_passphrase_is_refused(vault_path: Path) -> None:
    with pytest.raises(VaultError, match="passphrase"):
        Vault.create(vault_path, "")
    assert not vault_path.exists()


def test_a_blob_swapped_onto_another_row_fails_to_decrypt_instead_of_giving_a_wrong_key(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    report_batch = stock(vault, tmp_path, ["KEY-A", "KEY-B"], listing_id=None).batch_id
    with sqlite3.connect(vault_path) as db:
        (a,), (b,) = db.execute("SELECT encrypted FROM units ORDER BY unit_index").fetchall()
        db.execute("UPDATE units SET encrypted = ? WHERE unit_index = 0", (b,))
        db.execute("UPDATE units SET encrypted = ? WHERE unit_index = 1", (a,))
    db.close()

    with pytest.raises(VaultError, match="does not authenticate"):
        vault.plan_batch(report_batch, MERCHANT)


# ---------------------------------------------------------------- batches


def test_plan_batch_root_equals_build_stock_tree_and_every_assigned_proof_verifies(
    vault: Vault, tmp_path: Path
) -> None:
    keys = [f"CARD-{i:03d}" for i in range(13)]  # odd size: uneven tree
    plan = stock(vault, tmp_path, keys)

    assigned = [vault.assign_unit(1, order_id=100 + i) for i in range(len(keys))]

    units = [StockUnit(a.index, *reversed(split_plaintext(a.plaintext))) for a in assigned]
    assert [u.key for u in units] == [k.encode() for k in keys]
    assert build_stock_tree(units, MERCHANT).root == plan.root
    assert plan.count == len(keys) and plan.supplier == "acme"
    for a, unit in zip(assigned, units, strict=True):
        assert a.root == plan.root
        assert a.commitment == unit.commitment and a.fingerprint == unit.fingerprint
        assert MerkleTree.verify(
            plan.root, leaf_hash(MERCHANT, a.index, a.commitment, a.fingerprint), a.proof
        )


def test_a_one_key_batch_has_its_leaf_as_root_and_an_empty_proof(
    vault: Vault, tmp_path: Path
) -> None:
    plan = stock(vault, tmp_path, ["ONLY-ONE"])

    unit = vault.assign_unit(1, order_id=1)

    assert unit.proof == [] and plan.root == unit.leaf(MERCHANT)


def test_plan_batch_stores_the_root_and_is_repeatable(vault: Vault, tmp_path: Path) -> None:
    plan = stock(vault, tmp_path, ["K-1", "K-2", "K-3"], listing_id=None)

    again = vault.plan_batch(plan.batch_id, MERCHANT)

    assert again == plan
    [summary] = vault.batches()
    assert summary.root == plan.root.hex() and summary.state is BatchState.draft


def test_mark_committed_records_listing_and_tx_and_refuses_a_conflicting_second_commit(
    vault: Vault, tmp_path: Path
) -> None:
    plan = stock(vault, tmp_path, ["K-1", "K-2"], listing_id=None)

    vault.mark_committed(plan.batch_id, 5, "0xfeed")
    vault.mark_committed(plan.batch_id, 5, "0xfeed")  # a retried call is harmless

    [summary] = vault.batches()
    assert (summary.state, summary.listing_id, summary.committed_tx) == ("committed", 5, "0xfeed")
    with pytest.raises(VaultError, match="already committed to listing 5"):
        vault.mark_committed(plan.batch_id, 6, "0xbeef")


def test_a_batch_cannot_be_committed_before_it_is_planned(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_text("K-1\n")
    batch_id = vault.import_file(path, "acme").batch_id
    assert batch_id is not None

    with pytest.raises(VaultError, match="no root yet"):
        vault.mark_committed(batch_id, 1, "0x01")


def test_batches_summarise_units_per_state(vault: Vault, tmp_path: Path) -> None:
    stock(vault, tmp_path, ["A-1", "A-2", "A-3"], listing_id=1)
    stock(vault, tmp_path, ["B-1"], listing_id=None)
    vault.assign_unit(1, order_id=1)
    vault.assign_unit(1, order_id=2)
    vault.mark_delivered(1)

    first, second = vault.batches()

    assert first.units == {"unsold": 1, "assigned": 1, "delivered": 1, "revoked": 0, "dead": 0}
    assert second.units == {"unsold": 1, "assigned": 0, "delivered": 0, "revoked": 0, "dead": 0}
    assert first.created_at.tzinfo is not None


# ---------------------------------------------------------------- assigning units


def test_assign_unit_returns_the_same_unit_when_asked_again_for_the_same_order(
    vault: Vault, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2", "K-3"])

    first = vault.assign_unit(1, order_id=42)
    again = vault.assign_unit(1, order_id=42)

    assert again == first and first.state is UnitState.assigned
    assert vault.stock_counts(1)[UnitState.assigned] == 1


def test_assign_unit_takes_the_lowest_unsold_unit_of_the_oldest_committed_batch(
    vault: Vault, tmp_path: Path
) -> None:
    old = stock(vault, tmp_path, ["OLD-0", "OLD-1"], listing_id=1)
    stock(vault, tmp_path, ["DRAFT-0"], listing_id=None)
    stock(vault, tmp_path, ["OTHER-0"], listing_id=2)
    new = stock(vault, tmp_path, ["NEW-0", "NEW-1"], listing_id=1)

    got = [vault.assign_unit(1, order_id=o) for o in range(1, 5)]

    assert [(a.batch_id, a.index) for a in got] == [
        (old.batch_id, 0),
        (old.batch_id, 1),
        (new.batch_id, 0),
        (new.batch_id, 1),
    ]
    assert [a.key for a in got] == [b"OLD-0", b"OLD-1", b"NEW-0", b"NEW-1"]
    with pytest.raises(OutOfStockError, match="listing 1"):
        vault.assign_unit(1, order_id=5)


def test_an_order_cannot_take_a_unit_of_a_second_listing(vault: Vault, tmp_path: Path) -> None:
    stock(vault, tmp_path, ["A-1"], listing_id=1)
    stock(vault, tmp_path, ["B-1"], listing_id=2)
    vault.assign_unit(1, order_id=7)

    with pytest.raises(VaultError, match="order 7 already holds a unit of listing 1"):
        vault.assign_unit(2, order_id=7)


def test_a_restarted_process_gets_the_same_unit_for_an_order_and_never_reuses_one(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    stock(vault, tmp_path, [f"K-{i}" for i in range(5)])
    before_crash = vault.assign_unit(1, order_id=1)

    # A second process opens the same file while the first is still alive (or just died).
    with Vault.open(vault_path, PASSPHRASE) as restarted:
        assert restarted.assign_unit(1, order_id=1) == before_crash
        second = restarted.assign_unit(1, order_id=2)
        third = vault.assign_unit(1, order_id=3)
        assert vault.assign_unit(1, order_id=2) == second
        assert len({before_crash.index, second.index, third.index}) == 3


def test_concurrent_assignment_from_two_vault_objects_never_shares_a_unit(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    stock(vault, tmp_path, [f"K-{i:03d}" for i in range(60)])
    other = Vault.open(vault_path, PASSPHRASE)
    results: dict[tuple[int, int], tuple[int, int]] = {}
    errors: list[BaseException] = []

    def worker(v: Vault, worker_no: int) -> None:
        try:
            for order in range(1, 41):  # every worker asks for every order
                a = v.assign_unit(1, order_id=order)
                results[(worker_no, order)] = (a.batch_id, a.index)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(v, n))
        for n, v in enumerate([vault, other, vault, other])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()

    assert not errors
    per_order = {order: {results[(w, order)] for w in range(4)} for order in range(1, 41)}
    assert all(len(units) == 1 for units in per_order.values())  # one unit per order
    assert len({next(iter(u)) for u in per_order.values()}) == 40  # no unit in two orders
    assert vault.stock_counts(1) == {
        "unsold": 20,
        "assigned": 40,
        "delivered": 0,
        "revoked": 0,
        "dead": 0,
    }


def test_the_database_itself_refuses_two_units_for_one_delivery_of_an_order(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2"])
    vault.assign_unit(1, order_id=9)

    with sqlite3.connect(vault_path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "UPDATE units SET state = 'assigned', order_id = ?, delivery_no = 0 "
            "WHERE unit_index = 1",
            (f"{9:040x}",),
        )
    db.close()


def test_real_order_ids_are_160_bit_key_addresses(vault: Vault, tmp_path: Path) -> None:
    stock(vault, tmp_path, ["K-1", "K-2"])
    order_id = int("0x" + "ab" * 20, 16)

    unit = vault.assign_unit(1, order_id=order_id)
    vault.mark_delivered(order_id)

    assert unit.order_id == order_id
    assert vault.assign_unit(1, order_id=order_id).index == unit.index


def test_a_replacement_gets_a_new_key_exactly_once_per_delivery_number(
    vault: Vault, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2", "K-3"])
    first = vault.assign_unit(1, order_id=5)
    vault.mark_delivered(5)

    replacement = vault.assign_unit(1, order_id=5, delivery_no=1)
    again = vault.assign_unit(1, order_id=5, delivery_no=1)

    assert replacement.index != first.index
    assert again.index == replacement.index
    assert vault.assign_unit(1, order_id=5, delivery_no=0).index == first.index
    assert vault.stock_counts(1) == {
        "unsold": 1,
        "assigned": 1,
        "delivered": 1,
        "revoked": 0,
        "dead": 0,
    }


def test_mark_delivered_keeps_the_unit_with_its_order_and_is_repeatable(
    vault: Vault, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2"])
    unit = vault.assign_unit(1, order_id=3)

    vault.mark_delivered(3)
    vault.mark_delivered(3)

    again = vault.assign_unit(1, order_id=3)
    assert (again.index, again.state) == (unit.index, UnitState.delivered)
    assert vault.stock_counts(1) == {
        "unsold": 1,
        "assigned": 0,
        "delivered": 1,
        "revoked": 0,
        "dead": 0,
    }
    with pytest.raises(VaultError, match="order 4 has no assigned unit"):
        vault.mark_delivered(4)


def test_release_assignment_puts_an_undelivered_unit_back_on_sale(
    vault: Vault, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2"])
    refunded = vault.assign_unit(1, order_id=1)

    assert vault.release_assignment(1) is True
    assert vault.release_assignment(1) is False  # nothing left to release

    assert vault.assign_unit(1, order_id=2).index == refunded.index
    vault.mark_delivered(2)
    with pytest.raises(VaultError, match="already delivered"):
        vault.release_assignment(2)


def test_a_dead_unit_is_never_handed_out_again_and_its_order_gets_another(
    vault: Vault, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2", "K-3"])
    refused = vault.assign_unit(1, order_id=1)

    assert vault.mark_dead(1, refused.fingerprint) is True
    assert vault.mark_dead(1, refused.fingerprint) is False  # repeated: harmless

    other = vault.assign_unit(1, order_id=1)
    assert other.index != refused.index
    assert vault.mark_dead(2, other.fingerprint) is False  # not reserved for order 2
    assert vault.assign_unit(1, order_id=2).index not in (refused.index, other.index)
    assert vault.stock_counts(1) == {
        "unsold": 0, "assigned": 2, "delivered": 0, "revoked": 0, "dead": 1,
    }  # fmt: skip


def test_revoking_a_batch_affects_only_its_unsold_units(vault: Vault, tmp_path: Path) -> None:
    plan = stock(vault, tmp_path, [f"K-{i}" for i in range(5)])
    other = stock(vault, tmp_path, ["OTHER-0"], listing_id=2)
    vault.assign_unit(1, order_id=1)
    vault.mark_delivered(1)
    in_flight = vault.assign_unit(1, order_id=2)

    revoked = vault.mark_revoked(plan.batch_id)

    assert revoked == 3
    assert vault.stock_counts(1) == {
        "unsold": 0,
        "assigned": 1,
        "delivered": 1,
        "revoked": 3,
        "dead": 0,
    }
    assert vault.stock_counts(2)[UnitState.unsold] == 1  # other batch untouched
    assert vault.assign_unit(1, order_id=2) == in_flight  # the in-flight order keeps its unit
    with pytest.raises(OutOfStockError):
        vault.assign_unit(1, order_id=3)
    # Refunding the in-flight order must not put a revoked batch's key back on sale.
    vault.release_assignment(2)
    assert vault.stock_counts(1)[UnitState.revoked] == 4
    assert other.batch_id != plan.batch_id


def test_assigned_unit_repr_never_shows_the_key(vault: Vault, tmp_path: Path) -> None:
    stock(vault, tmp_path, ["VERY-SECRET-KEY"])

    unit = vault.assign_unit(1, order_id=1)

    assert "VERY-SECRET-KEY" not in repr(unit) and "VERY-SECRET-KEY" not in str(unit)


def test_assign_units_serves_a_burst_in_one_transaction_and_isolates_an_out_of_stock_order(
    vault: Vault, tmp_path: Path
) -> None:
    stock(vault, tmp_path, ["K-1", "K-2"])

    first = vault.assign_units(1, [10, 11, 12])
    again = vault.assign_units(1, [10, 11, 12])

    assert {first[10].index, first[11].index} == {0, 1}
    assert isinstance(first[12], OutOfStockError)
    assert again[10].index == first[10].index and again[11].index == first[11].index
    vault.mark_delivered_many([10, 11])
    assert vault.stock_counts(1) == {
        "unsold": 0,
        "assigned": 0,
        "delivered": 2,
        "revoked": 0,
        "dead": 0,
    }
