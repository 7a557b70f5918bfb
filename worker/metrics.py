"""Prometheus metrics of the workers, fed by Celery signals (no pipeline code changes).

Off unless ``NEWS_INGEST_METRICS_PORT`` is set. Then each Celery worker (main process):

- empties ``<metrics dir>/<port>`` and points ``PROMETHEUS_MULTIPROC_DIR`` at it (for itself and
  the prefork children it forks), so every pool process writes its own sample files;
- serves ``http://<addr>:<port>/metrics``: the sum over its processes
  (``prometheus_client.multiprocess.MultiProcessCollector``) plus the queue depths, read from
  the broker at scrape time (cached 5 s).

Metrics (task outcomes come from the task's return value or exception, see :func:`classify`):

=========================================== ===============================================
``news_ingest_pages_fetched_total``          pages fetched and handed to the parse queue
``news_ingest_pages_parsed_total``           pages the parser processed (stored or rejected)
``news_ingest_pages_stored_total``           articles written to PostgreSQL
``news_ingest_failures_total{stage,reason}`` jobs failed for good, by reason code
``news_ingest_retries_total{stage,reason}``  transient errors retried
``news_ingest_tasks_total{stage,outcome}``   every task run: ok, failed, skipped, throttled,
                                             retry
``news_ingest_fetch_duration_seconds``       fetch task wall time (robots.txt check, GET,
                                             decode, hand-over), label ``outcome``
``news_ingest_parse_duration_seconds``       parse task wall time (parse, normalise, store),
                                             label ``outcome``
``news_ingest_queue_depth{queue,state}``     messages ``ready`` in the queue / ``unacked``
``news_ingest_broker_up``                    1 when the last queue depth read worked
=========================================== ===============================================
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from celery.signals import (
    task_postrun,
    task_prerun,
    task_retry,
    worker_init,
    worker_process_shutdown,
)

from worker.settings import Settings, get_settings

__all__ = ["metrics_dir", "start_metrics", "classify", "render_latest"]

log = logging.getLogger("news_ingest.metrics")

FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
PARSE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_STAGES = {"news_ingest.fetch": "fetch", "news_ingest.parse": "parse"}
# Task return values that are not failures; any other string is a reason code.
_OK = {"fetched", "stored"}
_NEUTRAL = {"skipped": "skipped", "throttled": "throttled"}

_enabled = False
_started: dict[str, float] = {}
_metrics: dict[str, Any] | None = None
_metrics_pid: int | None = None
_lock = threading.Lock()


def metrics_dir(settings: Settings, port: int | None = None) -> Path:
    base = settings.metrics_dir or (settings.home / "metrics")
    return Path(base) / str(port if port is not None else settings.metrics_port)


def _get() -> dict[str, Any]:
    """The metric objects of this process (created after ``PROMETHEUS_MULTIPROC_DIR`` is set,
    re-created in a forked child)."""
    global _metrics, _metrics_pid
    with _lock:
        if _metrics is None or _metrics_pid != os.getpid():
            from prometheus_client import Counter, Histogram

            _metrics = {
                "fetched": Counter("news_ingest_pages_fetched",
                                   "Pages fetched and handed to the parse queue", registry=None),
                "parsed": Counter("news_ingest_pages_parsed",
                                  "Pages the parser processed (stored or rejected)",
                                  registry=None),
                "stored": Counter("news_ingest_pages_stored", "Articles written to PostgreSQL",
                                  registry=None),
                "failures": Counter("news_ingest_failures", "Jobs failed for good",
                                    ["stage", "reason"], registry=None),
                "retries": Counter("news_ingest_retries", "Transient errors retried",
                                   ["stage", "reason"], registry=None),
                "tasks": Counter("news_ingest_tasks", "Task runs by outcome",
                                 ["stage", "outcome"], registry=None),
                "fetch_seconds": Histogram("news_ingest_fetch_duration_seconds",
                                           "Fetch task wall time", ["outcome"],
                                           buckets=FETCH_BUCKETS, registry=None),
                "parse_seconds": Histogram("news_ingest_parse_duration_seconds",
                                           "Parse task wall time (parse, normalise, store)",
                                           ["outcome"], buckets=PARSE_BUCKETS, registry=None),
            }
            _metrics_pid = os.getpid()
        return _metrics


def classify(stage: str, state: str | None, retval: Any) -> tuple[str, str | None]:
    """``(outcome, failure reason or None)`` of a finished task run."""
    if state == "RETRY":
        return "retry", None
    if state == "SUCCESS" and isinstance(retval, str):
        if retval in _OK:
            return "ok", None
        if retval in _NEUTRAL:
            return _NEUTRAL[retval], None
        return "failed", retval
    if isinstance(retval, BaseException):
        return "failed", str(getattr(retval, "reason", None) or "internal_error")
    return "failed", "internal_error"


def _record(stage: str, state: str | None, retval: Any, seconds: float | None) -> None:
    m = _get()
    outcome, reason = classify(stage, state, retval)
    m["tasks"].labels(stage, outcome).inc()
    if reason is not None:
        m["failures"].labels(stage, reason).inc()
    if stage == "fetch" and outcome == "ok":
        m["fetched"].inc()
    if stage == "parse":
        if outcome == "ok":
            m["stored"].inc()
        if outcome == "ok" or (reason is not None and reason not in (
                "page_expired", "poison_message", "internal_error", "database_unavailable",
                "broker_unavailable")):
            m["parsed"].inc()
    if seconds is not None and outcome != "throttled":
        m[f"{stage}_seconds"].labels(outcome).observe(seconds)


# -- Celery signal handlers (connected when worker.celery_app imports this module) -----------

@task_prerun.connect
def _on_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if _enabled and task_id and getattr(task, "name", None) in _STAGES:
        _started[task_id] = time.monotonic()


@task_postrun.connect
def _on_postrun(task_id: str | None = None, task: Any = None, retval: Any = None,
                state: str | None = None, **_: Any) -> None:
    stage = _STAGES.get(getattr(task, "name", ""))
    if not _enabled or stage is None:
        return
    began = _started.pop(task_id or "", None)
    try:
        _record(stage, state, retval, None if began is None else time.monotonic() - began)
    except Exception:  # noqa: BLE001 - metrics never break a task
        log.exception("could not record metrics")


@task_retry.connect
def _on_retry(sender: Any = None, reason: Any = None, **_: Any) -> None:
    stage = _STAGES.get(getattr(sender, "name", ""))
    if not _enabled or stage is None:
        return
    exc = getattr(reason, "exc", None) or reason
    try:
        _get()["retries"].labels(stage, str(getattr(exc, "reason", None) or "internal_error")
                                 ).inc()
    except Exception:  # noqa: BLE001
        log.exception("could not record metrics")


@worker_process_shutdown.connect
def _on_child_exit(pid: int | None = None, **_: Any) -> None:
    if _enabled:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@worker_init.connect
def _on_worker_init(**_: Any) -> None:
    settings = get_settings()
    if settings.metrics_port:
        start_metrics(settings)


# -- the endpoint -------------------------------------------------------------------------------

class QueueDepthCollector:
    """``news_ingest_queue_depth`` read from the broker at scrape time (cached)."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._cache: tuple[float, dict[str, dict[str, int]] | None] = (0.0, None)

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from worker.queries import queue_depths

        stamp, depths = self._cache
        if time.monotonic() - stamp > self.ttl:
            try:
                depths = queue_depths(unacked_scan_limit=20_000)
            except Exception:  # noqa: BLE001 - a scrape never fails on the broker
                log.warning("could not read queue depths", exc_info=True)
                depths = None
            self._cache = (time.monotonic(), depths)
        gauge = GaugeMetricFamily("news_ingest_queue_depth",
                                  "Messages in a queue: ready, or taken and not yet acked",
                                  labels=["queue", "state"])
        for queue, counts in (depths or {}).items():
            gauge.add_metric([queue, "ready"], counts["ready"])
            gauge.add_metric([queue, "unacked"], counts["unacked"])
        yield gauge
        yield GaugeMetricFamily("news_ingest_broker_up",
                                "1 when the last read of the queue depths worked",
                                value=0 if depths is None else 1)


def _registry(path: Path) -> Any:
    from prometheus_client import CollectorRegistry, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path))
    registry.register(QueueDepthCollector())  # type: ignore[arg-type]
    return registry


def start_metrics(settings: Settings) -> Path:
    """Prepare the multiprocess folder and serve the endpoint (a Celery worker's main process,
    before the pool starts)."""
    global _enabled
    path = metrics_dir(settings)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    # prometheus_client reads this variable; children forked by the pool inherit it.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    from prometheus_client import start_http_server, values

    values.ValueClass = values.get_value_class()  # in case prometheus_client was imported
    _enabled = True
    try:
        start_http_server(settings.metrics_port, addr=settings.metrics_addr,
                          registry=_registry(path))
    except OSError as exc:
        log.error("metrics endpoint not started", extra={
            "port": settings.metrics_port, "error": str(exc)})
    return path


def render_latest(path: Path) -> bytes:
    """What the endpoint would answer for ``path`` (tests, debugging)."""
    from prometheus_client import generate_latest

    return bytes(generate_latest(_registry(path)))
