from __future__ import annotations

import codecs

import pytest

from worker.charset import decode_html
from worker.errors import PermanentError

PAGE = "<html><head>{meta}</head><body><p>Café £5 – naïve Straße</p></body></html>"


def test_utf8_wins_over_a_wrong_latin1_label() -> None:
    data = PAGE.format(meta='<meta charset="iso-8859-1">').encode("utf-8")
    text, enc = decode_html(data, "iso-8859-1")
    assert "Café £5 – naïve Straße" in text and enc == "utf-8"


def test_latin1_page_by_meta() -> None:
    data = PAGE.replace(" –", "").format(meta='<meta charset="iso-8859-1">').encode("latin-1")
    text, enc = decode_html(data)
    assert "Café £5 naïve Straße" in text and enc == "cp1252"


def test_header_charset_used_when_no_meta() -> None:
    data = PAGE.format(meta="").encode("cp1252")
    text, _ = decode_html(data, "windows-1252")
    assert "Café £5 – naïve Straße" in text


def test_bom() -> None:
    data = codecs.BOM_UTF16_LE + PAGE.format(meta="").encode("utf-16-le")
    text, enc = decode_html(data)
    assert "Straße" in text and enc == "utf-16-le"


def test_undeclared_cyrillic_is_detected() -> None:
    words = "Москва является столицей России и крупнейшим городом страны. " * 20
    data = f"<html><body><p>{words}</p></body></html>".encode("cp1251")
    text, _ = decode_html(data)
    assert "Москва является столицей" in text


@pytest.mark.parametrize("data, reason", [
    (b"", "empty_body"),
    (b"   \n\t ", "empty_body"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary_body"),
    (b"%PDF-1.7\n\x00\x01\x02\x03" * 50, "binary_body"),
])
def test_empty_and_binary(data: bytes, reason: str) -> None:
    with pytest.raises(PermanentError) as info:
        decode_html(data)
    assert info.value.reason == reason
