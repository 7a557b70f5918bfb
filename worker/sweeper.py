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

Resending is safe: every stage skips a job that has moved past it, and writes are idempotent.
"""

from __future__ import annotations

import logging
import threading

from worker.settings import get_settings

__all__ = ["sweep_once", "start_sweeper"]

log = logging.getLogger("news_ingest.sweeper")
_started = threading.Event()


def sweep_once(older_than: float, limit: int = 500) -> int:
    """Resend the messages of stale jobs once; returns how many were resent."""
    from worker import store
    from worker.producer import publish_requests
    from worker.tasks import resend_parse

    claimed = store.claim_stale_jobs(older_than, limit)
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
    from worker.handoff import redis_client

    settings = get_settings()
    seen: set[tuple[str, bytes]] = set()
    while not stop.wait(settings.sweep_interval):
        try:
            _, seen = recover_inflight(redis_client(), seen)
        except Exception:  # noqa: BLE001 - Redis down: the next sweep tries again
            log.exception("in-flight sweep failed")
        try:
            sweep_once(settings.sweep_after)
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
