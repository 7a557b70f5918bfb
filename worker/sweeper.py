"""Resend the messages of jobs that stopped moving: the safety net under the broker.

Messages can still go missing inside the broker: a retry or an acknowledgement lost while
Redis restarts, a message lost on its way from the queue to a worker (see
``worker/broker.py``). Every fetch worker therefore runs a sweeper thread. Every
``NEWS_INGEST_SWEEP_INTERVAL`` seconds it does two things:

- It puts back on their queue the messages left in a dead channel's in-flight list
  (:func:`worker.broker.recover_inflight`). This works for every producer, including those
  that record nothing in PostgreSQL (``record_jobs=False``, other languages).
- It claims unfinished jobs (``queued``, ``fetching``, ``parsing``) whose row has not changed
  for ``NEWS_INGEST_SWEEP_AFTER`` seconds and sends their message again: the fetch task for
  queued/fetching jobs, the parse task for parsing ones. Claiming bumps the row's
  ``updated_at`` with ``FOR UPDATE SKIP LOCKED``, so several fetch workers do not resend the
  same job together.

A job that is merely waiting in a long queue is not lost: with a backlog of hours, resending
every job older than ``NEWS_INGEST_SWEEP_AFTER`` would add a duplicate message per waiting
job and sweep. So a job is only resent once its queue has moved past it
(:class:`QueueHorizon`): the sweeper notes the newest message of each queue at every sweep,
and once such a marker has been taken off the queue (``LPOS``), every message pushed before
it was noted has been too (the queues are first in, first out). A job last touched before
that moment (less ``HORIZON_MARGIN``) whose row still says it waits has lost its message.

Resending is safe: every stage skips a job that has moved past it, and writes are idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from worker.settings import get_settings

__all__ = ["HORIZON_MARGIN", "QueueHorizon", "sweep_once", "start_sweeper"]

log = logging.getLogger("news_ingest.sweeper")
_started = threading.Event()

# A job row is written shortly before its message is pushed, by the database's clock: a row
# this much older than a marker counts as pushed before it (seconds; covers batched publishing
# and clock skew between hosts).
HORIZON_MARGIN = 10.0
# Markers kept per queue (one per sweep); older ones are dropped when there are more.
_MAX_MARKERS = 240


class QueueHorizon:
    """For each queue, a Unix time before which every message pushed has left the queue."""

    def __init__(self, queues: tuple[str, ...]) -> None:
        self.horizon = dict.fromkeys(queues, 0.0)
        self._markers: dict[str, deque[tuple[float, bytes]]] = {q: deque() for q in queues}

    def update(self, client: Any, now: float | None = None) -> dict[str, float]:
        now = time.time() if now is None else now
        for queue, markers in self._markers.items():
            newest = client.lindex(queue, 0)
            if newest is None:  # empty: everything pushed until now has been taken
                self.horizon[queue] = now
                markers.clear()
                continue
            while markers and client.lpos(queue, markers[0][1]) is None:
                self.horizon[queue] = max(self.horizon[queue], markers.popleft()[0])
            if len(markers) >= _MAX_MARKERS:
                markers.pop()
            markers.append((now, newest))
        return dict(self.horizon)


def sweep_once(older_than: float, limit: int = 500,
               horizon: dict[str, float] | None = None) -> int:
    """Resend the messages of stale jobs once; returns how many were resent. With
    ``horizon`` (:meth:`QueueHorizon.update`), only jobs their queue has moved past."""
    from worker import store
    from worker.celery_app import FETCH_QUEUE, PARSE_QUEUE
    from worker.producer import publish_requests
    from worker.tasks import resend_parse

    before = {q: t - HORIZON_MARGIN for q, t in (horizon or {}).items()}
    claimed = store.claim_stale_jobs(older_than, limit, fetch_before=before.get(FETCH_QUEUE),
                                     parse_before=before.get(PARSE_QUEUE))
    fetches = [request for request, status in claimed if status != "parsing"]
    if fetches:
        publish_requests(fetches)
    for request, status in claimed:
        if status == "parsing":
            resend_parse(request)
    if claimed:
        log.warning("resent stale jobs", extra={"count": len(claimed)})
    return len(claimed)


def _loop(stop: threading.Event) -> None:
    from worker.broker import recover_inflight
    from worker.celery_app import QUEUES
    from worker.handoff import redis_client

    settings = get_settings()
    seen: set[tuple[str, bytes]] = set()
    queues = QueueHorizon(QUEUES)
    while not stop.wait(settings.sweep_interval):
        try:
            client = redis_client()
            _, seen = recover_inflight(client, seen)
            horizon = queues.update(client)
        except Exception:  # noqa: BLE001 - Redis down: the next sweep tries again
            log.exception("in-flight sweep failed")
            continue
        try:
            sweep_once(settings.sweep_after, horizon=horizon)
        except Exception:  # noqa: BLE001 - a sweep failing (database down) is retried later
            log.exception("sweep failed")


def start_sweeper() -> threading.Event | None:
    """Start the sweeper thread once per process; returns the event that stops it."""
    if _started.is_set() or get_settings().sweep_interval <= 0:
        return None
    _started.set()
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="news-ingest-sweeper",
                     daemon=True).start()
    return stop
