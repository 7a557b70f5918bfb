"""The fetched page between the two stages: kept in Redis, not in the queue message.

The fetch stage stores the decoded HTML (zlib-compressed) under ``news-ingest:page:<job id>``
with a TTL; the parse message carries only the request. The page is deleted once its outcome
is recorded, so a redelivered parse task after success finds nothing and is skipped.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from dataclasses import asdict, dataclass, field
from datetime import datetime

import redis

from worker.errors import TransientError
from worker.services import redis_url
from worker.settings import get_settings

__all__ = ["FetchedPage", "put_page", "get_page", "delete_page", "redis_client"]

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


def redis_client() -> redis.Redis:
    """One connection pool per process (re-created after fork)."""
    global _client
    with _lock:
        if _client is None or _client[0] != os.getpid():
            _client = (os.getpid(), redis.Redis.from_url(
                redis_url(), socket_timeout=10, socket_connect_timeout=5,
                health_check_interval=30, retry_on_timeout=True))
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
