"""The one Celery app.

Two declared queues: ``fetch`` (I/O-bound; run with a thread pool of high concurrency) and
``parse`` (CPU-bound; prefork, one process per core, prefetch 1). Undeclared queues are an
error (``task_create_missing_queues=False``). Delivery is at-least-once: late acks, requeue
when a worker process dies, a visibility timeout above the longest task. Results are not
stored: every outcome is recorded in PostgreSQL (``ingest_jobs``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery
from celery.signals import (
    setup_logging,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
)
from kombu import Exchange, Queue

from worker import broker
from worker.services import redis_url
from worker.settings import get_settings

__all__ = ["app", "FETCH_QUEUE", "PARSE_QUEUE", "QUEUES"]

FETCH_QUEUE = "fetch"
PARSE_QUEUE = "parse"
QUEUES = (FETCH_QUEUE, PARSE_QUEUE)
log = logging.getLogger("news_ingest.celery_app")


class _LazyConfig(Mapping[str, Any]):
    """Celery configuration built from the settings on first use, so that importing the app
    never needs a running server (the broker URL may come from the embedded services)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] | None = None

    def _get(self) -> dict[str, Any]:
        if self._values is None:
            self._values = build_config()
        return self._values

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def build_config() -> dict[str, Any]:
    settings = get_settings()
    exchange = Exchange("news_ingest", type="direct")
    return dict(
        broker_url=redis_url(settings),
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": settings.redelivery_check_interval,
            "unacked_restore_throttle": 1,
            # A worker killed during a sweep leaves kombu's restore mutex behind; by default it
            # blocks every other worker's sweeps for 300 s. Each restore is its own WATCH
            # transaction, so a shorter mutex only risks two sweeps overlapping harmlessly.
            "unacked_mutex_expire": max(30, 3 * settings.redelivery_check_interval),
            "max_connections": max(20, settings.fetch_concurrency * 2),
            "socket_keepalive": True,
            # One list per queue, which the reliable fetch of worker/broker.py needs.
            "priority_steps": broker.PRIORITY_STEPS,
            "health_check_interval": 30,
            **_sentinel_options(settings),  # issue 7: Redis Sentinel broker URLs
        },
        broker_pool_limit=max(10, settings.fetch_concurrency),
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_queues=[Queue(q, exchange, routing_key=q) for q in QUEUES],
        task_default_queue=FETCH_QUEUE,
        task_default_exchange="news_ingest",
        task_default_routing_key=FETCH_QUEUE,
        task_create_missing_queues=False,
        task_routes={
            "news_ingest.fetch": {"queue": FETCH_QUEUE, "routing_key": FETCH_QUEUE},
            "news_ingest.parse": {"queue": PARSE_QUEUE, "routing_key": PARSE_QUEUE},
        },
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        worker_max_memory_per_child=400_000,  # KiB: recycle a parse process that grew
        enable_utc=True,
        timezone="UTC",
    )


def _sentinel_options(settings: Any) -> dict[str, Any]:
    """kombu's sentinel transport needs the master's name (``REDIS_URL=sentinel://...``)."""
    if redis_url(settings).startswith("sentinel://"):
        return {"master_name": settings.redis_sentinel_master}
    return {}


broker.install()  # keep consumers alive across broker outages (see worker/broker.py)
app = Celery("news_ingest", include=["worker.tasks"])
app.config_from_object(_LazyConfig())


@setup_logging.connect
def _setup_logging(**_: Any) -> None:
    from worker.logs import configure_logging

    configure_logging()


_WARM_UP_PAGE = (
    "<html lang='en'><head><title>Warm-up</title>"
    "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", "
    "\"datePublished\": \"2024-01-02T03:04:05Z\", \"author\": {\"name\": \"A B\"}}"
    "</script></head><body><article><h1>Warm-up</h1>"
    + "<p>This paragraph warms the parser, its language models and caches up. </p>" * 8
    + "</article></body></html>"
)


def _consumed_queues(worker: Any) -> set[str]:
    """The queues a starting worker consumes from (empty when it cannot tell)."""
    try:
        return set(worker.app.amqp.queues.consume_from or {})
    except AttributeError:
        return set()


@worker_ready.connect
def _start_sweeper(sender: Any = None, **_: Any) -> None:
    """Fetch workers (thread pools: no fork after start) run the lost-message sweeper."""
    if FETCH_QUEUE in _consumed_queues(sender):
        from worker.sweeper import start_sweeper

        start_sweeper()


@worker_ready.connect
def _start_watchdog(sender: Any = None, **_: Any) -> None:
    """Every worker restarts itself when its consumer stops taking messages (watchdog.py)."""
    queues = _consumed_queues(sender)
    # The sender is the consumer; its controller is the WorkController.
    concurrency = getattr(getattr(sender, "controller", None), "concurrency", None)
    if queues and isinstance(concurrency, int):
        from worker.watchdog import start_watchdog

        start_watchdog(queues, concurrency)


@worker_init.connect
def _check_visibility_timeout(sender: Any = None, **_: Any) -> None:
    """Warn when a message may be held longer than the visibility timeout (it would then run
    twice: harmless to the data, since every write is idempotent, but wasted work)."""
    from worker.tasks import longest_hold

    held, timeout = longest_hold(), get_settings().visibility_timeout
    if timeout <= held:
        log.warning(
            "NEWS_INGEST_VISIBILITY_TIMEOUT is below the longest a worker may hold a message: "
            "such tasks are delivered twice", extra={"visibility_timeout": timeout,
                                                     "longest_hold": held})


@worker_init.connect
def _warm_up(sender: Any = None, **_: Any) -> None:
    """Before a parse worker forks its pool, run the parse code once, so lazily loaded models
    (language identification, trafilatura, newspaper's stopwords) load once in the parent and
    are shared copy-on-write by every child instead of being loaded by each on its first page."""
    if PARSE_QUEUE not in _consumed_queues(sender):
        return
    from worker.errors import IngestError
    from worker.normalise import extract_record

    with contextlib.suppress(IngestError):
        extract_record(_WARM_UP_PAGE, url="https://warm-up.invalid/")


@worker_process_init.connect
def _after_fork(**_: Any) -> None:
    from worker import store

    store.dispose_engine()


@worker_process_shutdown.connect
def _at_exit(**_: Any) -> None:
    from worker import store

    store.dispose_engine()


# issue 7: Prometheus metrics fed by Celery signals (off unless NEWS_INGEST_METRICS_PORT is set).
from worker import metrics as _metrics  # noqa: E402,F401
