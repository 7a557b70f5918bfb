"""The lost-message sweeper against the real database and broker."""

from __future__ import annotations

from sqlalchemy import text

from schemas import IngestRequest
from worker import store
from worker.sweeper import sweep_once


def test_stale_unfinished_jobs_are_resent_once(db) -> None:
    stale = IngestRequest(url="https://example.org/lost-in-the-broker")
    fresh = IngestRequest(url="https://example.org/just-queued")
    parsing = IngestRequest(url="https://example.org/lost-parse-message")
    store.create_jobs([stale, fresh, parsing])
    store.advance_job(parsing, "fetching", attempt=True)
    store.advance_job(parsing, "parsing")
    db.execute(text("UPDATE ingest_jobs SET updated_at = now() - interval '1 hour' "
                    "WHERE id IN (:a, :b)"), {"a": stale.job_id, "b": parsing.job_id})
    db.commit()
    assert sweep_once(older_than=3000) == 2
    rows = dict(db.execute(text("SELECT id::text, meta->>'resent' FROM ingest_jobs "
                                "WHERE id IN (:a, :b, :c)"),
                           {"a": stale.job_id, "b": fresh.job_id, "c": parsing.job_id}).all())
    assert rows == {stale.job_id: "1", fresh.job_id: None, parsing.job_id: "1"}
    # Claimed rows were touched: the next sweep leaves them alone.
    assert sweep_once(older_than=3000) == 0
