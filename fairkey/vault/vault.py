"""The merchant's key vault: stock book, batch builder and exactly-once unit dispenser.

Plain keys exist only in memory; on disk every unit's plaintext ``P = salt || key`` is sealed
with AES-256-GCM under a key derived from the merchant's passphrase (see cipher.py).

Concurrency model: one SQLite file in WAL mode; every transaction starts with ``BEGIN IMMEDIATE``,
which takes SQLite's single write lock up front. A read-then-write sequence (e.g. "does this order
already have a unit? if not, take the lowest unsold one") therefore runs without interleaving, even
between two processes opened on the same file (a bot and its restarted copy).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy import URL, Engine, create_engine, event, func, insert, select, update
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fairkey.crypto.keys import StockUnit, new_salt, split_plaintext
from fairkey.crypto.merkle import MerkleTree, build_stock_tree, leaf_hash
from fairkey.vault.cipher import KdfParams, VaultCipher, new_kdf_salt
from fairkey.vault.errors import OutOfStockError, VaultError
from fairkey.vault.importer import ImportReport, check_stock, parse_stock_file
from fairkey.vault.models import (
    SCHEMA_VERSION,
    Base,
    Batch,
    BatchState,
    Unit,
    UnitState,
    VaultMeta,
    utcnow,
)

_BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another process's write lock


@dataclass(frozen=True)
class BatchPlan:
    """What the merchant posts on chain for a batch: ``(listingId, root, count)``."""

    batch_id: int
    root: bytes
    count: int
    supplier: str


@dataclass(frozen=True)
class BatchSummary:
    batch_id: int
    listing_id: int | None
    supplier: str
    root: str | None  # hex, no 0x; None until plan_batch
    count: int
    state: BatchState
    created_at: datetime
    committed_tx: str | None
    units: dict[UnitState, int] = field(default_factory=dict)

    @property
    def deliverable(self) -> int:
        """Units that may still be delivered: what the chain counts as count - used - revoked
        (less the dead units whose key another batch delivered first: the chain cannot tell)."""
        return self.units.get(UnitState.unsold, 0) + self.units.get(UnitState.assigned, 0)


@dataclass(frozen=True)
class AssignedUnit:
    """Everything the delivery transaction needs for one order's key."""

    order_id: int
    listing_id: int
    batch_id: int
    root: bytes
    index: int
    plaintext: bytes  # P = salt || key: what gets encrypted for the buyer
    commitment: bytes
    fingerprint: bytes
    proof: list[bytes]
    state: UnitState

    @property
    def key(self) -> bytes:
        return split_plaintext(self.plaintext)[1]

    def leaf(self, merchant: str) -> bytes:
        return leaf_hash(merchant, self.index, self.commitment, self.fingerprint)

    def __repr__(self) -> str:
        # Never print the plaintext: reprs end up in logs and tracebacks.
        return (
            f"AssignedUnit(order_id={self.order_id}, batch_id={self.batch_id}, index={self.index},"
            f" fingerprint=0x{self.fingerprint.hex()}, state={self.state.value})"
        )


