"""Whether uploaded bytes are what their declared type says (a pure check): a PNG starts with
the PNG signature, a JPEG with SOI, a PDF with `%PDF-`, plain text is UTF-8 without control
characters but tab, CR and LF. A file that is not what it claims is refused, so a reader never
gets an HTML page or a script dressed up as a screenshot."""

from __future__ import annotations

_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/pdf": (b"%PDF-",),
}
_TEXT_CONTROLS = {9, 10, 13}


def media_type(declared: str | None) -> str:
    """The declared Content-Type without parameters, lower-case ('' when missing)."""
    return (declared or "").split(";", 1)[0].strip().lower()


def content_matches(kind: str, data: bytes) -> bool:
    if kind in _SIGNATURES:
        return data.startswith(_SIGNATURES[kind])
    if kind == "text/plain":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return not any(
            ord(ch) < 32 and ord(ch) not in _TEXT_CONTROLS or ord(ch) == 127 for ch in text
        )
    return False
