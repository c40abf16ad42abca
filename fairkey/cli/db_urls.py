"""How the CLI names an index database and its failures in a message: the URL without its
password, the driver's first line of complaint. SQLAlchemy is imported when a message is made,
not when the CLI starts."""

from __future__ import annotations


def without_password(db_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


def first_line_of(exc: Exception) -> str:
    """The database driver's reason (SQLAlchemy wraps it as `orig`), one line of it."""
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]
