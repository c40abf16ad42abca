"""The declarative base of the API store's tables (each area keeps its tables beside its code:
auth/models.py, evidence/models.py, votes/models.py). Every table is prefixed `api_`, so the
store may share a database with the indexer."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase

from indexer.base import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
ID = BigInteger().with_variant(Integer, "sqlite")
