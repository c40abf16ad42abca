"""The API store's database: SQLite by default, PostgreSQL by URL (the indexer's engine setup,
`indexer/db.py`). The schema is created with `metadata.create_all` (idempotent: missing tables are
added, existing ones left alone), then `schema_upgrade.upgrade` adds the nullable columns added
since to existing tables; no Alembic for this small store yet (README, "api")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.auth import models as _auth_models  # noqa: F401 - registers the tables
from api.base import Base
from api.evidence import models as _evidence_models  # noqa: F401
from api.metadata import models as _metadata_models  # noqa: F401
from api.notifications import models as _notification_models  # noqa: F401
from api.schema_upgrade import upgrade
from api.votes import models as _votes_models  # noqa: F401
from indexer.db import create_db_engine


class Database:
    """An engine and its sessions; `transaction()` is one unit of work (commit or roll back)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Database:
        engine = create_db_engine(url)
        with engine.begin() as conn:
            Base.metadata.create_all(conn)
            upgrade(conn, Base.metadata)
        return cls(engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
