"""The consumer watchdog: the stall decision, and the check loop against a real Redis."""

from __future__ import annotations

import threading
import time

import pytest

from worker import watchdog
from worker.watchdog import StallDetector


def test_stall_needs_the_whole_window_of_waiting_messages_and_free_slots() -> None:
    detector = StallDetector(stall_after=60)
    last = 0.0
    assert not detector.observe(60, waiting=5, free_slots=2, last_received=last)
    assert not detector.observe(100, waiting=5, free_slots=2, last_received=last)
    assert detector.observe(120, waiting=5, free_slots=2, last_received=last)


@pytest.mark.parametrize("waiting,free_slots", [(0, 4), (5, 0)])
def test_an_empty_queue_or_a_busy_worker_is_not_a_stall(waiting: int, free_slots: int) -> None:
    detector = StallDetector(stall_after=10)
    for now in range(10, 100, 5):
        assert not detector.observe(now, waiting=waiting, free_slots=free_slots,
                                    last_received=0)


def test_a_received_message_or_a_drained_queue_resets_the_window() -> None:
    detector = StallDetector(stall_after=10)
    assert not detector.observe(10, waiting=3, free_slots=1, last_received=0)
    # A message arrived at 15: the consumer works.
    assert not detector.observe(19, waiting=3, free_slots=1, last_received=15)
    assert detector.stalled_since is None
    assert not detector.observe(25, waiting=3, free_slots=1, last_received=15)
    assert not detector.observe(30, waiting=0, free_slots=1, last_received=15)
    assert not detector.observe(34, waiting=3, free_slots=1, last_received=15)
    assert detector.observe(44, waiting=3, free_slots=1, last_received=15)


def test_check_loop_sees_a_real_queue_that_nobody_consumes(redis_url: str) -> None:
    from worker.handoff import redis_client

    queue = "news-ingest-test-watchdog"
    client = redis_client()
    client.delete(queue)
    client.lpush(queue, "m1", "m2")
    stalls: list[float] = []
    stop = threading.Event()
    watchdog._last_received = time.monotonic()
    thread = threading.Thread(target=watchdog._loop, args=([queue], 2, 1.0),
                              kwargs={"on_stall": stalls.append, "stop": stop})
    thread.start()
    try:
        thread.join(15)
        assert stalls == [1.0]
    finally:
        stop.set()
        client.delete(queue)


def test_check_loop_leaves_a_drained_queue_alone(redis_url: str) -> None:
    queue = "news-ingest-test-watchdog-empty"
    stalls: list[float] = []
    stop = threading.Event()
    watchdog._last_received = time.monotonic() - 100
    thread = threading.Thread(target=watchdog._loop, args=([queue], 2, 1.0),
                              kwargs={"on_stall": stalls.append, "stop": stop})
    thread.start()
    time.sleep(3.5)
    stop.set()
    thread.join(5)
    assert stalls == []
