"""The per-host rate limiter against the real Redis: intervals, reservations, spacing held
under concurrency (threads and processes share nothing but Redis)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import pytest
import redis

from worker.ratelimit import EARLY_TOLERANCE, RateLimiter, Throttled, interval_for, parse_rates
from worker.settings import Settings


@pytest.fixture()
def limiter(redis_url: str) -> RateLimiter:
    return RateLimiter(redis.Redis.from_url(redis_url), Settings(rate_limit_max_wait=300))


def host() -> str:
    return f"h{uuid.uuid4().hex[:12]}.example"


def test_parse_rates_and_intervals() -> None:
    assert parse_rates("example.com=5, other.org=0.2") == {"example.com": 5.0,
                                                           "other.org": 0.2}
    st = Settings(rate_limits="example.com=5,news.example.com=0.5,other.org=0.2")
    assert interval_for("unlisted.net", st) == 1.0  # the conservative default
    assert interval_for("example.com", st) == pytest.approx(0.2)
    assert interval_for("www.example.com", st) == pytest.approx(0.2)
    assert interval_for("news.example.com", st) == 2.0  # most specific entry
    assert interval_for("other.org", st) == 5.0
    assert interval_for("example.com", st, crawl_delay=3) == 3.0  # Crawl-delay is longer
    assert interval_for("other.org", st, crawl_delay=1) == 5.0
    for bad in ("example.com", "example.com=0", "=3", "x=fast"):
        with pytest.raises(ValueError):
            parse_rates(bad)


def test_first_goes_then_slots_are_reserved_in_turn(limiter: RateLimiter) -> None:
    h = host()
    limiter.acquire(h, 0.5)
    delays, slots = [], []
    for _ in range(3):
        with pytest.raises(Throttled) as info:
            limiter.acquire(h, 0.5)
        delays.append(info.value.delay)
        assert info.value.slot is not None
        slots.append(info.value.slot)
    assert 0.4 < delays[0] <= 0.5
    assert [round(b - a, 3) for a, b in zip(slots, slots[1:], strict=False)] == [0.5, 0.5]
    # an early claim is told to wait for its own slot (no new reservation)
    with pytest.raises(Throttled) as early:
        limiter.acquire(h, 0.5, slot=slots[0])
    assert early.value.slot == slots[0]
    time.sleep(max(0.0, early.value.delay))
    limiter.acquire(h, 0.5, slot=slots[0])
    # an unreserved request does not jump the queue of reservations
    with pytest.raises(Throttled) as unreserved:
        limiter.acquire(h, 0.5)
    assert unreserved.value.slot is not None and unreserved.value.slot > slots[-1]


def test_hosts_are_independent(limiter: RateLimiter) -> None:
    a, b = host(), host()
    limiter.acquire(a, 10)
    limiter.acquire(b, 10)
    with pytest.raises(Throttled):
        limiter.acquire(a, 10)


def test_far_reservations_are_not_made(redis_url: str) -> None:
    short = RateLimiter(redis.Redis.from_url(redis_url), Settings(rate_limit_max_wait=1.0))
    h = host()
    short.acquire(h, 0.6)
    with pytest.raises(Throttled) as near:
        short.acquire(h, 0.6)
    assert near.value.slot is not None  # reserved 0.6 s ahead
    info: Throttled | None = None
    try:
        short.acquire(h, 0.6)
    except Throttled as exc:
        info = exc
    # the next free slot would be 1.2 s ahead: no reservation, come back after the 1 s maximum
    assert info is not None and info.slot is None and info.delay == pytest.approx(1.0)


def test_late_reservation_holder_still_keeps_the_spacing(limiter: RateLimiter) -> None:
    h = host()
    limiter.acquire(h, 0.3)
    with pytest.raises(Throttled) as first:
        limiter.acquire(h, 0.3)
    with pytest.raises(Throttled) as second:
        limiter.acquire(h, 0.3)
    time.sleep(0.65)  # both slots have passed; the second holder comes first
    assert second.value.slot is not None and first.value.slot is not None
    limiter.acquire(h, 0.3, slot=second.value.slot)
    with pytest.raises(Throttled):
        limiter.acquire(h, 0.3, slot=first.value.slot)  # too close to the last request


def _hammer(limiter: RateLimiter, h: str, interval: float, until: float,
            starts: list[float], lock: threading.Lock) -> None:
    slot: float | None = None
    while time.monotonic() < until:
        try:
            granted = limiter.acquire(h, interval, slot=slot)
        except Throttled as exc:
            slot = exc.slot
            time.sleep(exc.delay)
            continue
        with lock:
            starts.append(granted)  # the Redis clock's time of the grant
        slot = None


def test_threads_together_hold_the_rate(limiter: RateLimiter) -> None:
    h, interval = host(), 0.1
    starts: list[float] = []
    lock = threading.Lock()
    until = time.monotonic() + 1.5
    threads = [threading.Thread(target=_hammer, args=(limiter, h, interval, until, starts,
                                                      lock)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) >= 10  # the rate is used, not just respected
    assert min(gaps) >= interval - EARLY_TOLERANCE - 1e-6, gaps


_CHILD = """
import sys, time, redis
from worker.ratelimit import RateLimiter, Throttled
from worker.settings import Settings
limiter = RateLimiter(redis.Redis.from_url(sys.argv[1]), Settings())
host, until, slot = sys.argv[2], time.time() + 1.5, None
while time.time() < until:
    try:
        granted = limiter.acquire(host, 0.1, slot=slot)
    except Throttled as exc:
        slot = exc.slot
        time.sleep(exc.delay)
        continue
    slot = None
    print(repr(granted), flush=True)
"""


def test_processes_together_hold_the_rate(redis_url: str) -> None:
    h = host()
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, redis_url, h],
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [proc.communicate(timeout=30)[0] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    per_process = [[float(line) for line in out.split()] for out in outputs]
    assert all(per_process), "every process got turns"
    starts = sorted(t for times in per_process for t in times)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.1 - EARLY_TOLERANCE - 1e-6, gaps
