"""Putting URLs on the queue from Python (other languages: see README, "Pushing URLs")."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from kombu.exceptions import OperationalError as KombuOperationalError

from schemas import FETCH_TASK_NAME, IngestRequest
from worker.errors import PermanentError, TransientError
from worker.urls import validate_url

__all__ = ["enqueue", "split_valid", "InvalidURLs"]


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
    from worker.celery_app import FETCH_QUEUE, app

    valid, rejected = split_valid(list(urls))
    if rejected:
        raise InvalidURLs(rejected)
    requests = [IngestRequest(url=u, source=source, meta=dict(meta or {})) for u in valid]
    if record_jobs:
        store.create_jobs(requests)
    sent = 0
    try:
        with app.producer_or_acquire() as producer:
            for request in requests:
                app.send_task(FETCH_TASK_NAME, args=[request.model_dump(mode="json")],
                              queue=FETCH_QUEUE, producer=producer)
                sent += 1
    except (KombuOperationalError, OSError) as exc:
        error = TransientError("broker_unavailable", f"could not publish: {exc}")
        if record_jobs:
            # The caller is told these were not enqueued: close their rows accordingly.
            for request in requests[sent:]:
                with contextlib.suppress(Exception):
                    store.fail_job(request, error)
        raise error from exc
    return [r.job_id for r in requests]
