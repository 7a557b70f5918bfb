"""worker/handoff.py against a real Redis: pages between the stages, and back-pressure."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from worker import handoff


def test_a_page_round_trips_compressed_and_is_deleted(redis_url: str) -> None:
    page = handoff.FetchedPage(html="<p>Grüße – " + "x" * 5000 + "</p>", url="https://a.example/1",
                               final_url="https://a.example/2", http_status=200,
                               fetched_at=datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
                               encoding="windows-1252", redirects=["https://a.example/1"])
    handoff.put_page("job-handoff-1", page)
    stored = handoff.redis_client().get("news-ingest:page:job-handoff-1")
    assert stored is not None and len(stored) < 1000  # compressed
    assert handoff.get_page("job-handoff-1") == page
    handoff.delete_page("job-handoff-1")
    assert handoff.get_page("job-handoff-1") is None


def test_wait_for_room_returns_at_once_below_the_limit(redis_url: str) -> None:
    client = handoff.redis_client()
    client.delete("news-ingest-test-backlog")
    client.lpush("news-ingest-test-backlog", *range(3))
    assert handoff.wait_for_room("news-ingest-test-backlog", 3, max_wait=5) < 0.5


def test_wait_for_room_waits_until_the_backlog_drains(redis_url: str) -> None:
    client = handoff.redis_client()
    key = "news-ingest-test-backlog"
    client.delete(key)
    client.lpush(key, *range(10))

    def parse_stage_catches_up() -> None:
        time.sleep(1.0)
        client.ltrim(key, 0, 1)  # 2 left

    drainer = threading.Thread(target=parse_stage_catches_up)
    drainer.start()
    waited = handoff.wait_for_room(key, 5, max_wait=10, poll=0.1)
    drainer.join()
    assert 0.9 <= waited < 3


def test_wait_for_room_gives_up_after_max_wait(redis_url: str) -> None:
    client = handoff.redis_client()
    key = "news-ingest-test-backlog"
    client.delete(key)
    client.lpush(key, *range(10))
    started = time.monotonic()
    waited = handoff.wait_for_room(key, 5, max_wait=0.5, poll=0.1)
    assert 0.5 <= waited < 1.5 and time.monotonic() - started < 1.5
    client.delete(key)


def test_every_fetch_thread_can_be_in_a_redis_call_at_once(redis_url: str,
                                                           monkeypatch) -> None:
    """150 threads block in Redis together (more than redis-py's default pool of 100): none
    is refused with "Too many connections"."""
    from worker.settings import reset_settings

    monkeypatch.setenv("NEWS_INGEST_FETCH_CONCURRENCY", "150")
    reset_settings()
    monkeypatch.setattr(handoff, "_client", None)
    errors: list[Exception] = []
    started = threading.Barrier(151)

    def wait_in_redis() -> None:
        client = handoff.redis_client()
        started.wait()
        try:
            client.blpop(["news-ingest:test:nothing"], timeout=1)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=wait_in_redis) for _ in range(150)]
    for thread in threads:
        thread.start()
    started.wait()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(handoff, "_client", None)
    monkeypatch.delenv("NEWS_INGEST_FETCH_CONCURRENCY")
    reset_settings()
    assert errors == []
