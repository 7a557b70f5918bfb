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


@pytest.fixture()
def original_helpers() -> Iterator[None]:
    parse.use_fast_dom_helpers(False)
    yield
    parse.use_fast_dom_helpers(True)


def test_fast_dom_helpers_change_nothing() -> None:
    pages = list(_pages())
    assert len(pages) >= 20
    fast = [_snapshot(h) for h in pages]
    parse.use_fast_dom_helpers(False)
    try:
        original = [_snapshot(h) for h in pages]
    finally:
        parse.use_fast_dom_helpers(True)
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
