"""Importing stock files into the vault: parsing, validation, duplicates, strict/non-strict."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairkey.crypto.keys import fingerprint
from fairkey.vault import DuplicateLine, ImportReport, UnitState, Vault, VaultError
from fairkey.vault.cipher import KdfParams
from fairkey.vault.importer import parse_stock_file

# Cheap scrypt for tests that are not about the KDF; the vault stores whatever params it used.
FAST_KDF = KdfParams(n=2**10)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    with Vault.create(tmp_path / "vault.db", "correct horse", kdf=FAST_KDF) as v:
        yield v


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def unit_count(vault: Vault) -> int:
    return sum(sum(b.units.values()) for b in vault.batches())


def test_import_of_a_clean_text_file_creates_one_draft_batch_in_file_order(
    vault: Vault, tmp_path: Path
) -> None:
    path = write(tmp_path, "keys.txt", "AAAA-1111\nBBBB-2222\nCCCC-3333\n")

    report = vault.import_file(path, "acme")

    assert report.accepted == 3 and report.imported == 3 and report.clean
    [batch] = vault.batches()
    assert batch.batch_id == report.batch_id
    assert batch.state == "draft" and batch.supplier == "acme" and batch.count == 3
    assert batch.listing_id is None and batch.root is None
    assert batch.units[UnitState.unsold] == 3


def test_text_import_skips_blank_lines_comments_and_trims_whitespace(tmp_path: Path) -> None:
    path = write(
        tmp_path, "keys.txt", "# header comment\n\n  KEY-1  \n   \n\t# indented\nKEY-2\r\n"
    )

    parsed = parse_stock_file(path)

    assert [(line.line, line.key) for line in parsed.lines] == [(3, b"KEY-1"), (6, b"KEY-2")]
    assert not parsed.invalid and not parsed.duplicates


def test_import_refuses_a_file_with_a_duplicate_and_names_both_lines(
    vault: Vault, tmp_path: Path
) -> None:
    path = write(tmp_path, "keys.txt", "KEY-1\nKEY-2\nKEY-3\n KEY-1 \nKEY-1\n")

    report = vault.import_file(path, "acme")

    assert report.refused and report.batch_id is None and report.imported == 0
    assert report.duplicates == [
        DuplicateLine(line=4, first_line=1, where="file"),
        DuplicateLine(line=5, first_line=1, where="file"),
    ]
    assert "line 4: duplicate of line 1" in report.problems()
    assert vault.batches() == []


def test_import_refuses_keys_already_in_the_vault_and_says_which_batch_holds_them(
    vault: Vault, tmp_path: Path
) -> None:
    first = vault.import_file(write(tmp_path, "a.txt", "KEY-1\nKEY-2\n"), "acme")
    again = write(tmp_path, "b.txt", "NEW-1\nKEY-2\n")

    report = vault.import_file(again, "other")

    assert report.refused and report.batch_id is None
    assert report.duplicates == [
        DuplicateLine(
            line=2, first_line=None, where="vault", batch_id=first.batch_id, state="unsold"
        )
    ]
    assert f"line 2: already in the vault (batch {first.batch_id}, unsold)" in report.problems()
    assert unit_count(vault) == 2


def test_duplicates_are_found_by_normalised_key_not_raw_line(vault: Vault, tmp_path: Path) -> None:
    vault.import_file(write(tmp_path, "a.txt", "KEY-1\n"), "acme")

    report = vault.import_file(write(tmp_path, "b.txt", "\t KEY-1\u3000\n"), "acme")

    assert [d.where for d in report.duplicates] == ["vault"]


def test_invalid_lines_are_reported_with_line_number_and_reason(
    vault: Vault, tmp_path: Path
) -> None:
    too_long = "X" * 257
    at_limit = "Y" * 256
    multibyte = "é" * 129  # 258 bytes in UTF-8, although only 129 characters
    path = write(tmp_path, "keys.txt", f"OK-1\n{too_long}\n\n{at_limit}\n{multibyte}\n")

    report = vault.import_file(path, "acme")

    assert report.refused and report.batch_id is None
    assert [line for line, _ in report.invalid] == [2, 5]
    assert all("too long" in reason for _, reason in report.invalid)
    assert report.accepted == 2  # OK-1 and the 256-byte key; blank line 3 is not an error
    assert vault.batches() == []


def test_non_strict_import_stores_good_lines_and_skips_bad_ones(
    vault: Vault, tmp_path: Path
) -> None:
    vault.import_file(write(tmp_path, "old.txt", "OLD-1\n"), "acme")
    path = write(tmp_path, "keys.txt", "NEW-1\nOLD-1\nNEW-2\nNEW-1\n" + "Z" * 300 + "\nNEW-3\n")

    report = vault.import_file(path, "acme", strict=False)

    assert not report.refused and report.batch_id is not None
    assert report.accepted == report.imported == 3
    assert [(d.line, d.where) for d in report.duplicates] == [(2, "vault"), (4, "file")]
    assert [line for line, _ in report.invalid] == [5]
    batch = next(b for b in vault.batches() if b.batch_id == report.batch_id)
    assert batch.count == 3
    # Good lines keep file order: NEW-1, NEW-2, NEW-3 become units 0, 1, 2.
    plan = vault.plan_batch(report.batch_id, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    vault.mark_committed(plan.batch_id, listing_id=1, tx_hash="0x01")
    assert [vault.assign_unit(1, order).key for order in (1, 2, 3)] == [
        b"NEW-1",
        b"NEW-2",
        b"NEW-3",
    ]


def test_a_file_with_nothing_importable_creates_no_batch(vault: Vault, tmp_path: Path) -> None:
    report = vault.import_file(write(tmp_path, "keys.txt", "# only a comment\n\n"), "acme")

    assert report.accepted == 0 and report.batch_id is None and report.clean
    assert vault.batches() == []


def test_csv_import_uses_the_code_column_and_ignores_the_others(
    vault: Vault, tmp_path: Path
) -> None:
    text = 'product,Code,price\n"Game, deluxe",ABC-123,9.99\nGift card, DEF-456 ,5\n,,\n'
    path = write(tmp_path, "stock.csv", text)

    parsed = parse_stock_file(path)
    report = vault.import_file(path, "acme")

    assert [(line.line, line.key) for line in parsed.lines] == [(2, b"ABC-123"), (3, b"DEF-456")]
    assert report.imported == 2


@pytest.mark.parametrize("column", ["key", "KEY", "card", " Card "])
def test_csv_key_column_may_be_named_key_code_or_card_in_any_case(
    tmp_path: Path, column: str
) -> None:
    path = write(tmp_path, "stock.csv", f"sku,{column}\n1,K-1\n")

    assert [line.key for line in parse_stock_file(path).lines] == [b"K-1"]


def test_csv_without_a_key_column_is_refused_naming_the_columns_found(
    vault: Vault, tmp_path: Path
) -> None:
    path = write(tmp_path, "stock.csv", "product,serial,price\nGame,ABC-123,9.99\n")

    with pytest.raises(VaultError) as caught:
        vault.import_file(path, "acme")

    message = str(caught.value)
    assert "stock.csv" in message and "no key column" in message
    for column in ("product", "serial", "price"):
        assert column in message
    assert vault.batches() == []


def test_csv_row_with_data_but_an_empty_key_cell_is_invalid(tmp_path: Path) -> None:
    path = write(tmp_path, "stock.csv", "product,key\nGame,\nGame,K-2\n")

    parsed = parse_stock_file(path)

    assert [line for line, _ in parsed.invalid] == [2]
    assert [line.key for line in parsed.lines] == [b"K-2"]


def test_csv_line_numbers_point_at_the_start_of_a_multiline_row(tmp_path: Path) -> None:
    path = write(tmp_path, "stock.csv", 'note,key\n"two\nlines",K-1\nx,K-1\n')

    parsed = parse_stock_file(path)

    assert parsed.lines[0].line == 2
    assert parsed.duplicates == [DuplicateLine(line=4, first_line=2, where="file")]


def test_csv_with_a_byte_order_mark_still_finds_its_header(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_bytes("\ufeffkey\nK-1\n".encode())

    assert [line.key for line in parse_stock_file(path).lines] == [b"K-1"]


def test_a_file_that_is_not_utf8_is_refused_with_the_line(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_bytes(b"OK-1\nBAD-\xff\n")

    with pytest.raises(VaultError, match=r"not UTF-8.*line 2"):
        vault.import_file(path, "acme")


def test_a_missing_stock_file_is_a_clear_error(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="stock file not found"):
        vault.import_file(tmp_path / "nope.txt", "acme")


def test_an_empty_supplier_tag_is_refused(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="supplier"):
        vault.import_file(write(tmp_path, "keys.txt", "K-1\n"), "  ")


def test_import_report_summary_explains_a_strict_refusal(vault: Vault, tmp_path: Path) -> None:
    report: ImportReport = vault.import_file(write(tmp_path, "k.txt", "A\nA\n"), "acme")

    assert "nothing imported" in report.summary() and "1 duplicate" in report.summary()


def test_ten_thousand_keys_import_quickly_and_keep_their_fingerprints(
    vault: Vault, tmp_path: Path
) -> None:
    keys = [f"GIFT-{i:05d}-{(i * 7919) % 100000:05d}" for i in range(10_000)]
    path = write(tmp_path, "big.txt", "\n".join(keys) + "\n")

    started = time.perf_counter()
    report = vault.import_file(path, "bulk")
    elapsed = time.perf_counter() - started

    assert report.imported == 10_000
    assert elapsed < 20, f"10,000-key import took {elapsed:.1f}s"
    # A second import of any of these keys is caught through the fingerprint index.
    again = vault.import_file(write(tmp_path, "again.txt", keys[9_999] + "\n"), "bulk")
    assert again.duplicates[0].where == "vault"
    assert parse_stock_file(path).lines[123].fingerprint == fingerprint(keys[123].encode())
