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