def _make_engine(path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        connect_args={"timeout": _BUSY_TIMEOUT_S},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Vault:
    """An open vault. Derives the encryption key once (scrypt is slow on purpose)."""

    def __init__(self, path: Path, engine: Engine, cipher: VaultCipher) -> None:
        # Use Vault.create / Vault.open.
        self.path = path
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._cipher = cipher
        self._trees: dict[int, MerkleTree] = {}  # batch id -> tree (units of a batch never change)

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def create(cls, path: Path | str, passphrase: str, *, kdf: KdfParams | None = None) -> Vault:
        path = Path(path)
        if not passphrase:
            raise VaultError("the vault passphrase must not be empty")
        if path.exists():
            raise VaultError(f"a vault already exists at {path}; open it instead")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two concurrent `create` calls cannot both win. 0600: the file is the stock.
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            raise VaultError(f"a vault already exists at {path}; open it instead") from None
        engine: Engine | None = None
        try:
            params = kdf or KdfParams()
            salt = new_kdf_salt()
            cipher = VaultCipher.from_passphrase(passphrase, salt, params)
            engine = _make_engine(path)
            Base.metadata.create_all(engine)
            with sessionmaker(engine, expire_on_commit=False).begin() as session:
                session.add(
                    VaultMeta(
                        id=1,
                        schema_version=SCHEMA_VERSION,
                        kdf_salt=salt,
                        kdf_n=params.n,
                        kdf_r=params.r,
                        kdf_p=params.p,
                        key_check=cipher.key_check(),
                    )
                )
        except BaseException:
            # Leave no half-made vault behind: a retry must not hit "already exists".
            if engine is not None:
                engine.dispose()
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            raise
        return cls(path, engine, cipher)

    @classmethod
    def open(cls, path: Path | str, passphrase: str) -> Vault:
        path = Path(path)
        if not path.is_file():
            raise VaultError(f"no vault at {path}; create one first")
        engine = _make_engine(path)
        try:
            with sessionmaker(engine, expire_on_commit=False).begin() as session:
                meta = session.get(VaultMeta, 1)
        except DatabaseError:
            engine.dispose()
            raise VaultError(f"{path} is not a fairkey vault") from None
        if meta is None:
            engine.dispose()
            raise VaultError(f"{path} is not a fairkey vault (no vault metadata)")
        if meta.schema_version != SCHEMA_VERSION:
            engine.dispose()
            raise VaultError(
                f"{path}: vault schema version {meta.schema_version} is not supported "
                f"(this fairkey reads version {SCHEMA_VERSION})"
            )
        try:
            params = KdfParams(n=meta.kdf_n, r=meta.kdf_r, p=meta.kdf_p)
            cipher = VaultCipher.from_passphrase(passphrase, meta.kdf_salt, params)
            cipher.verify_key_check(meta.key_check)
        except BaseException:
            engine.dispose()
            raise
        return cls(path, engine, cipher)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # ------------------------------------------------------------------ stock in

    def import_file(self, path: Path | str, supplier: str, *, strict: bool = True) -> ImportReport:
        """Import a stock file as one new draft batch.

        strict: any duplicate or invalid line refuses the whole file (nothing stored).
        Not strict: good lines are imported, bad ones skipped and listed in the report.
        """
        path = Path(path)
        supplier = supplier.strip()
        if not supplier:
            raise VaultError("a supplier tag is required (who sold you these keys?)")
        parsed = parse_stock_file(path)  # file-level errors surface before any lock is taken
        try:
            with self._write() as session:
                report, good = check_stock(session, parsed, path.name, supplier, strict=strict)
                if report.refused or not good:
                    return report
                batch = Batch(supplier=supplier, count=len(good), state=BatchState.draft)
                session.add(batch)
                session.flush()
                now = utcnow()
                rows: list[dict[str, Any]] = []
                for index, line in enumerate(good):
                    unit = StockUnit(index, line.key, new_salt())
                    rows.append(
                        {
                            "batch_id": batch.id,
                            "index": index,
                            "fingerprint": line.fingerprint.hex(),
                            "commitment": unit.commitment.hex(),
                            "encrypted": self._cipher.seal(unit.plaintext, line.fingerprint),
                            "state": UnitState.unsold,
                            "order_id": None,
                            "updated_at": now,
                        }
                    )
                session.execute(insert(Unit), rows)  # one executemany, not 10,000 ORM objects
                report.batch_id = batch.id
        except IntegrityError as exc:
            # Only reachable if the file was changed underneath us; the check above is locked.
            raise VaultError(f"{path.name}: import refused by the vault: {exc.orig}") from None
        return report

    # ------------------------------------------------------------------ batches

    def _batch(self, session: Session, batch_id: int) -> Batch:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise VaultError(f"no batch {batch_id} in the vault")
        return batch

    def _open_unit(self, row: Unit) -> StockUnit:
        """Decrypt a unit and check it against its public commitment and fingerprint."""
        fingerprint = bytes.fromhex(row.fingerprint)
        salt, key = split_plaintext(self._cipher.open(row.encrypted, fingerprint))
        unit = StockUnit(row.index, key, salt)
        if unit.fingerprint != fingerprint or unit.commitment.hex() != row.commitment:
            raise VaultError(
                f"batch {row.batch_id} unit {row.index}: stored key does not match its "
                "commitment/fingerprint (vault damaged)"
            )
        return unit

    def plan_batch(self, batch_id: int, merchant: str) -> BatchPlan:
        """Build ``merchant``'s Merkle tree of the batch from its decrypted units and store the
        root (and the merchant: a batch's tree is bound to the account that commits it)."""
        merchant = to_checksum_address(merchant)
        with self._write() as session:
            batch = self._batch(session, batch_id)
            if batch.state is BatchState.revoked:
                raise VaultError(f"batch {batch_id} is revoked")
            if batch.merchant is not None and batch.merchant != merchant:
                raise VaultError(
                    f"batch {batch_id} was planned for merchant {batch.merchant}, not {merchant}"
                )
            rows = session.scalars(
                select(Unit).where(Unit.batch_id == batch_id).order_by(Unit.index)
            ).all()
            if len(rows) != batch.count or not rows:
                raise VaultError(
                    f"batch {batch_id}: {len(rows)} unit(s) stored, {batch.count} expected"
                )
            tree = build_stock_tree([self._open_unit(row) for row in rows], merchant)
            root = tree.root.hex()
            if batch.root is None:
                batch.root, batch.merchant = root, merchant
            elif batch.root != root:
                # A committed root can never change: the chain holds it.
                raise VaultError(f"batch {batch_id}: units no longer match the stored root")
            self._trees[batch_id] = tree
            return BatchPlan(batch_id, tree.root, len(rows), batch.supplier)

    def mark_committed(self, batch_id: int, listing_id: int, tx_hash: str) -> None:
        """Record that the batch's root was posted on chain for ``listing_id``."""
        with self._write() as session:
            batch = self._batch(session, batch_id)
            if batch.root is None:
                raise VaultError(f"batch {batch_id} has no root yet; plan it first")
            if batch.state is BatchState.revoked:
                raise VaultError(f"batch {batch_id} is revoked")
            if batch.state.deliverable:
                if batch.listing_id == listing_id and batch.committed_tx == tx_hash:
                    return  # same call repeated after a crash: nothing to do
                raise VaultError(
                    f"batch {batch_id} is already committed to listing {batch.listing_id} "
                    f"(tx {batch.committed_tx})"
                )
            batch.state = BatchState.committed
            batch.listing_id = listing_id
            batch.committed_tx = tx_hash

    def mark_revoked(self, batch_id: int, units: int | None = None) -> int:
        """Revoke units of a batch; returns how many were marked revoked.

        ``units=None`` (a batch the chain never saw, or a vault used without a chain): every
        unsold unit is revoked; units assigned to orders or delivered are left alone.

        ``units=n``: the chain's ``StockRevoked`` released ``n`` units of this committed batch.
        Exactly ``n`` deliverable units are marked revoked (unreserved ones first; then units
        reserved for orders not delivered yet, whose orders get a key of another batch), so the
        vault's deliverable units stay equal to the chain's ``count - used - revoked``. The others
        stay deliverable: the batch becomes ``revoked`` when none is left, else ``revoking``.
        """
        with self._write() as session:
            batch = self._batch(session, batch_id)
            if units is None:
                batch.state = BatchState.revoked
                result = session.execute(
                    update(Unit)
                    .where(Unit.batch_id == batch_id, Unit.state == UnitState.unsold)
                    .values(state=UnitState.revoked, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                return int(result.rowcount)  # type: ignore[attr-defined]
            return self._revoke_units(session, batch, units, asked=True)

    def sync_revoked(self, batch_id: int, revoked_on_chain: int) -> int:
        """Bring a committed batch in line with the chain's ``Batch.revoked`` (units the chain
        withdrew from sale): revokes the units the vault has not counted yet, e.g. after a crash
        between the revoke transaction and the vault update. Returns how many it revoked."""
        with self._write() as session:
            batch = self._batch(session, batch_id)
            counted = session.scalar(
                select(func.count())
                .select_from(Unit)
                .where(Unit.batch_id == batch_id, Unit.state == UnitState.revoked)
            )
            missing = max(0, revoked_on_chain - int(counted or 0))
            return self._revoke_units(session, batch, missing, asked=revoked_on_chain > 0)

    def _revoke_units(self, session: Session, batch: Batch, units: int, *, asked: bool) -> int:
        if units < 0:
            raise VaultError(f"batch {batch.id}: cannot revoke {units} units")
        if batch.state is BatchState.draft:
            raise VaultError(f"batch {batch.id} is not committed on chain")
        live = session.scalars(
            select(Unit)
            .where(
                Unit.batch_id == batch.id,
                Unit.state.in_([UnitState.unsold, UnitState.assigned]),
            )
            # Unreserved first, highest index first: the lowest units stay next in line.
            .order_by((Unit.state == UnitState.assigned).asc(), Unit.index.desc())
        ).all()
        chosen = live[:units]
        now = utcnow()
        for row in chosen:
            row.state, row.order_id, row.delivery_no, row.updated_at = (
                UnitState.revoked,
                None,
                None,
                now,
            )
        if len(live) <= units:
            batch.state = BatchState.revoked
        elif asked and batch.state is BatchState.committed:
            batch.state = BatchState.revoking
        return len(chosen)

    def batches(self) -> list[BatchSummary]:
        """Every batch, oldest first, with its unit count per state."""
        with self._sessions.begin() as session:
            counts: dict[int, dict[UnitState, int]] = {}
            for batch_id, state, n in session.execute(
                select(Unit.batch_id, Unit.state, func.count()).group_by(Unit.batch_id, Unit.state)
            ):
                counts.setdefault(batch_id, {})[UnitState(state)] = n
            return [
                BatchSummary(
                    batch_id=b.id,
                    listing_id=b.listing_id,
                    supplier=b.supplier,
                    root=b.root,
                    count=b.count,
                    state=b.state,
                    created_at=b.created_at,
                    committed_tx=b.committed_tx,
                    units={s: counts.get(b.id, {}).get(s, 0) for s in UnitState},
                )
                for b in session.scalars(select(Batch).order_by(Batch.id))
            ]

    def stock_counts(self, listing_id: int) -> dict[UnitState, int]:
        """Units of a listing's batches per state (all states present, zero if none)."""
        with self._sessions.begin() as session:
            rows = session.execute(
                select(Unit.state, func.count())
                .join(Batch, Unit.batch_id == Batch.id)
                .where(Batch.listing_id == listing_id)
                .group_by(Unit.state)
            )
            found = {UnitState(state): n for state, n in rows}
        return {state: found.get(state, 0) for state in UnitState}

    # ------------------------------------------------------------------ stock out

    def _tree(self, session: Session, batch: Batch) -> MerkleTree:
        tree = self._trees.get(batch.id)
        if tree is None:
            # Leaves need only the public commitment and fingerprint: no decryption.
            rows = session.execute(
                select(Unit.index, Unit.commitment, Unit.fingerprint)
                .where(Unit.batch_id == batch.id)
                .order_by(Unit.index)
            ).all()
            if batch.merchant is None:
                raise VaultError(f"batch {batch.id} has no planned tree (plan_batch first)")
            tree = MerkleTree.build(
                [
                    leaf_hash(batch.merchant, i, bytes.fromhex(c), bytes.fromhex(f))
                    for i, c, f in rows
                ]
            )
            self._trees[batch.id] = tree
        if batch.root is None or tree.root.hex() != batch.root:
            raise VaultError(f"batch {batch.id}: units do not match the committed root")
        return tree

    def assign_unit(self, listing_id: int, order_id: int, delivery_no: int = 0) -> AssignedUnit:
        """`assign_units` for one order: its unit, or the reason it has none raised."""
        found = self.assign_units(listing_id, [order_id], delivery_no=delivery_no)[order_id]
        if isinstance(found, VaultError):
            raise found
        return found

    def assign_units(
        self, listing_id: int, order_ids: Sequence[int], *, delivery_no: int = 0
    ) -> dict[int, AssignedUnit | VaultError]:
        """Give delivery ``delivery_no`` (0 = first key, 1.. = replacements) of each order a key
        of ``listing_id``, exactly once, in one locked transaction (a bot's burst is one call).

        Asking again for the same delivery (e.g. after a crash before the delivery transaction
        was sent) returns the same unit. Otherwise the lowest unsold unit of the oldest committed
        batch is taken, in the same locked transaction that checked the delivery has none.
        Set-based (one query for the orders' existing units, one for the free units); an order
        that cannot be served (empty stock, a damaged unit) gets its error in place of a unit and
        the others are unaffected."""
        results: dict[int, AssignedUnit | VaultError] = {}
        keys = {order_id: _order_key(order_id) for order_id in order_ids}
        with self._write() as session:
            held: dict[str, Unit] = {}
            for chunk in _chunks(list(keys.values()), 500):
                held.update(
                    (row.order_id, row)
                    for row in session.scalars(
                        select(Unit).where(
                            Unit.order_id.in_(chunk), Unit.delivery_no == delivery_no
                        )
                    )
                )
            missing = sum(1 for key in keys.values() if key not in held)
            free = list(self._unsold(session, listing_id, limit=missing)) if missing else []
            free.reverse()  # pop() hands out the lowest first
            # The units' batches in one query, not one lazy load (and autoflush) per unit.
            batch_ids = {row.batch_id for row in (*held.values(), *free)}
            batches = {
                b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(batch_ids)))
            }
            for order_id, key in keys.items():
                row = held.get(key)
                if row is None:
                    if not free:
                        results[order_id] = OutOfStockError(
                            f"listing {listing_id} has no unsold key in a committed batch"
                        )
                        continue
                    row = free.pop()
                    row.state, row.order_id, row.delivery_no = (
                        UnitState.assigned,
                        key,
                        delivery_no,
                    )
                try:
                    # Decrypted before committing: a damaged unit is not left reserved.
                    batch = batches[row.batch_id]
                    results[order_id] = self._assigned(session, row, batch, listing_id, order_id)
                except VaultError as exc:
                    if row.order_id == key and key not in held:  # undo this order's reservation
                        row.state, row.order_id, row.delivery_no = UnitState.unsold, None, None
                    results[order_id] = exc
        return results

    def _unsold(self, session: Session, listing_id: int, *, limit: int) -> Sequence[Unit]:
        """The next `limit` unsold units of the listing: oldest committed batch, lowest index."""
        return session.scalars(
            select(Unit)
            .join(Batch, Unit.batch_id == Batch.id)
            .where(
                Batch.listing_id == listing_id,
                Batch.state.in_([BatchState.committed, BatchState.revoking]),
                Unit.state == UnitState.unsold,
            )
            # A batch being revoked sells last: what it does not sell can still be withdrawn.
            .order_by((Batch.state == BatchState.revoking).asc(), Batch.id, Unit.index)
            .limit(limit)
        ).all()

    def _assigned(
        self, session: Session, row: Unit, batch: Batch, listing_id: int, order_id: int
    ) -> AssignedUnit:
        """The delivery data of a unit (of `batch`) reserved for `order_id`, checked."""
        if batch.listing_id != listing_id:
            raise VaultError(
                f"order {order_id} already holds a unit of listing "
                f"{batch.listing_id}, not {listing_id}"
            )
        # Decrypt before committing: a damaged unit aborts the assignment instead of
        # leaving the order holding a key that cannot be delivered.
        unit = self._open_unit(row)
        # Checked equal to the decrypted key's by _open_unit: not hashed again.
        commitment, fingerprint = bytes.fromhex(row.commitment), bytes.fromhex(row.fingerprint)
        tree = self._tree(session, batch)
        # The unit's leaf is the tree's (whose root is the committed one): its proof verifies.
        # (Compared leaf to leaf: a whole MerkleTree.verify per unit costs a burst ten hashes
        # a unit and says the same.)
        if tree.leaf(unit.index) != leaf_hash(batch.merchant, unit.index, commitment, fingerprint):
            raise VaultError(f"batch {batch.id} unit {unit.index}: proof does not verify")
        return AssignedUnit(
            order_id=order_id,
            listing_id=listing_id,
            batch_id=batch.id,
            root=tree.root,
            index=unit.index,
            plaintext=unit.plaintext,
            commitment=commitment,
            fingerprint=fingerprint,
            proof=tree.proof(unit.index),
            state=row.state,
        )

    def delivered_key(self, order_id: int, delivery_no: int, fingerprint: bytes) -> bytes | None:
        """The card key the vault gave delivery `delivery_no` of the order, if it is the one of
        `fingerprint` (the key on chain); None otherwise. Read only: nothing is assigned."""
        with self._sessions() as session:
            row = session.scalars(
                select(Unit).where(
                    Unit.order_id == _order_key(order_id), Unit.delivery_no == delivery_no
                )
            ).first()
            if row is None or row.fingerprint != fingerprint.hex():
                return None
            return self._open_unit(row).key

    def mark_delivered(self, order_id: int) -> None:
        """`mark_delivered_many` for one order."""
        self.mark_delivered_many([order_id])

    def mark_delivered_many(self, order_ids: Sequence[int]) -> None:
        """The delivery transactions of these orders are mined: their assigned units are
        delivered, in one transaction. Repeating the call is harmless; an order that holds no
        assigned or delivered unit refuses the whole call (VaultError)."""
        keys = {_order_key(order_id): order_id for order_id in order_ids}
        with self._write() as session:
            for chunk in _chunks(list(keys), 500):
                states: dict[str, set[UnitState]] = {}
                for key, state in session.execute(
                    select(Unit.order_id, Unit.state).where(Unit.order_id.in_(chunk))
                ):
                    states.setdefault(key, set()).add(state)
                for key in chunk:
                    if not states.get(key, set()) & {UnitState.assigned, UnitState.delivered}:
                        raise VaultError(
                            f"order {keys[key]} has no assigned unit to mark delivered"
                        )
                session.execute(
                    update(Unit)
                    .where(Unit.order_id.in_(chunk), Unit.state == UnitState.assigned)
                    .values(state=UnitState.delivered)
                )
            _finish_revoking(session)

    def mark_dead(self, order_id: int, fingerprint: bytes) -> bool:
        """The escrow refused the unit of `fingerprint` that is reserved for `order_id` for the
        unit's own sake (its bit already used, its key already delivered from an older batch,
        its batch exhausted): it can never be delivered. The unit becomes dead and the order
        holds nothing, so its next assignment takes another unit. Returns False (and changes
        nothing) if the unit is not reserved for this order (any more): repeating is harmless."""
        with self._write() as session:
            row = session.scalars(
                select(Unit).where(
                    Unit.fingerprint == fingerprint.hex(),
                    Unit.order_id == _order_key(order_id),
                    Unit.state == UnitState.assigned,
                )
            ).one_or_none()
            if row is None:
                return False
            row.state, row.order_id, row.delivery_no = UnitState.dead, None, None
            _finish_revoking(session)
            return True

    def release_assignment(self, order_id: int) -> bool:
        """Put an order's undelivered unit back on sale (the order was refunded or cancelled
        before delivery). Returns False if the order held no assigned unit."""
        with self._write() as session:
            rows = session.scalars(select(Unit).where(Unit.order_id == _order_key(order_id))).all()
            assigned = [u for u in rows if u.state is UnitState.assigned]
            if not assigned:
                if any(u.state is UnitState.delivered for u in rows):
                    raise VaultError(
                        f"order {order_id}: the key was already delivered and cannot be released"
                    )
                return False
            for row in assigned:
                # A unit of a batch revoked meanwhile must not come back on sale. (In a batch
                # still `revoking` it does: the chain puts the unit back into stockAvailable.)
                revoked = row.batch.state is BatchState.revoked
                row.state = UnitState.revoked if revoked else UnitState.unsold
                row.order_id = None
                row.delivery_no = None
            return True


def _finish_revoking(session: Session) -> None:
    """A batch being revoked whose last deliverable unit was just delivered is revoked."""
    session.flush()
    live = (
        select(Unit.id)
        .where(Unit.batch_id == Batch.id, Unit.state.in_([UnitState.unsold, UnitState.assigned]))
        .exists()
    )
    session.execute(
        update(Batch)
        .where(Batch.state == BatchState.revoking, ~live)
        .values(state=BatchState.revoked)
        .execution_options(synchronize_session=False)
    )


def _order_key(order_id: int) -> str:
    """How the vault stores an order id (160-bit: 40 hex digits)."""
    if not 0 <= order_id < 2**160:
        raise VaultError(f"order id out of range: {order_id}")
    return f"{order_id:040x}"


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
