"""Where the command writes: results to stdout, problems to stderr (rich, no hard wrapping)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def say(text: str) -> None:
    """Print plain text (no markup interpretation: keys and file names may contain brackets)."""
    out.print(text, markup=False)


def ok(text: str) -> None:
    out.print(f"[green]✓[/green] {escape(text)}")


def warn(text: str) -> None:
    err.print(f"[bold yellow]warning:[/bold yellow] {escape(text)}")


def error(text: str) -> None:
    err.print(f"[bold red]error:[/bold red] {escape(text)}")


def fields(title: str, rows: list[tuple[str, str]]) -> None:
    """Named values, one per line (never wrapped: hashes and addresses stay copyable)."""
    out.print(f"[bold]{escape(title)}[/bold]")
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        out.print(f"  {escape(name.ljust(width))}  {escape(value)}")


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(escape(cell) for cell in row))
    # Never squeeze columns into "…" (a console prints at most its width): a narrow terminal
    # wraps the lines instead, and every value stays whole.
    needed = Measurement.get(out, out.options.update_width(10_000), grid).maximum
    wide = Console(
        file=out.file,
        width=max(needed, out.width),
        highlight=False,
        force_terminal=out.is_terminal,
        color_system=out.color_system,
    )
    wide.print(grid)
