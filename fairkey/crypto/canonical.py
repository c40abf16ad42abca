"""Canonical card keys (docs/protocol.md, "Canonical keys"): one spelling per code.

The fingerprint registry catches a resold key only if every seller spells it the same way. A
key that carries an invisible character (a zero-width space, a BOM, a NUL, a stray 0xFF byte)
gets another fingerprint while it still looks - and often redeems - like the original. So a
delivered key must be canonical, and the contract proves any other key a fault
(``contracts/libraries/KeyCanon.sol``, fault 6). The rule, for the key part ``K``:

- valid UTF-8 in shortest form (no surrogates, nothing above U+10FFFF);
- no code point from ``FORBIDDEN_RANGES``: controls (Cc), format characters (Cf), line and
  paragraph separators, every space but U+0020, Unicode's default-ignorable code points
  (variation selectors, Hangul fillers, tags...), and noncharacters (U+FDD0..U+FDEF and the
  last two code points of every plane);
- no U+0020 at either end (trimmed) - inner U+0020 spaces are allowed;
- for a listing whose alphabet is ``PRINTABLE_ASCII``: every byte in 0x20..0x7E.

The table is frozen here (generated once from Unicode 14.0, Python 3.11's ``unicodedata``), not
computed at run time, so that the rule never drifts with the Python or Unicode version; the
contract holds the same table and a test compares the two.
"""

from __future__ import annotations

from enum import IntEnum


class KeyAlphabet(IntEnum):
    """Mirrors the contract's KeyAlphabet: which keys a listing sells."""

    TEXT = 0
    PRINTABLE_ASCII = 1


# Inclusive code point ranges refused anywhere in a key (plane-end noncharacters by rule below).
FORBIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x1680, 0x1680),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x206F),
    (0x3000, 0x3000),
    (0x3164, 0x3164),
    (0xD800, 0xDFFF),
    (0xFDD0, 0xFDEF),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def is_forbidden_code_point(cp: int) -> bool:
    if cp & 0xFFFE == 0xFFFE:  # U+xxFFFE and U+xxFFFF of every plane are noncharacters
        return True
    lo, hi = 0, len(FORBIDDEN_RANGES)
    while lo < hi:  # binary search, as the contract does
        mid = (lo + hi) // 2
        start, end = FORBIDDEN_RANGES[mid]
        if cp < start:
            hi = mid
        elif cp > end:
            lo = mid + 1
        else:
            return True
    return False


def canonical_problem(key: bytes, alphabet: KeyAlphabet = KeyAlphabet.TEXT) -> str | None:
    """Why ``key`` (the encoded key part) is not canonical, or None if it is."""
    try:
        text = key.decode("utf-8")  # Python's decoder is strict: shortest form, no surrogates
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte 0x{key[exc.start]:02x} at offset {exc.start})"
    if not text:
        return "empty"
    if text[0] == " " or text[-1] == " ":
        return "starts or ends with a space"
    for position, char in enumerate(text):
        cp = ord(char)
        if alphabet == KeyAlphabet.PRINTABLE_ASCII and not 0x20 <= cp <= 0x7E:
            return f"character U+{cp:04X} at position {position} is not printable ASCII"
        if is_forbidden_code_point(cp):
            return (
                f"invisible or control character U+{cp:04X} at position {position}"
                " (controls, format characters, odd spaces and noncharacters are refused)"
            )
    return None


def is_canonical(key: bytes, alphabet: KeyAlphabet = KeyAlphabet.TEXT) -> bool:
    return canonical_problem(key, alphabet) is None
