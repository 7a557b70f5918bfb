"""Bytes to text: the one place that decides a page's character encoding.

Order: byte-order mark, strict UTF-8 (valid UTF-8 is UTF-8 whatever the label says),
the HTTP ``Content-Type`` charset, the page's own ``<meta charset>`` / ``http-equiv``
declaration, then detection (charset-normalizer). Declared ``iso-8859-1`` and
``ascii`` are read as windows-1252, as browsers do. A declared charset that fails to decode
strictly falls through to the next candidate, so mislabelled pages are not garbled.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from worker.errors import PermanentError

__all__ = ["decode_html", "looks_binary"]

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {"iso-8859-1": "windows-1252", "latin1": "windows-1252", "latin-1": "windows-1252",
            "us-ascii": "windows-1252", "ascii": "windows-1252", "x-sjis": "shift_jis",
            "utf8": "utf-8", "unicode": "utf-8"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# C0 control bytes other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL_BYTES = bytes(b for b in range(32) if not 9 <= b <= 13)


def looks_binary(data: bytes) -> bool:
    """True for bodies that are clearly not text (NUL bytes or many control bytes)."""
    head = data[:4096]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns ``(text, encoding_used)``.

    Raises ``PermanentError`` with reason ``empty_body``, ``binary_body`` or ``decode_error``.
    """
    if not data or not data.strip():
        raise PermanentError("empty_body", "the body is empty")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    if looks_binary(data):
        raise PermanentError("binary_body", "the body contains binary data, not HTML")
    try:
        # Valid UTF-8 with multi-byte sequences is UTF-8 whatever the label says: single-byte
        # charsets almost never form valid UTF-8 by accident, and mislabelled pages are common.
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    for name in (header_charset, _meta_charset(data)):
        codec = _codec(name)
        if codec and codec not in candidates:
            candidates.append(codec)
    for codec in candidates:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        codec = _codec(best.encoding) or best.encoding
        return data.decode(codec, errors="replace"), codec
    # Last resort: keep what is readable rather than losing the page.
    return data.decode("windows-1252", errors="replace"), "windows-1252"


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:8192])
    return match.group(1).decode("ascii", "ignore") if match else None
