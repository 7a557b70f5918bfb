"""worker/broker.py against a real Redis (and a real Celery worker of both queues): the
reliable fetch and the in-flight recovery."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis
from kombu import Connection, Consumer, Exchange, Producer, Queue

from tests.support import ROOT, HTTPTestServer, WorkerProcesses, article_html, wait_for_jobs
from worker import broker
from worker.broker import INFLIGHT_PREFIX, recover_inflight


def _inflight(client: Any, queue: str) -> list[bytes]:
    keys = list(client.scan_iter(match=f"{INFLIGHT_PREFIX}{queue}:*"))
    return [item for key in keys for item in client.lrange(key, 0, -1)]


def test_a_consumed_message_passes_through_an_inflight_list(redis_url: str) -> None:
    from worker.handoff import redis_client

    broker.install()
    client = redis_client()
    name = "news-ingest-test-reliable"
    client.delete(name)
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
    seen_inflight: list[list[bytes]] = []
    bodies: list[Any] = []

    def on_message(body: Any, message: Any) -> None:
        # Delivered and recorded as unacknowledged; the in-flight copy is still there.
        seen_inflight.append(_inflight(client, name))
        bodies.append(body)
        message.ack()

    options = {"priority_steps": broker.PRIORITY_STEPS}
    with Connection(redis_url, transport_options=options) as conn:
        Producer(conn.default_channel).publish({"n": 1}, exchange=queue.exchange,
                                               routing_key=name, declare=[queue])
        with Consumer(conn.channel(), queues=[queue], callbacks=[on_message]):
            conn.drain_events(timeout=5)
    assert bodies == [{"n": 1}]
    assert len(seen_inflight[0]) == 1  # moved by BLMOVE, not popped by BRPOP
    assert _inflight(client, name) == []  # and cleaned up once in `unacked`
    assert client.llen(name) == 0


def test_a_channel_of_several_queues_also_passes_through_inflight_lists(redis_url: str) -> None:
    """`celery worker` without -Q: one channel consumes both queues, still without BRPOP."""
    import time

    from worker.handoff import redis_client

    broker.install()
    client = redis_client()
    names = ["news-ingest-test-multi-a", "news-ingest-test-multi-b"]
    client.delete(*names)
    queues = [Queue(n, Exchange(n, type="direct"), routing_key=n) for n in names]
    got: list[tuple[str, Any, int]] = []

    def on_message(body: Any, message: Any) -> None:
        queue = message.delivery_info["routing_key"]
        got.append((queue, body, len(_inflight(client, queue))))
        message.ack()

    options = {"priority_steps": broker.PRIORITY_STEPS}
    with Connection(redis_url, transport_options=options) as conn:
        producer = Producer(conn.default_channel)
        for n in range(3):
            for queue in queues:
                producer.publish({"n": n}, exchange=queue.exchange, routing_key=queue.name,
                                 declare=[queue])
        with Consumer(conn.channel(), queues=queues, callbacks=[on_message]):
            while len(got) < 6:
                conn.drain_events(timeout=5)
            # An idle channel blocks on one queue at a time: a message on the other one
            # still arrives within a moment.
            for _ in range(3):
                with contextlib.suppress(TimeoutError):
                    conn.drain_events(timeout=broker.MULTI_QUEUE_BLOCK * 2)
            started = time.monotonic()
            producer.publish({"n": 9}, exchange=queues[1].exchange, routing_key=names[1])
            while len(got) < 7:
                conn.drain_events(timeout=5)
            waited = time.monotonic() - started
    assert sorted((q, b["n"]) for q, b, _ in got) == sorted(
        [(n, i) for n in names for i in range(3)] + [(names[1], 9)])
    assert all(inflight == 1 for _, _, inflight in got)  # moved, not popped by BRPOP
    assert waited < broker.MULTI_QUEUE_BLOCK + 1.0
    assert all(_inflight(client, n) == [] and client.llen(n) == 0 for n in names)


def test_messages_left_inflight_go_back_to_their_queue_a_sweep_later(redis_url: str) -> None:
    from worker.handoff import redis_client

    client = redis_client()
    name = "news-ingest-test-lost"
    dead = f"{INFLIGHT_PREFIX}{name}:deadchannel"
    live = f"{INFLIGHT_PREFIX}{name}:livechannel"
    client.delete(name, dead, live)
    client.lpush(name, b"lost-message", b"handled-message")
    # A worker took both off the queue and died before recording the first one.
    client.lmove(name, dead, "RIGHT", "LEFT")
    client.lmove(name, live, "RIGHT", "LEFT")
    restored, seen = recover_inflight(client, set())
    assert restored == 0 and {(dead, b"lost-message"), (live, b"handled-message")} <= seen
    client.lrem(live, 1, b"handled-message")  # the live worker recorded and removed its copy
    restored, seen = recover_inflight(client, seen)
    assert restored == 1
    assert client.lrange(name, 0, -1) == [b"lost-message"]
    assert client.llen(dead) == 0 and client.llen(live) == 0
    client.delete(name)


@pytest.mark.e2e
def test_a_celery_worker_of_both_queues_never_pops_with_brpop(
        http_server: HTTPTestServer, workers: WorkerProcesses, redis_url: str,
        tmp_path: Path) -> None:
    """`celery -A worker worker` without -Q (one process, both queues): pages are stored, and
    Redis never saw a BRPOP, so no message can be lost between the queue and `unacked`."""
    from worker import enqueue

    client = redis.Redis.from_url(redis_url)

    def calls(command: str) -> int:
        return int(client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))

    for i in range(4):
        http_server.add_page(f"/both-queues/{i}", article_html(4000 + i))
    workers.stop()
    log = (tmp_path / "both.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "worker", "worker", "-c", "2", "-n",
         "both@%h", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        env=workers.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        brpops = calls("brpop")
        ids = enqueue([http_server.url(f"/both-queues/{i}") for i in range(4)])
        outcome = wait_for_jobs(ids, timeout=90)
        assert calls("brpop") == brpops
        assert calls("eval") > 0 and calls("blmove") > 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()
        workers.restore()
    assert {o["status"] for o in outcome.values()} == {"stored"}, outcome
