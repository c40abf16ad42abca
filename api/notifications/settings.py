"""The notification stream's settings (environment, prefix ``FAIRKEY_API_NOTIFY_``): how often the
index is looked at, keep-alive pings, stream tickets. Apart from ApiSettings (api/settings.py) only
because they are read when the first stream opens; they belong with it."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FAIRKEY_API_NOTIFY_", env_ignore_empty=True, extra="ignore"
    )

    poll_s: float = Field(0.25, gt=0)
    """Seconds between two looks at the index head when nothing wakes the streams: SQLite (one
    API process), or PostgreSQL while its LISTEN connection is down."""

    pg_poll_s: float = Field(30.0, gt=0)
    """PostgreSQL with LISTEN up: the safety look, in case a NOTIFY was lost."""

    ping_s: float = Field(15.0, gt=0)
    """Keep-alive comment lines on an idle stream (proxies close silent connections)."""

    ticket_ttl: int = Field(300, ge=10)
    """Seconds a stream ticket (`POST /notifications/ticket`) opens streams for."""

    session_check_s: float = Field(60.0, gt=0)
    """How often an open stream checks its session still holds (sign-out, expiry end it)."""

    page: int = Field(200, ge=1, le=1000)
    """Notifications read from the index at once."""
