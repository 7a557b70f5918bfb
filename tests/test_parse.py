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


_IMAGES_PAGE = (
    "<html><head><title>Harbour works resume</title></head><body><article>"
    + "".join(
        f"<p>The harbour authority said on Monday that the works on pier {n} would resume next "
        f"week, after the council approved the revised budget and the contractors agreed on "
        f"a schedule that keeps the ferry running during the summer season.</p>"
        f"<p><img src='/media/photo-{n}.jpg' alt='pier {n}'></p>"
        for n in range(1, 7))
    + "</article></body></html>")

_TOP_IMAGE_SCRIPT = """
import sys
from worker import parse
page = parse.parse_html(sys.stdin.read(), "https://example.org/news/story")
print(page.top_image)
"""


def test_top_image_is_the_first_image_whatever_the_hash_seed() -> None:
    """Without a meta image, the top image is the top node's first image in document order
    (newspaper3k 0.2.8 takes an arbitrary member of a set: it changed with PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    tops = set()
    for seed in ("0", "1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(root))
        done = subprocess.run([sys.executable, "-c", _TOP_IMAGE_SCRIPT], input=_IMAGES_PAGE,
                              capture_output=True, text=True, env=env, cwd=root, check=True,
                              timeout=120)
        tops.add(done.stdout.strip())
    assert tops == {"https://example.org/media/photo-1.jpg"}
    page = parse.parse_html(_IMAGES_PAGE, "https://example.org/news/story")
    assert page.top_image == "https://example.org/media/photo-1.jpg"
    assert len(page.images) == 6


def _cleaned(html: str, shipped: bool) -> bytes:
    _as_shipped(shipped)
    try:
        doc = parse.newspaper.parsers.Parser.fromstring(html)
        cleaner = parse.newspaper.cleaners.DocumentCleaner(parse._CONFIG)
        return bytes(parse.etree.tostring(cleaner.clean(doc)))
    finally:
        _as_shipped(False)


def test_cleaner_regex_passes_keep_their_order() -> None:
    """Nodes removed by different remove_nodes_regex passes leave their tails in pass order,
    and nodes inside an earlier pass's removal are not touched again."""
    html = ("<html><body><div><p>lead</p>"
            "<span class='share twitter'>t</span>"
            "<span id='caption'>c</span>two "
            "<div class='x google y'>g<b class='caption'>in</b></div>three "
            "<p class='facebook-broadcasting'>f</p>four"
            "<div id='Caption'><div class='entries-more'>e</div></div>five"
            "</div><p>Some text, with: punctuation; and\u00a0odd \t\n spacing.</p></body></html>")
    cleaned = _cleaned(html, False)
    assert cleaned == _cleaned(html, True)
    # the caption pass runs first: its tail moves to the twitter node, then on with it
    assert b"</p>  two " in cleaned and b"google" not in cleaned


def test_text_helpers_match_newspaper() -> None:
    parser = parse.newspaper.parsers.Parser
    stopwords = parse.newspaper.text.StopWords(language="en")
    html = ("<div> The  cat,\u00a0sat\u2028on \x1c the <b>mat</b>\t!\n <i>It's</i> "
            "(here)\r\n and\u3000there </div>")
    node = parser.fromstring(html)
    shipped_text = parse._original_get_text(node)
    assert parse._get_text(parser, node) == shipped_text
    for content in (shipped_text, "", "A, b; the... THE of", "só é-que  o (a)"):
        ours = parse._get_stopword_count(stopwords, content)
        theirs = parse._original_stopword_count(stopwords, content)
        assert (ours.get_word_count(), ours.get_stopword_count(), ours.get_stop_words()) == (
            theirs.get_word_count(), theirs.get_stopword_count(), theirs.get_stop_words())


def test_case_insensitive_search_fast_path_agrees() -> None:
    import re

    values = ["Footer", "SIDE", "side", "sidebar", "meta", "xMETA", "metadata", "ſide",
              "KASIM", "Kelvin-K", "post-ATTRIBUTES", "", "ünter-footer"]
    for pattern in ("^side$|footer|meta$|attributes", "^inset$|ſ", r"\Dfoot", "[A-z]ide",
                    "kasım"):
        fast = parse._icase_search(pattern)
        slow = re.compile(pattern, re.IGNORECASE)
        for value in values:
            assert fast(value) == (slow.search(value) is not None), (pattern, value)
