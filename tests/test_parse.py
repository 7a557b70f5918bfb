"""worker.parse: newspaper3k offline, and our faster DOM helpers give identical results."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from worker import parse
from worker.charset import decode_html
from worker.demo import SAMPLES
from worker.errors import PermanentError

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "web-eval"
GOLDEN = Path(__file__).resolve().parent / "golden"


def _snapshot(html: str) -> tuple[object, ...]:
    try:
        p = parse.parse_html(html, "https://example.org/news/story")
    except PermanentError as exc:
        return ("error", exc.reason)
    return (p.title, p.text, p.authors, p.publish_date, p.meta_lang, p.meta_description,
            p.tags, p.canonical_link, p.top_image, p.images, p.meta_keywords)


def _pages() -> Iterator[str]:
    for path in sorted(SAMPLES.glob("*.html")) + sorted(GOLDEN.glob("*.html")):
        yield decode_html(path.read_bytes())[0]
    if CORPUS.is_dir():
        files = sorted((CORPUS / "pages").glob("*.html.gz"))
        for path in files[:: max(1, len(files) // 120)]:
            try:
                yield decode_html(gzip.decompress(path.read_bytes()))[0]
            except PermanentError:
                continue


def _as_shipped(shipped: bool) -> None:
    """newspaper3k as shipped (True) or with our helpers and kept proxies (False)."""
    parse.use_fast_dom_helpers(not shipped)
    parse.use_pinned_proxies(not shipped)


def test_fast_dom_helpers_change_nothing() -> None:
    pages = list(_pages())
    assert len(pages) >= 20
    fast = [_snapshot(h) for h in pages]
    _as_shipped(True)
    try:
        original = [_snapshot(h) for h in pages]
    finally:
        _as_shipped(False)
    different = [i for i, (a, b) in enumerate(zip(original, fast, strict=True)) if a != b]
    assert not different, f"{len(different)} of {len(pages)} pages differ, e.g. #{different[0]}"


def test_parse_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parse_html opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = (SAMPLES / "city-budget.html").read_text()
    page = parse.parse_html(html.replace("og:image", "og:nothing"), "https://example.org/x")
    assert page.text and page.title


def test_empty_html_is_classified() -> None:
    with pytest.raises(PermanentError) as info:
        parse.parse_html("   ", "https://example.org/x")
    assert info.value.reason == "empty_body"


def test_pins_are_released_with_the_page() -> None:
    import gc
    import weakref

    html = (SAMPLES / "city-budget.html").read_text()
    page = parse.parse_html(html, "https://example.org/x")
    assert page.pins and page.pins[0] is page.doc
    ref = weakref.ref(page.pins[-1])
    del page
    gc.collect()
    assert ref() is None


def test_clean_bad_tags_keeps_article_holders() -> None:
    """A naughty node holding an article stays, unless its only article mark went first."""
    html = ("<html><body><div class='comment'><div id='article'><p>kept text here</p></div>"
            "</div><div class='footer'><div itemprop='articleBody' id='comments'><p>x</p>"
            "</div></div><p>tail</p></body></html>")
    results = []
    for shipped in (False, True):
        _as_shipped(shipped)
        try:
            doc = parse.newspaper.parsers.Parser.fromstring(html)
            cleaner = parse.newspaper.cleaners.DocumentCleaner(parse._CONFIG)
            results.append(parse.etree.tostring(cleaner.clean_bad_tags(doc)))
        finally:
            _as_shipped(False)
    assert results[0] == results[1]
    assert b"kept text here" in results[0] and b"footer" not in results[0]
