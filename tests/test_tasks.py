"""The Celery task functions called directly (in this process), against real Redis/Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from schemas import IngestRequest
from tests.support import HTTPTestServer
from worker import handoff, tasks
from worker.celery_app import app

PAGE = """<html lang="en"><head><title>Tide tables change</title></head><body><article>
<h1>Tide tables change</h1>
<p>The harbour authority published new tide tables on Monday after a survey found that the
channel had silted up faster than predicted, changing the safe passage times for large ships.</p>
<p>Pilots said the change would add about an hour of waiting time for the biggest container
ships, which can only enter the port within two hours either side of high water.</p>
</article></body></html>"""


@pytest.fixture(autouse=True)
def local_server_allowed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process fetches from the local test server: open the guard and the rate for it."""
    from worker.settings import reset_settings

    monkeypatch.setenv("NEWS_INGEST_FETCH_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("NEWS_INGEST_RATE_LIMITS", "127.0.0.1=10000")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.fixture()
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[IngestRequest]:
    """Capture the hand-over to the parse queue instead of publishing it."""
    captured: list[IngestRequest] = []
    monkeypatch.setattr(tasks, "_hand_over", captured.append)
    return captured


def _job(db, job_id: str) -> Any:
    db.commit()
    return db.execute(text("SELECT * FROM ingest_jobs WHERE id = :i"), {"i": job_id}).one()


def test_fetch_then_parse_task(http_server: HTTPTestServer, handed_over, db) -> None:
    req = IngestRequest(url=http_server.add_page("/tasks/tides", PAGE))
    assert tasks.fetch_task(req.model_dump(mode="json")) == "fetched"
    assert handed_over == [req]
    assert _job(db, req.job_id).status == "parsing"
    assert handoff.get_page(req.job_id) is not None
    assert tasks.parse_task(req.model_dump(mode="json")) == "stored"
    job = _job(db, req.job_id)
    assert job.status == "stored" and job.article_id is not None
    assert handoff.get_page(req.job_id) is None
    # A redelivered parse message after success is skipped, not re-stored or failed.
    assert tasks.parse_task(req.model_dump(mode="json")) == "skipped"
    # So is a redelivered fetch message.
    assert tasks.fetch_task(req.model_dump(mode="json")) == "skipped"


def test_permanent_error_recorded_not_raised(http_server: HTTPTestServer, handed_over,
                                             db) -> None:
    req = IngestRequest(url=http_server.url("/tasks/missing"))
    assert tasks.fetch_task(req.model_dump(mode="json")) == "http_404"
    job = _job(db, req.job_id)
    assert (job.status, job.reason, job.http_status) == ("failed", "http_404", 404)
    assert handed_over == []


def test_page_without_content_fails_as_no_content(http_server: HTTPTestServer, handed_over,
                                                  db) -> None:
    req = IngestRequest(url=http_server.add_page("/tasks/empty", "<html><body></body></html>"))
    assert tasks.fetch_task(req.model_dump(mode="json")) == "fetched"
    assert tasks.parse_task(req.model_dump(mode="json")) == "no_content"
    assert _job(db, req.job_id).reason == "no_content"


def test_expired_page_is_recorded(db) -> None:
    req = IngestRequest(url="https://example.org/never-fetched")
    assert tasks.parse_task(req.model_dump(mode="json")) == "page_expired"
    assert _job(db, req.job_id).reason == "page_expired"


def test_poison_message_after_max_deliveries(db) -> None:
    req = IngestRequest(url="https://example.org/poison")
    key = f"news-ingest:deliveries:news_ingest.parse:{req.job_id}:0"
    handoff.redis_client().set(key, 99)
    assert tasks.parse_task(req.model_dump(mode="json")) == "poison_message"
    assert _job(db, req.job_id).reason == "poison_message"


def test_retry_policy_declared_on_tasks() -> None:
    fetch = app.tasks["news_ingest.fetch"]
    parse = app.tasks["news_ingest.parse"]
    for task in (fetch, parse):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.retry_backoff and task.retry_jitter
        assert task.soft_time_limit < task.time_limit
        assert task.time_limit < app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_create_missing_queues is False
    assert {q.name for q in app.conf.task_queues} == {"fetch", "parse"}


def test_visibility_timeout_is_above_the_longest_hold_and_a_lower_one_is_reported(
        monkeypatch, caplog) -> None:
    import logging

    from worker import celery_app
    from worker.settings import Settings

    # A 600 s Retry-After countdown, then a fetch run to its hard limit: under the default.
    assert 600 < tasks.longest_hold() < Settings().visibility_timeout
    with caplog.at_level(logging.WARNING, logger="news_ingest.celery_app"):
        celery_app._check_visibility_timeout()
        assert not caplog.records
        monkeypatch.setattr(celery_app, "get_settings", lambda: Settings(visibility_timeout=300))
        celery_app._check_visibility_timeout()
    assert "VISIBILITY_TIMEOUT" in caplog.records[0].getMessage()
    assert caplog.records[0].longest_hold == tasks.longest_hold()


def test_invalid_message_is_rejected_cleanly() -> None:
    from worker.errors import PermanentError

    with pytest.raises(PermanentError) as info:
        tasks.fetch_task({"v": 1, "url": 42})
    assert info.value.reason == "invalid_message"


def test_a_throttled_redirect_hop_resumes_there(http_server: HTTPTestServer, handed_over, db,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A hop to a host whose turn has not come is put back with the chain; the message that
    comes back fetches the hop, not the submitted URL again, in the same attempt."""
    import time

    from tests.support import Response
    from worker.ratelimit import RateLimiter, Throttled
    from worker.settings import get_settings, reset_settings

    monkeypatch.setenv("NEWS_INGEST_FETCH_ALLOW", "127.0.0.1/32,localhost")
    monkeypatch.setenv("NEWS_INGEST_RATE_LIMITS", "127.0.0.1=10000,localhost=1")
    reset_settings()
    hop = f"http://localhost:{http_server.port}/tasks/landing"
    http_server.add_page("/tasks/landing", PAGE)
    http_server.add("/tasks/moved", Response(301, b"", {"Location": hop}))
    put_back: list[Throttled] = []
    monkeypatch.setattr(tasks, "_put_back", lambda task, raw, exc, n: put_back.append(exc))
    RateLimiter(handoff.redis_client(), get_settings()).acquire("localhost", 1.0)  # taken
    req = IngestRequest(url=http_server.url("/tasks/moved"))
    raw = req.model_dump(mode="json")
    outcome = tasks.fetch_task(raw)
    for _ in range(5):  # the hop's robots.txt and the hop each wait for a turn
        if outcome != "throttled":
            break
        assert put_back[-1].trail == [hop]
        time.sleep(put_back[-1].delay)
        outcome = tasks.fetch_task(raw, slot=put_back[-1].slot, throttles=len(put_back),
                                   trail=put_back[-1].trail)
    assert outcome == "fetched" and len(put_back) >= 2, put_back
    job = _job(db, req.job_id)
    assert (job.final_url, job.redirects, job.attempts) == (hop, [hop], 1)
    assert handed_over == [req]
