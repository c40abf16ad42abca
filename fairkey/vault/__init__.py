"""The merchant's key vault: encrypted stock book, batch builder, exactly-once unit dispenser.

The public names load on first use (PEP 562): importing `fairkey.vault.errors` (the CLI's error
messages do) runs this file, and must not pull SQLAlchemy in with the vault itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from fairkey.vault.errors import OutOfStockError, VaultError

if TYPE_CHECKING:
    from fairkey.vault.importer import DuplicateLine, ImportReport
    from fairkey.vault.models import BatchState, UnitState
    from fairkey.vault.vault import AssignedUnit, BatchPlan, BatchSummary, Vault

_LAZY = {
    "DuplicateLine": "fairkey.vault.importer",
    "ImportReport": "fairkey.vault.importer",
    "BatchState": "fairkey.vault.models",
    "UnitState": "fairkey.vault.models",
    "AssignedUnit": "fairkey.vault.vault",
    "BatchPlan": "fairkey.vault.vault",
    "BatchSummary": "fairkey.vault.vault",
    "Vault": "fairkey.vault.vault",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value
