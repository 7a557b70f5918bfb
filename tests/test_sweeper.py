"""The lost-message sweeper against the real database and broker."""

from __future__ import annotations

import time

from sqlalchemy import text

from schemas import IngestRequest
from worker import store
from worker.sweeper import QueueHorizon, sweep_once


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


def test_the_queue_horizon_moves_only_once_the_queue_is_past_a_marker(redis_url: str) -> None:
    from worker.handoff import redis_client

    client = redis_client()
    queue = "news-ingest-test-horizon"
    client.delete(queue)
    horizon = QueueHorizon((queue,))
    assert horizon.update(client, now=100.0) == {queue: 100.0}  # empty: nothing waits
    client.lpush(queue, b"m1", b"m2")
    assert horizon.update(client, now=200.0) == {queue: 100.0}  # marker m2 noted at 200
    client.lpush(queue, b"m3")
    client.rpop(queue)  # m1 taken; m2 (the marker) still waits
    assert horizon.update(client, now=300.0) == {queue: 100.0}
    client.rpop(queue)  # m2 taken: everything pushed before 200 has left the queue
    assert horizon.update(client, now=400.0) == {queue: 200.0}
    client.rpop(queue)  # m3, noted at 300, taken; the queue is empty
    assert horizon.update(client, now=500.0) == {queue: 500.0}
    client.delete(queue)


def test_a_stale_job_still_waiting_behind_a_backlog_is_not_resent(db) -> None:
    """A job whose row is an hour old, in a queue that has not moved past it since, is not
    lost, just waiting: not resent until the queue's horizon passes its last update."""
    waiting = IngestRequest(url="https://example.org/waiting-in-a-long-queue")
    store.create_jobs([waiting])
    db.execute(text("UPDATE ingest_jobs SET updated_at = now() - interval '1 hour' "
                    "WHERE id = :a"), {"a": waiting.job_id})
    db.commit()
    an_hour_and_a_half_ago = time.time() - 5400
    assert sweep_once(older_than=3000, horizon={"fetch": an_hour_and_a_half_ago,
                                                "parse": time.time()}) == 0
    assert sweep_once(older_than=3000, horizon={"fetch": time.time(),
                                                "parse": an_hour_and_a_half_ago}) == 1
