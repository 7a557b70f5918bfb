"""Article identity, re-ingest history and duplicate links (store + URL rules, real DB)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from schemas import ArticleRecord, IngestRequest
from tests.support import HTTPTestServer, WorkerProcesses, article_html, wait_for_jobs
from worker import enqueue, store
from worker.urls import article_identity, trusted_canonical

BODY = " ".join(f"word{i}" for i in range(60))


@pytest.mark.parametrize("page, canonical, expected", [
    ("https://www.example.org/a?utm_source=x", "https://example.org/a", "https://example.org/a"),
    ("https://m.example.org/a", "https://www.example.org/a", "https://www.example.org/a"),
    ("https://news.example.org/a", "https://example.org/story/1", "https://example.org/story/1"),
    ("https://example.org/a", "https://example.org/", None),           # home page: distrust
    ("https://example.org/news/2024/a", "https://example.org/news/", None),  # a section
    ("https://example.org/news/a", "https://example.org/news", None),
    ("https://example.org/story/amp/", "https://example.org/story/",   # its AMP version
     "https://example.org/story/"),
    ("https://example.org/story/print", "https://example.org/story", "https://example.org/story"),
    ("https://example.org/story/", "https://example.org/story", "https://example.org/story"),
    ("https://example.org/a?id=5", "https://example.org/a", "https://example.org/a"),
    ("https://example.org/a", "https://other.net/a", None),            # other site
    # a later page of a paginated article keeps its own row (not overwriting page 1) ...
    ("https://example.org/story?page=2", "https://example.org/story", None),
    ("https://example.org/story?id=7&Seite=3", "https://example.org/story?id=7", None),
    ("https://example.org/story/2/", "https://example.org/story/", None),
    # ... but its own canonical, page 1 and WordPress's "?p=<post id>" are trusted
    ("https://example.org/story?page=2", "https://example.org/story?page=2",
     "https://example.org/story?page=2"),
    ("https://example.org/story?page=1", "https://example.org/story", "https://example.org/story"),
    ("https://example.org/?p=2895", "https://example.org/2019/05/post/",
     "https://example.org/2019/05/post/"),
    ("https://example.org/a", "not a url", None),
    ("https://example.org/a", None, None),
])
def test_trusted_canonical(page: str, canonical: str | None, expected: str | None) -> None:
    assert trusted_canonical(page, canonical) == expected
    assert article_identity(page, canonical) == (expected or article_identity(page))


def _record(url: str, body: str = BODY, final_url: str | None = None, **kw) -> ArticleRecord:
    return ArticleRecord(url=url, final_url=final_url or url, domain="example.org", title="T",
                         text=body, extractor="test/1", word_count=len(body.split()),
                         content_hash=str(abs(hash(body))).zfill(64)[:64],
                         fetched_at=datetime.now(UTC), **kw)


def _article(db, article_id: int):  # type: ignore[no-untyped-def]
    db.commit()
    return db.execute(text("SELECT * FROM articles WHERE id = :i"), {"i": article_id}).one()


def test_same_article_by_two_urls_is_one_row_with_both_urls(db) -> None:
    canonical = "https://example.org/story/one"
    first = store.store_article(IngestRequest(url="https://example.org/story/one?utm_x=1"),
                                _record(canonical))
    second = store.store_article(IngestRequest(url="https://amp.example.org/one"),
                                 _record(canonical, final_url="https://amp.example.org/one"))
    assert first == second
    urls = {r.url for r in db.execute(text("SELECT url FROM article_urls WHERE article_id = :i"),
                                      {"i": first})}
    assert urls == {canonical, "https://amp.example.org/one"}
    assert _article(db, first).seen_count == 2


def test_reingest_changed_content_keeps_previous_version(db) -> None:
    url = "https://example.org/story/changing"
    article_id = store.store_article(IngestRequest(url=url), _record(url, title_note := BODY))
    assert title_note
    new_body = BODY + " correction appended"
    assert store.store_article(IngestRequest(url=url), _record(url, new_body)) == article_id
    row = _article(db, article_id)
    assert row.version == 2 and row.text == new_body and row.seen_count == 2
    versions = db.execute(text("SELECT version, text FROM article_versions "
                               "WHERE article_id = :i"), {"i": article_id}).all()
    assert [(v.version, v.text) for v in versions] == [(1, BODY)]


def test_reingest_unchanged_only_records_it_was_seen(db) -> None:
    url = "https://example.org/story/stable"
    article_id = store.store_article(IngestRequest(url=url), _record(url))
    before = _article(db, article_id)
    assert store.store_article(IngestRequest(url=url), _record(url)) == article_id
    after = _article(db, article_id)
    assert after.version == 1 and after.seen_count == 2
    assert after.updated_at == before.updated_at and after.last_seen_at > before.last_seen_at
    assert db.execute(text("SELECT count(*) FROM article_versions WHERE article_id = :i"),
                      {"i": article_id}).scalar_one() == 0


def test_identical_bodies_under_two_canonicals_are_linked_not_merged(db) -> None:
    body = BODY + " syndicated wire copy"
    a = store.store_article(IngestRequest(url="https://one.example/wire"),
                            _record("https://one.example/wire", body))
    b = store.store_article(IngestRequest(url="https://two.example/wire"),
                            _record("https://two.example/wire", body))
    assert a != b
    assert _article(db, b).duplicate_of == a and _article(db, a).duplicate_of is None


def test_two_urls_with_one_canonical_end_as_one_row_via_workers(
        http_server: HTTPTestServer, workers: WorkerProcesses, db) -> None:
    page = article_html(4242).replace(
        "</head>", f'<link rel="canonical" href="{http_server.url("/canon/story")}"></head>')
    first = http_server.add_page("/canon/story", page)
    second = http_server.add_page("/canon/story-amp", page)
    ids = enqueue([first, second + "?utm_campaign=x"])
    outcome = wait_for_jobs(ids)
    assert {o["status"] for o in outcome.values()} == {"stored"}
    assert len({o["article_id"] for o in outcome.values()}) == 1
    article_id = outcome[ids[0]]["article_id"]
    urls = {r.url for r in db.execute(text("SELECT url FROM article_urls WHERE article_id = :i"),
                                      {"i": article_id})}
    assert urls == {first, second}
