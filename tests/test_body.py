"""worker.body: htmldate's dateparser limited to the page's languages."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html

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
