"""Column types for chain values that SQL has no native type for.

`Uint256`: token amounts in wei overflow SQLite's 64-bit INTEGER. PostgreSQL stores them as
NUMERIC(78, 0) (exact, summable in SQL); SQLite as a decimal string left-padded to 78 digits, so
that ordering and equality still work on the text. Python always sees an `int`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

UINT256_DIGITS = 78  # len(str(2**256 - 1))


class Uint256(TypeDecorator):
    impl = String(UINT256_DIGITS)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(UINT256_DIGITS, 0))
        return dialect.type_descriptor(String(UINT256_DIGITS))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = int(value)
        if not 0 <= value < 2**256:
            raise ValueError(f"not a uint256: {value}")
        if dialect.name == "postgresql":
            return value
        return str(value).rjust(UINT256_DIGITS, "0")

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)
