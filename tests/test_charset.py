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


def test_utf8_page_with_a_stray_windows_1252_byte_is_read_as_utf8() -> None:
    # a UTF-8 page with one windows-1252 "é" pasted in: strict UTF-8 fails on that byte;
    # reading the whole page as a single-byte charset would garble every other character
    body = ("<p>Schön, süß und grün: Käse aus Österreich, Größe XL, Straße, naïve façade.</p>"
            .encode() + b"<p>Caf\xe9 du Nord</p>")
    data = PAGE.format(meta='<meta charset="utf-8">').encode("utf-8") + body
    text, enc = decode_html(data, "utf-8")
    assert enc == "utf-8"
    assert "Schön, süß und grün: Käse aus Österreich, Größe XL, Straße" in text
    assert "Café du Nord" in text and "Ã" not in text


def test_single_byte_page_with_chance_utf8_pairs_stays_single_byte() -> None:
    # windows-1252 "Ã©" is also the UTF-8 pair of "é": a few such pairs among many
    # single-byte characters do not make the page UTF-8
    words = "Größe, Straße, schön, Käse, Übergröße. " * 10
    data = f"<html><head><meta charset=windows-1252></head><body><p>{words} Ã©</p>" \
        "</body></html>".encode("cp1252")
    text, enc = decode_html(data)
    assert enc == "cp1252" and words.strip() in text and "Ã©" in text
