"""The merchant's key vault: encrypted stock book, batch builder, exactly-once unit dispenser."""

from fairkey.vault.errors import OutOfStockError, VaultError
from fairkey.vault.importer import DuplicateLine, ImportReport
from fairkey.vault.models import BatchState, UnitState
from fairkey.vault.vault import AssignedUnit, BatchPlan, BatchSummary, Vault

__all__ = [
    "AssignedUnit",
    "BatchPlan",
    "BatchState",
    "BatchSummary",
    "DuplicateLine",
    "ImportReport",
    "OutOfStockError",
    "UnitState",
    "Vault",
    "VaultError",
]
