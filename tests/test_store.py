"""store.py against the real test database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from schemas import ArticleRecord, IngestRequest
from worker import store
from worker.errors import PermanentError


def _record(url: str, title: str = "T", body: str = "Some body text here.") -> ArticleRecord:
    return ArticleRecord(url=url, domain="example.org", title=title, text=body,
                         authors=["A B"], tags=["x"], extractor="test/1",
                         published_at=datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
                         word_count=len(body.split()))


def _status(db, job_id: str) -> str:
    return db.execute(text("SELECT status FROM ingest_jobs WHERE id = :i"),
                      {"i": job_id}).scalar_one()


def test_jobs_only_move_forward(db) -> None:
    req = IngestRequest(url="https://example.org/forward")
    store.create_jobs([req])
    assert _status(db, req.job_id) == "queued"
    assert store.advance_job(req, "fetching", attempt=True)
    assert store.advance_job(req, "parsing")
    assert not store.advance_job(req, "fetching", attempt=True) or _status(db, req.job_id) \
        == "parsing"
    assert store.store_article(req, _record(req.url)) is not None
    assert _status(db, req.job_id) == "stored"
    # Late or redelivered messages cannot move a finished job.
    assert not store.advance_job(req, "fetching", attempt=True)
    assert not store.fail_job(req, PermanentError("http_404", "late"))
    db.commit()
    assert _status(db, req.job_id) == "stored"


def test_job_row_created_when_producer_did_not(db) -> None:
    req = IngestRequest(url="https://example.org/no-producer-row", source="other-lang")
    assert store.advance_job(req, "fetching", attempt=True)
    row = db.execute(text("SELECT url, source, attempts, started_at FROM ingest_jobs "
                          "WHERE id = :i"), {"i": req.job_id}).one()
    assert row.url == req.url and row.source == "other-lang" and row.attempts == 1
    assert row.started_at is not None
    store.advance_job(req, "fetching", attempt=True)
    db.commit()
    assert db.execute(text("SELECT attempts FROM ingest_jobs WHERE id = :i"),
                      {"i": req.job_id}).scalar_one() == 2


def test_job_fields_follow_the_stages(db) -> None:
    req = IngestRequest(url="https://example.org/stages", meta={"batch": "b1"})
    store.create_jobs([req])
    assert store.advance_job(req, "fetching")  # before the host's turn: no attempt yet
    assert store.advance_job(req, "fetching", attempt=True)
    started = db.execute(text("SELECT started_at FROM ingest_jobs WHERE id = :i"),
                         {"i": req.job_id}).scalar_one()
    db.commit()
    trail = ["https://example.org/stages", "https://example.org/moved"]
    assert store.advance_job(req, "fetching", final_url=trail[-1], redirects=trail)
    assert store.advance_job(req, "fetching", attempt=True)  # a retry keeps its start time
    assert store.advance_job(req, "parsing", http_status=200, final_url=trail[-1],
                             redirects=trail)
    row = db.execute(text("SELECT status, attempts, started_at, finished_at, http_status, "
                          "final_url, redirects, meta FROM ingest_jobs WHERE id = :i"),
                     {"i": req.job_id}).one()
    assert (row.status, row.attempts, row.http_status) == ("parsing", 2, 200)
    assert row.started_at == started and row.finished_at is None
    assert (row.final_url, row.redirects, row.meta) == (trail[-1], trail, {"batch": "b1"})
    db.commit()
    assert store.fail_job(req, PermanentError("parse_error", "broken"), http_status=200)
    row = db.execute(text("SELECT status, reason, error, http_status, finished_at "
                          "FROM ingest_jobs WHERE id = :i"), {"i": req.job_id}).one()
    assert (row.status, row.reason, row.error, row.http_status) == (
        "failed", "parse_error", "broken", 200)
    assert row.finished_at is not None
    with pytest.raises(ValueError, match="not a job field"):
        store.advance_job(req, "parsing", title="no such column")


def test_article_upsert_updates_one_row(db) -> None:
    url = "https://example.org/upsert"
    first, second = IngestRequest(url=url), IngestRequest(url=url)
    id1 = store.store_article(first, _record(url, title="Old"))
    id2 = store.store_article(second, _record(url, title="New", body="Changed body text."))
    assert id1 == id2
    rows = db.execute(text("SELECT title, text, first_seen_at, updated_at FROM articles "
                           "WHERE url = :u"), {"u": url}).all()
    assert len(rows) == 1 and rows[0].title == "New" and rows[0].text == "Changed body text."
    assert rows[0].updated_at >= rows[0].first_seen_at


def test_failure_recorded_with_reason(db) -> None:
    req = IngestRequest(url="https://example.org/gone")
    store.create_jobs([req])
    store.fail_job(req, PermanentError("http_410", "gone", http_status=410))
    row = db.execute(text("SELECT status, reason, error, http_status, finished_at "
                          "FROM ingest_jobs WHERE id = :i"), {"i": req.job_id}).one()
    assert (row.status, row.reason, row.http_status) == ("failed", "http_410", 410)
    assert row.error == "gone" and row.finished_at is not None


def test_job_statuses(db) -> None:
    reqs = [IngestRequest(url=f"https://example.org/s{i}") for i in range(3)]
    store.create_jobs(reqs)
    statuses = store.job_statuses([r.job_id for r in reqs])
    assert {s["status"] for s in statuses.values()} == {"queued"}
    assert set(statuses) == {r.job_id for r in reqs}


def _scans(plan: dict, relation: str) -> list[dict]:
    found = [plan] if plan.get("Relation Name") == relation else []
    for child in plan.get("Plans", []):
        found += _scans(child, relation)
    return found


def test_finding_an_article_by_its_urls_uses_indexes_only(db) -> None:
    """The lookup of store_article runs for every stored page: it must not read the whole
    articles table (the plan of "id IN (...) OR url = ..." filtered every row)."""
    from sqlalchemy.dialects import postgresql

    req = IngestRequest(url="https://example.org/plan-check")
    store.create_jobs([req])
    store.store_article(req, _record(req.url))
    bound = store._FIND_ARTICLE.params(aliases=[req.url, req.url + "/x"], url=req.url)
    sql = str(bound.compile(dialect=postgresql.dialect(),
                            compile_kwargs={"literal_binds": True}))
    db.execute(text("SET LOCAL enable_seqscan = off"))
    plan = db.execute(text("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()[0]["Plan"]
    scans = _scans(plan, "articles") + _scans(plan, "article_urls")
    assert len(scans) == 3
    assert all("Filter" not in scan for scan in scans), scans
    assert all("Index Cond" in scan or "Recheck Cond" in scan for scan in scans), scans
    found = db.execute(store._FIND_ARTICLE, {"aliases": [req.url + "/x"],
                                             "url": req.url}).first()
    assert found is not None and found.title == "T"
