"""Putting URLs on the queue from Python (other languages: see README, "Pushing URLs")."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import redis

from schemas import FETCH_TASK_NAME, IngestRequest
from worker.errors import PermanentError, TransientError
from worker.urls import validate_url

__all__ = ["enqueue", "split_valid", "InvalidURLs", "celery_message", "publish_requests",
           "PUBLISH_BATCH"]

PUBLISH_BATCH = 1000
_ORIGIN = f"{os.getpid()}@{socket.gethostname()}"
PUBLISH_RETRY_PAUSES = (0.5, 0.5, 0.5, 0.5)  # × attempt number: about 5 s in all


class InvalidURLs(ValueError):
    """Raised by :func:`enqueue` before anything is sent when some URLs are not acceptable."""

    def __init__(self, rejected: list[tuple[str, str]]) -> None:
        self.rejected = rejected
        lines = "; ".join(f"{u!r}: {why}" for u, why in rejected[:5])
        more = f" (+{len(rejected) - 5} more)" if len(rejected) > 5 else ""
        super().__init__(f"{len(rejected)} invalid URL(s): {lines}{more}")


def split_valid(urls: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Separate acceptable URLs from rejected ones (with the reason for each)."""
    valid: list[str] = []
    rejected: list[tuple[str, str]] = []
    for url in urls:
        try:
            valid.append(validate_url(url))
        except PermanentError as exc:
            rejected.append((url, exc.message))
    return valid, rejected


def enqueue(urls: Iterable[str], *, source: str | None = None,
            meta: Mapping[str, Any] | None = None, record_jobs: bool = True) -> list[str]:
    """Submit URLs for ingestion; returns one job id per URL, in order.

    Every URL is validated first: if any is invalid, :class:`InvalidURLs` is raised and
    nothing is sent. With ``record_jobs`` (default) the jobs are recorded as ``queued`` in
    PostgreSQL in one round trip before publishing, so ``ingest_jobs`` knows them at once;
    producers without database access pass ``record_jobs=False`` and the worker creates the
    row when it picks the message up.
    """
    from worker import store

    valid, rejected = split_valid(list(urls))
    if rejected:
        raise InvalidURLs(rejected)
    requests = [IngestRequest(url=u, source=source, meta=dict(meta or {})) for u in valid]
    if record_jobs:
        store.create_jobs(requests)
    sent = 0
    try:
        for start in range(0, len(requests), PUBLISH_BATCH):
            batch = requests[start:start + PUBLISH_BATCH]
            _publish(batch)
            sent += len(batch)
    except (redis.RedisError, OSError) as exc:
        error = TransientError("broker_unavailable", f"could not publish: {exc}")
        if record_jobs:
            # The caller is told these were not enqueued: close their rows accordingly.
            for request in requests[sent:]:
                with contextlib.suppress(Exception):
                    store.fail_job(request, error)
        raise error from exc
    return [r.job_id for r in requests]


def publish_requests(requests: list[IngestRequest]) -> None:
    """Publish already recorded requests (the sweeper's resend), in batches."""
    for start in range(0, len(requests), PUBLISH_BATCH):
        _publish(requests[start:start + PUBLISH_BATCH])


def celery_message(request: IngestRequest) -> dict[str, Any]:
    """The Celery protocol-2 envelope of one fetch task, as the Redis transport stores it
    (the shape README's "Pushing URLs from other languages" documents). Built directly:
    Celery's own builder spends most of its time on reprs of the arguments."""
    from worker.celery_app import FETCH_QUEUE

    job_id = request.job_id
    body = json.dumps([[request.model_dump(mode="json")], {},
                       {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    return {
        "body": base64.b64encode(body.encode()).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py", "task": FETCH_TASK_NAME, "id": job_id, "shadow": None, "eta": None,
            "expires": None, "group": None, "group_index": None, "retries": 0,
            "timelimit": [None, None], "root_id": job_id, "parent_id": None,
            "argsrepr": f"[{{'url': {request.url!r}}}]", "kwargsrepr": "{}",
            "origin": _ORIGIN, "ignore_result": True,
        },
        "properties": {
            "correlation_id": job_id, "reply_to": "", "delivery_mode": 2, "priority": 0,
            "body_encoding": "base64", "delivery_tag": str(uuid.uuid4()),
            "delivery_info": {"exchange": "news_ingest", "routing_key": FETCH_QUEUE},
        },
    }


def _publish(batch: list[IngestRequest]) -> None:
    """LPUSH a batch of messages onto the fetch queue in one atomic round trip."""
    from worker.celery_app import FETCH_QUEUE
    from worker.handoff import redis_client

    messages = [json.dumps(celery_message(r)) for r in batch]
    for attempt, pause in enumerate(PUBLISH_RETRY_PAUSES + (None,)):
        try:
            pipe = redis_client().pipeline(transaction=True)
            pipe.lpush(FETCH_QUEUE, *messages)
            pipe.execute()
            return
        except (redis.ConnectionError, redis.TimeoutError):
            # A batch is all or nothing (MULTI/EXEC); resending one whose reply was lost only
            # duplicates messages, which the worker skips by job id.
            if pause is None:
                raise
            time.sleep(pause * (attempt + 1))
