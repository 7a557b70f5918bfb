"""Property-based fuzzing of decode + parse + normalise (the worker's parse stage code):
no exception other than a classified IngestError escapes, and no page takes longer than
the parse time limit."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ArticleRecord
from worker.demo import SAMPLES, load_manifest
from worker.errors import IngestError
from worker.normalise import extract_record
from worker.pipeline import prepare_html
from worker.settings import get_settings

SAMPLE_BYTES = [(SAMPLES / s.file).read_bytes() for s in load_manifest()]
TAGS = ["p", "div", "article", "span", "script", "style", "h1", "time", "meta", "a", "table",
        "td", "li", "br", "img", "noscript", "svg", "iframe", "template", "title", "head"]
ATTRS = ['property="og:title" content="X"', 'name="author" content="By Staff"',
         'datetime="2099-13-45T99:99"', 'itemprop="datePublished" content="yesterday"',
         'type="application/ld+json"', 'lang="zz-ZZ"', 'href="javascript:void(0)"',
         'src="data:image/png;base64,AAAA"', 'rel="canonical" href="::::"', 'class="byline"']
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)

element = st.recursive(
    TEXT.map(lambda t: t.replace("<", "&lt;")),
    lambda children: st.tuples(st.sampled_from(TAGS), st.sampled_from(ATTRS + [""]),
                               st.lists(children, max_size=5), st.booleans()).map(
        lambda t: f"<{t[0]} {t[1]}>{''.join(t[2])}" + (f"</{t[0]}>" if t[3] else "")),
    max_leaves=40,
)
JSONLD = st.sampled_from([
    '{"@type": "NewsArticle", "author": {"name": null}, "datePublished": 12}',
    '[{"@graph": [{"@type": ["Article"], "author": [[["x"]]]}]}]',
    '{"@type": "NewsArticle", "headline": "' + "A" * 5000 + '"',
    '{"@context": "https://schema.org", "@type": "Person"}}}}',
    '{"datePublished": "0000-00-00", "dateModified": "9999-12-31T23:59:59+14:00"}',
])


def _check(html: str) -> None:
    limit = get_settings().parse_soft_time_limit
    started = time.monotonic()
    try:
        record = extract_record(html, url="https://example.org/fuzz")
    except IngestError:
        pass
    else:
        assert isinstance(record, ArticleRecord)
        ArticleRecord.model_validate(record.model_dump())  # the record is always valid
        assert record.word_count == len(record.text.split())
    assert time.monotonic() - started < limit


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(element, max_size=12), ld=st.one_of(st.none(), JSONLD))
def test_generated_html(body: list[str], ld: str | None) -> None:
    script = f'<script type="application/ld+json">{ld}</script>' if ld else ""
    _check(f"<html><head>{script}</head><body>{''.join(body)}</body></html>")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=st.sampled_from(SAMPLE_BYTES), data=st.data())
def test_mutated_sample_pages(page: bytes, data: st.DataObject) -> None:
    raw = bytearray(page)
    for _ in range(data.draw(st.integers(0, 20))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "cut":
            raw = raw[:pos]
        elif op == "insert":
            raw[pos:pos] = data.draw(st.sampled_from(
                [b"<", b"</div>", b"<script>", b"\xff\xfe", b"<!--", b"]]>", b"&#0;", b"\x00"]))
        elif op == "delete" and raw:
            del raw[pos:pos + data.draw(st.integers(1, 500))]
    try:
        html, _ = prepare_html(bytes(raw))
    except IngestError:
        return
    _check(html)
