"""Where `make up` talks to its user: one console, hints printed whole (never re-wrapped, so
their commands can be copied as they are), paths as the user would type them."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

console = Console()


def say(text: str) -> None:
    """A hint (rich markup allowed), printed whole."""
    console.print(text, soft_wrap=True, highlight=False)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return str(path)
