"""The fetched page between the two stages: kept in Redis, not in the queue message.

The fetch stage stores the decoded HTML (zlib-compressed) under ``news-ingest:page:<job id>``
with a TTL; the parse message carries only the request. The page is deleted once its outcome
is recorded, so a redelivered parse task after success finds nothing and is skipped. A fetch
waits for room first while too many pages wait for parsing (:func:`wait_for_room`).
"""

from __future__ import annotations

import json
import os
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import redis

from worker.errors import TransientError
from worker.services import redis_url
from worker.settings import get_settings

__all__ = ["FetchedPage", "put_page", "get_page", "delete_page", "redis_client",
           "wait_for_room"]

_PREFIX = "news-ingest:page:"
_lock = threading.Lock()
_client: tuple[int, redis.Redis] | None = None


@dataclass
class FetchedPage:
    html: str
    url: str
    final_url: str
    http_status: int
    fetched_at: datetime
    encoding: str
    redirects: list[str] = field(default_factory=list)


# Connections a process may open to Redis for this client: every fetch thread can be in a
# Redis call at once (rate limit, robots.txt cache, page, back-pressure), plus the sweeper and
# the watchdog. redis-py's default of 100 made a busy 300-thread fetch worker fail fetches with
# "Too many connections" (retried as broker_unavailable).
_SPARE_CONNECTIONS = 20


def _connect(url: str) -> redis.Redis:
    options: dict[str, Any] = {
        "socket_timeout": 10, "socket_connect_timeout": 5, "health_check_interval": 30,
        "retry_on_timeout": True,
        "max_connections": max(100, get_settings().fetch_concurrency + _SPARE_CONNECTIONS)}
    if not url.startswith("sentinel://"):
        return redis.Redis.from_url(url, **options)
    # Redis Sentinel, kombu's URL form: sentinel://[:password@]host:port[;sentinel://...][/db]
    from redis.sentinel import Sentinel

    nodes, password, db = [], None, 0
    for part in url.split(";"):
        u = urlsplit(part.strip())
        nodes.append((u.hostname or "localhost", u.port or 26379))
        password = password or u.password
        if u.path.strip("/"):
            db = int(u.path.strip("/"))
    sentinel = Sentinel(nodes, socket_timeout=5, socket_connect_timeout=5)
    return sentinel.master_for(get_settings().redis_sentinel_master, db=db, password=password,
                               **options)


def redis_client() -> redis.Redis:
    """One connection pool per process (re-created after fork)."""
    global _client
    with _lock:
        if _client is None or _client[0] != os.getpid():
            _client = (os.getpid(), _connect(redis_url()))
        return _client[1]


def put_page(job_id: str, page: FetchedPage) -> None:
    meta = asdict(page)
    html = meta.pop("html")
    meta["fetched_at"] = page.fetched_at.isoformat()
    blob = json.dumps(meta).encode() + b"\n" + zlib.compress(html.encode("utf-8"), 3)
    try:
        redis_client().set(_PREFIX + job_id, blob, ex=get_settings().page_ttl)
    except redis.RedisError as exc:
        raise TransientError("broker_unavailable", f"Redis: {exc}") from exc


def wait_for_room(queue: str, limit: int, max_wait: float, poll: float = 1.0) -> float:
    """Block while ``queue`` holds more than ``limit`` messages, at most ``max_wait``
    seconds; returns the seconds waited (back-pressure from the parse stage to the fetch
    stage). Redis being unreachable is not a reason to wait: the hand-over reports it."""
    started = time.monotonic()
    while True:
        try:
            waiting = int(redis_client().llen(queue))
        except redis.RedisError:
            return time.monotonic() - started
        waited = time.monotonic() - started
        if waiting <= limit or waited >= max_wait:
            return waited
        time.sleep(min(poll, max_wait - waited))


def get_page(job_id: str) -> FetchedPage | None:
    try:
        blob = redis_client().get(_PREFIX + job_id)
    except redis.RedisError as exc:
        raise TransientError("broker_unavailable", f"Redis: {exc}") from exc
    if blob is None:
        return None
    header, _, body = (blob if isinstance(blob, bytes) else blob.encode()).partition(b"\n")
    meta = json.loads(header)
    meta["fetched_at"] = datetime.fromisoformat(meta["fetched_at"])
    return FetchedPage(html=zlib.decompress(body).decode("utf-8"), **meta)


def delete_page(job_id: str) -> None:
    try:
        redis_client().delete(_PREFIX + job_id)
    except redis.RedisError as exc:
        raise TransientError("broker_unavailable", f"Redis: {exc}") from exc
