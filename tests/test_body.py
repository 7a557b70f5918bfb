"""worker.body: htmldate's dateparser limited to the page's languages."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from worker import body

_PAGE = ("<html><body><article><h1>Titular</h1><p class='fecha'>{}</p>"
         "<p>Texto del artículo, bastante largo para ser un artículo de verdad.</p>"
         "</article></body></html>")


def _found(text: str, languages: list[str]) -> datetime | None:
    doc = lxml.html.fromstring(_PAGE.format(text))
    return body.htmldate_published(doc, "https://example.org/x", True, languages=languages)


def test_page_languages_read_the_same_dates() -> None:
    day = datetime(2022, 4, 22, tzinfo=UTC)
    assert _found("Viernes, 22 de Abril de 2022", ["es"]) == day
    assert _found("Viernes, 22 de Abril de 2022", []) == day  # all locales
    body.use_page_languages(False)
    try:
        assert _found("Viernes, 22 de Abril de 2022", ["es"]) == day
    finally:
        body.use_page_languages(True)


def test_one_pages_parser_never_answers_for_another() -> None:
    text = "16 marca 2021"
    march_16 = datetime(2021, 3, 16, tzinfo=UTC)
    assert _found(text, ["de"]) != march_16  # Polish: neither German nor English
    assert _found(text, ["pl"]) == march_16
    assert _found(text, []) == march_16


def test_languages_without_a_dateparser_locale_are_dropped() -> None:
    assert body._page_parser(["zz"]) is None
    assert body._page_parser(["zz", "es"]) is body._page_parser(["es"])


def _texts(pages: list[str]) -> list[tuple[str, str]]:
    from worker.parse import parse_html

    out = []
    for html in pages:
        doc = parse_html(html, "https://example.org/x", authors=False).doc
        out.append((body.trafilatura_text(doc, "https://example.org/x", fast=True),
                    body.trafilatura_text(doc, "https://example.org/x", fast=False)))
    return out


def test_full_run_reusing_the_fast_extraction_changes_nothing() -> None:
    import gzip
    from pathlib import Path

    from worker.charset import decode_html
    from worker.demo import SAMPLES
    from worker.errors import PermanentError

    pages = [decode_html(p.read_bytes())[0] for p in sorted(SAMPLES.glob("*.html"))]
    corpus = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "web-eval"
    files = sorted((corpus / "pages").glob("*.html.gz")) if corpus.is_dir() else []
    for path in files[:: max(1, len(files) // 40)]:
        try:
            pages.append(decode_html(gzip.decompress(path.read_bytes()))[0])
        except PermanentError:
            continue
    calls = []
    original = body._original_extract_content

    def counting(*args: object) -> object:
        calls.append(1)
        return original(*args)

    body._original_extract_content = counting
    try:
        reused = _texts(pages)
        n_reused = len(calls)
        body.use_fast_content_reuse(False)
        try:
            fresh = _texts(pages)
        finally:
            body.use_fast_content_reuse(True)
    finally:
        body._original_extract_content = original
    assert reused == fresh
    assert n_reused == len(pages) and len(calls) == 3 * len(pages)


def test_reuse_needs_the_same_tree() -> None:
    short = "<html><body><article><p>{}</p></article></body></html>"
    first = lxml.html.fromstring(short.format("Erster Text, kurz."))
    other = lxml.html.fromstring(short.format("Ganz anderer Text hier, auch kurz genug."))
    body.trafilatura_text(first, "https://example.org/x", fast=True)
    assert "anderer" in body.trafilatura_text(other, "https://example.org/x", fast=False)


DATE_TEXTS = [
    "Posted on 12 March 2021 by the desk", "published: 03/04/2020", "Datum: 12.03.2021",
    "Veröffentlicht am 1.2.2019", "MARCH 5th, 2018", "5 of June, 2017", "27 KASIM 2019",
    "12 Ekim 2019", "1 décembre 2020", "Şubat 3, 2021", "ON 2021/3/4", "15/11/2019'da yayınlandı",
    "version 1.2.34 and 3.5.1", "no date at all", "", "© 2021 Example Gazette",
    "<p>Updated 2.3.22</p>", "Stand: 04.05.2023 10:00", "ſeptember 3, 2020",
]


def test_date_patterns_behind_a_lookahead_find_the_same_matches() -> None:
    import htmldate.extractors

    patched = (htmldate.extractors.LONG_TEXT_PATTERN, htmldate.extractors.TEXT_PATTERNS)
    assert patched != body._ORIGINAL_DATE_PATTERNS
    for new, old in zip(patched, body._ORIGINAL_DATE_PATTERNS, strict=True):
        for text in DATE_TEXTS + [" ".join(DATE_TEXTS), "x" * 50 + DATE_TEXTS[0]]:
            got, want = new.search(text), old.search(text)
            assert (got and (got.span(), got.groups())) == (want and (want.span(),
                                                                       want.groups())), text


def test_a_page_without_numeric_dates_skips_the_labelled_date_search(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import htmldate.core
    from htmldate.utils import Extractor

    options = Extractor(True, datetime(2030, 1, 1), datetime(1995, 1, 1), True, "%Y-%m-%d")
    searched: list[str] = []
    monkeypatch.setattr(body, "_original_idiosyncrasies_search",
                        lambda html, opts: searched.append(html) or "2021-03-12")
    assert htmldate.core.idiosyncrasies_search("<p>Datum: zwölf</p>", options) is None
    assert searched == []
    assert htmldate.core.idiosyncrasies_search("<p>Datum: 12.03.2021</p>", options) \
        == "2021-03-12"
    assert searched == ["<p>Datum: 12.03.2021</p>"]
    monkeypatch.undo()
    assert htmldate.core.idiosyncrasies_search("<p>Datum: 12.03.2021</p>", options) \
        == "2021-03-12"
