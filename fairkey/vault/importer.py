"""Stock files: parse, normalise, and check for duplicates before anything reaches the vault.

Two formats:
- plain text: one key per line; blank lines and lines starting with '#' are skipped;
- CSV (``.csv`` extension): a header row is required; the key column is the first of ``key``,
  ``code``, ``card`` (case-insensitive) found; other columns are ignored.

Line numbers are 1-based physical lines of the file, so the merchant can jump straight to them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairkey.crypto.keys import KeyFormatError, fingerprint, normalise_key
from fairkey.vault.errors import VaultError
from fairkey.vault.models import Unit

KEY_COLUMNS = ("key", "code", "card")  # preference order when a file has several
# SQLite's default host-parameter limit is 32766; stay far below it per IN (...) query.
_LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class DuplicateLine:
    """A key seen before: earlier in the same file (``first_line``) or already in the vault."""

    line: int
    first_line: int | None
    where: Literal["file", "vault"]
    # Set when where == "vault": which batch holds the key, and the unit's state there.
    batch_id: int | None = None
    state: str | None = None

    def describe(self) -> str:
        if self.where == "file":
            return f"line {self.line}: duplicate of line {self.first_line}"
        return f"line {self.line}: already in the vault (batch {self.batch_id}, {self.state})"


@dataclass
class ImportReport:
    """Outcome of one import. ``accepted`` counts good keys; ``batch_id`` is None when nothing
    was stored (strict refusal, or no good key at all)."""

    source: str
    supplier: str
    strict: bool
    accepted: int = 0
    duplicates: list[DuplicateLine] = field(default_factory=list)
    invalid: list[tuple[int, str]] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def imported(self) -> int:
        """Number of keys actually stored in the vault."""
        return self.accepted if self.batch_id is not None else 0

    @property
    def clean(self) -> bool:
        """True when the file had neither duplicates nor invalid lines."""
        return not self.duplicates and not self.invalid

    @property
    def refused(self) -> bool:
        """Strict mode found problems, so nothing was imported."""
        return self.strict and not self.clean

    def problems(self) -> list[str]:
        """One human-readable line per bad input line, in file order."""
        items: list[tuple[int, str]] = [(d.line, d.describe()) for d in self.duplicates]
        items += [(line, f"line {line}: {reason}") for line, reason in self.invalid]
        return [text for _, text in sorted(items, key=lambda item: item[0])]

    def summary(self) -> str:
        bad = f"{len(self.duplicates)} duplicate(s), {len(self.invalid)} invalid line(s)"
        if self.refused:
            return (
                f"{self.source}: nothing imported ({bad}; fix the file or import without strict "
                "mode to skip them)"
            )
        if self.batch_id is None:
            return f"{self.source}: no key to import ({bad})"
        return f"{self.source}: imported {self.accepted} key(s) as batch {self.batch_id} ({bad})"


@dataclass(frozen=True)
class StockLine:
    """A good key from the file: its line, canonical bytes ``K`` and fingerprint ``f``."""

    line: int
    key: bytes
    fingerprint: bytes


@dataclass
class ParsedStock:
    """A stock file after parsing and in-file duplicate detection (no vault look-up yet)."""

    lines: list[StockLine] = field(default_factory=list)
    duplicates: list[DuplicateLine] = field(default_factory=list)
    invalid: list[tuple[int, str]] = field(default_factory=list)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise VaultError(f"stock file not found: {path}") from None
    except OSError as exc:
        raise VaultError(f"cannot read stock file {path}: {exc.strerror or exc}") from None
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Guessing another encoding could silently change the keys' bytes, so refuse.
        line = raw[: exc.start].count(b"\n") + 1
        raise VaultError(
            f"{path.name}: not UTF-8 text (bad byte at line {line}); re-save the file as UTF-8"
        ) from None


def _physical_lines(text: str) -> Iterator[tuple[int, str]]:
    # Only \n / \r\n / \r end a line: str.splitlines() would also split on characters such as
    # U+2028 that could be part of a (strange) key and would shift line numbers.
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        yield number, line.rstrip("\n")


def _text_candidates(text: str) -> Iterator[tuple[int, str]]:
    for number, line in _physical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        yield number, line


def _csv_candidates(text: str, name: str) -> Iterator[tuple[int, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise VaultError(f"{name}: empty CSV file (a header row is required)") from None
    except csv.Error as exc:
        raise VaultError(f"{name}: line 1: malformed CSV: {exc}") from None
    lowered = [column.strip().lower() for column in header]
    column = next((lowered.index(want) for want in KEY_COLUMNS if want in lowered), None)
    if column is None:
        found = ", ".join(repr(c.strip()) for c in header) or "none"
        raise VaultError(
            f"{name}: no key column in the CSV header (expected one of "
            f"{', '.join(KEY_COLUMNS)}, case-insensitive); columns found: {found}"
        )
    previous_end = reader.line_num
    while True:
        start = previous_end + 1  # a quoted field may span lines; report where the row starts
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise VaultError(f"{name}: line {start}: malformed CSV: {exc}") from None
        previous_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank row (e.g. trailing ",,," from a spreadsheet)
        value = row[column] if column < len(row) else ""
        if not value.strip():
            # Other cells are filled but the key is missing: a data error, not a blank line.
            yield start, ""
            continue
        yield start, value


def _dedupe(candidates: Iterable[tuple[int, str]]) -> ParsedStock:
    parsed = ParsedStock()
    first_seen: dict[bytes, int] = {}
    for number, value in candidates:
        try:
            key = normalise_key(value)
        except KeyFormatError as exc:
            parsed.invalid.append((number, str(exc)))
            continue
        fp = fingerprint(key)
        first = first_seen.get(fp)
        if first is not None:
            parsed.duplicates.append(DuplicateLine(number, first, "file"))
            continue
        first_seen[fp] = number
        parsed.lines.append(StockLine(number, key, fp))
    return parsed


def parse_stock_file(path: Path) -> ParsedStock:
    """Read a stock file and check every line; raise VaultError only for file-level problems."""
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() == ".csv":
        return _dedupe(_csv_candidates(text, path.name))
    return _dedupe(_text_candidates(text))


def find_in_vault(session: Session, fingerprints: Sequence[bytes]) -> dict[bytes, tuple[int, str]]:
    """Fingerprints already stored, mapped to (batch id, unit state)."""
    found: dict[bytes, tuple[int, str]] = {}
    hexes = [fp.hex() for fp in fingerprints]
    for start in range(0, len(hexes), _LOOKUP_CHUNK):
        chunk = hexes[start : start + _LOOKUP_CHUNK]
        rows = session.execute(
            select(Unit.fingerprint, Unit.batch_id, Unit.state).where(Unit.fingerprint.in_(chunk))
        )
        for fp_hex, batch_id, state in rows:
            found[bytes.fromhex(fp_hex)] = (batch_id, str(state))
    return found


def check_stock(
    session: Session, parsed: ParsedStock, source: str, supplier: str, *, strict: bool
) -> tuple[ImportReport, list[StockLine]]:
    """Compare a parsed file against the vault. Returns the report (batch_id still None) and the
    lines that may be imported. Run it inside the import's write transaction so no other process
    can add the same key between this check and the insert."""
    in_vault = find_in_vault(session, [line.fingerprint for line in parsed.lines])
    good: list[StockLine] = []
    duplicates = list(parsed.duplicates)
    for line in parsed.lines:
        hit = in_vault.get(line.fingerprint)
        if hit is None:
            good.append(line)
        else:
            duplicates.append(DuplicateLine(line.line, None, "vault", hit[0], hit[1]))
    duplicates.sort(key=lambda d: d.line)
    report = ImportReport(
        source=source,
        supplier=supplier,
        strict=strict,
        accepted=len(good),
        duplicates=duplicates,
        invalid=parsed.invalid,
    )
    return report, good


__all__ = [
    "KEY_COLUMNS",
    "DuplicateLine",
    "ImportReport",
    "ParsedStock",
    "StockLine",
    "check_stock",
    "find_in_vault",
    "parse_stock_file",
]
