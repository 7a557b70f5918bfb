"""worker/broker.py against a real Redis: the reliable fetch and the in-flight recovery."""

from __future__ import annotations

from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue

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
