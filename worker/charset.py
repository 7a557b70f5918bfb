"""Bytes to text: the one place that decides a page's character encoding.

Order: byte-order mark, strict UTF-8 (valid UTF-8 is UTF-8 whatever the label says),
mostly-UTF-8 (a UTF-8 page with a few stray single-byte characters pasted in: see
:func:`_mostly_utf8`), the HTTP ``Content-Type`` charset, the page's own ``<meta charset>`` /
``http-equiv`` declaration, then detection (charset-normalizer). Declared ``iso-8859-1`` and
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


# A UTF-8 page with a few bytes of another encoding in it (a snippet pasted from a windows-1252
# source, a cut multi-byte character): strict UTF-8 fails, and a single-byte reading of the
# whole page garbles every UTF-8 character ("schön" as "schÃ¶n"). When well-formed multi-byte
# UTF-8 sequences outnumber the stray bytes this many times over, the page is UTF-8 and only
# the stray bytes are read as windows-1252. Single-byte and East Asian pages form such
# sequences only by accident: far fewer of them than stray bytes (web-eval: 0-2 sequences
# against 8-650 stray bytes on its 23 windows-125x/ISO-8859 pages, 662 against 2,396 on a
# gb2312 page; its 4 mixed pages: 75-499 against 1-4).
MOSTLY_UTF8_RATIO = 10
MOSTLY_UTF8_MIN_SEQUENCES = 4
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xef][\x80-\xbf]{2}"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf4][\x80-\xbf]{3}")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _stray_as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each undecodable byte read alone as windows-1252 (latin-1 for the
    five bytes windows-1252 leaves undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), \
        exc.end


codecs.register_error("news_ingest_stray_cp1252", _stray_as_cp1252)


MOSTLY_UTF8_SAMPLE_BYTES = 1 << 20


def _mostly_utf8(data: bytes) -> bool:
    """Whether ``data``, not valid UTF-8, is still a UTF-8 page with a few stray bytes
    (judged on its first MiB)."""
    sample = data[:MOSTLY_UTF8_SAMPLE_BYTES]
    sequences = seq_bytes = 0
    for match in _UTF8_MULTIBYTE.finditer(sample):
        sequences += 1
        seq_bytes += match.end() - match.start()
    if sequences < MOSTLY_UTF8_MIN_SEQUENCES:
        return False
    stray = len(sample) - len(sample.translate(None, _HIGH_BYTES)) - seq_bytes
    return stray * MOSTLY_UTF8_RATIO <= sequences


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
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="news_ingest_stray_cp1252"), "utf-8"
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
