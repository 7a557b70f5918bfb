"""Read-only questions ops and analysts ask: queue depths, workers, job counts, exports.

Nothing here writes: :mod:`worker.store` stays the only module that writes SQL. Queue depths
and workers come from the broker through the Celery app (so ``sentinel://`` broker URLs work
too); the rest from PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kombu.exceptions import ChannelError
from sqlalchemy import text

from worker.models import Article
from worker.settings import get_settings

__all__ = [
    "RetryFilter", "queue_depths", "workers_online", "jobs_by_status", "failures_by_reason",
    "throughput", "iter_articles", "EXPORT_COLUMNS", "host_matches_sql",
]

# Every article column except the generated `search` vector, in table order: taken from the
# model (which `alembic check` keeps equal to the migrated schema), so a new column is exported
# without anyone having to remember this list.
EXPORT_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in Article.__table__.columns if column.name != "search")


# -- broker -----------------------------------------------------------------------------------

def queue_depths(queues: Sequence[str] | None = None, unacked_scan_limit: int = 100_000
                 ) -> dict[str, dict[str, int]]:
    """Per queue: ``ready`` (waiting in the Redis list, all priorities), ``unacked`` (taken by
    a worker, not yet acknowledged, ETA/countdown retries included) and ``scheduled`` (the
    unacked ones that carry an ETA: retries and throttled fetches waiting for their time).

    Unacked messages are counted by scanning kombu's ``unacked`` hash (at most
    ``unacked_scan_limit`` entries; 0 skips the scan and leaves them at 0).
    """
    from worker.celery_app import QUEUES, app

    names = list(queues or QUEUES)
    out = {q: {"ready": 0, "unacked": 0, "scheduled": 0} for q in names}
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        for q in names:
            try:
                out[q]["ready"] = int(channel.queue_declare(queue=q, passive=True).message_count)
            except ChannelError:  # the Redis transport: no list (and no binding) = empty
                out[q]["ready"] = 0
        client = getattr(channel, "client", None)
        key = getattr(channel, "unacked_key", "unacked")
        if client is None or unacked_scan_limit <= 0:
            return out
        seen = 0
        for _tag, raw in client.hscan_iter(key, count=1000):
            seen += 1
            if seen > unacked_scan_limit:
                break
            try:
                payload, _exchange, routing_key = json.loads(raw)
            except (ValueError, TypeError):
                continue
            if routing_key in out:
                out[routing_key]["unacked"] += 1
                if (payload.get("headers") or {}).get("eta"):
                    out[routing_key]["scheduled"] += 1
    return out


_POOLS = {"thread": "threads"}


def _pool_module(pool: dict[str, Any]) -> str:
    """``celery.concurrency.prefork:TaskPool`` → ``prefork``."""
    return str(pool.get("implementation", "")).split(":", 1)[0].rsplit(".", 1)[-1]


def workers_online(timeout: float | None = None) -> list[dict[str, Any]]:
    """Workers answering a broadcast within ``timeout`` seconds: name, queues, pool,
    concurrency, tasks running now and tasks done since start."""
    from worker.celery_app import app

    timeout = get_settings().status_timeout if timeout is None else timeout
    inspect = app.control.inspect(timeout=timeout)
    stats = inspect.stats() or {}
    queues = (inspect.active_queues() or {}) if stats else {}
    active = (inspect.active() or {}) if stats else {}
    workers = []
    for name, info in sorted(stats.items()):
        pool = info.get("pool") or {}
        workers.append({
            "name": name,
            "queues": sorted(q.get("name", "") for q in queues.get(name, [])),
            "pool": _POOLS.get(_pool_module(pool), _pool_module(pool)),
            "concurrency": pool.get("max-concurrency"),
            "active": len(active.get(name, [])),
            "processed": sum((info.get("total") or {}).values()),
            "pid": info.get("pid"),
        })
    return workers


# -- PostgreSQL -------------------------------------------------------------------------------

def _engine() -> Any:
    from worker.store import get_engine

    return get_engine()


def jobs_by_status() -> dict[str, dict[str, int]]:
    """Jobs submitted in the last hour and day, by status."""
    sql = text("""
        SELECT status,
               count(*) FILTER (WHERE submitted_at > now() - interval '1 hour') AS hour,
               count(*) AS day
        FROM ingest_jobs WHERE submitted_at > now() - interval '1 day'
        GROUP BY status""")
    with _engine().connect() as c:
        rows = c.execute(sql).all()
    out = {s: {"hour": 0, "day": 0} for s in ("queued", "fetching", "parsing", "stored",
                                             "failed")}
    for row in rows:
        out[row.status] = {"hour": int(row.hour), "day": int(row.day)}
    return out


def failures_by_reason(hours: float = 24, examples: int = 3) -> list[dict[str, Any]]:
    """Failed jobs finished in the last ``hours``, by reason, most frequent first, with up to
    ``examples`` recent URLs each."""
    sql = text("""
        SELECT reason, count(*) AS n,
               (array_agg(url ORDER BY finished_at DESC))[1:CAST(:examples AS int)] AS urls
        FROM ingest_jobs
        WHERE status = 'failed' AND finished_at > now() - make_interval(secs => :secs)
        GROUP BY reason ORDER BY n DESC, reason""")
    with _engine().connect() as c:
        rows = c.execute(sql, {"secs": hours * 3600, "examples": examples}).all()
    return [{"reason": r.reason, "count": int(r.n), "examples": list(r.urls)} for r in rows]


def throughput(minutes: int = 15) -> list[dict[str, Any]]:
    """Jobs stored and failed per minute over the last ``minutes`` (oldest first, the current
    minute last; minutes without jobs are zero)."""
    sql = text("""
        WITH m AS (
            SELECT generate_series(date_trunc('minute', now()) - make_interval(
                       mins => CAST(:minutes AS int) - 1),
                   date_trunc('minute', now()), interval '1 minute') AS minute)
        SELECT m.minute,
               count(j.id) FILTER (WHERE j.status = 'stored') AS stored,
               count(j.id) FILTER (WHERE j.status = 'failed') AS failed
        FROM m LEFT JOIN ingest_jobs j
          ON j.finished_at >= m.minute AND j.finished_at < m.minute + interval '1 minute'
        GROUP BY m.minute ORDER BY m.minute""")
    with _engine().connect() as c:
        rows = c.execute(sql, {"minutes": max(1, minutes)}).all()
    return [{"minute": r.minute.isoformat(), "stored": int(r.stored), "failed": int(r.failed)}
            for r in rows]


# -- retry selection --------------------------------------------------------------------------

@dataclass(frozen=True)
class RetryFilter:
    """Which failed jobs ``news-ingest retry`` picks: every given criterion must hold.

    ``domain`` matches the URL's host and its subdomains; ``since``/``until`` bound the time
    the job failed (``finished_at``). Jobs already retried (``meta.retried_as``) are skipped.
    """

    reasons: tuple[str, ...] = ()
    domain: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses = ["status = 'failed'", "NOT (meta ? 'retried_as')"]
        params: dict[str, Any] = {}
        if self.reasons:
            clauses.append("reason = ANY(:reasons)")
            params["reasons"] = list(self.reasons)
        if self.domain:
            clauses.append(host_matches_sql("url", "domain"))
            params["domain"] = self.domain.lower().strip(".")
        if self.since:
            clauses.append("finished_at >= :since")
            params["since"] = self.since
        if self.until:
            clauses.append("finished_at < :until")
            params["until"] = self.until
        return " AND ".join(clauses), params


def host_matches_sql(url_column: str, param: str) -> str:
    """SQL: the host of ``url_column`` is ``:param`` or a subdomain of it."""
    host = f"news_ingest_url_host({url_column})"
    return f"({host} = :{param} OR {host} LIKE '%.' || :{param})"


def retry_candidates(flt: RetryFilter) -> list[dict[str, Any]]:
    """The failed jobs ``flt`` selects (what ``retry --dry-run`` shows)."""
    where, params = flt.where()
    limit = f" LIMIT {int(flt.limit)}" if flt.limit else ""
    sql = text(f"SELECT id, url, reason, finished_at FROM ingest_jobs WHERE {where} "
               f"ORDER BY finished_at, id{limit}")
    with _engine().connect() as c:
        return [dict(r._mapping) for r in c.execute(sql, params)]


# -- export -----------------------------------------------------------------------------------

def iter_articles(since: datetime | None = None, until: datetime | None = None,
                  domain: str | None = None, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Articles updated in ``[since, until)`` in id order, streamed with a server-side cursor
    (``batch`` rows in memory at a time)."""
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if since:
        clauses.append("updated_at >= :since")
        params["since"] = since
    if until:
        clauses.append("updated_at < :until")
        params["until"] = until
    if domain:
        clauses.append("(domain = :domain OR domain LIKE '%.' || :domain)")
        params["domain"] = domain.lower().strip(".")
    sql = text(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles "
               f"WHERE {' AND '.join(clauses)} ORDER BY id")
    with _engine().connect() as c:
        result = c.execution_options(stream_results=True, yield_per=batch).execute(sql, params)
        for row in result:
            yield dict(row._mapping)


# -- the whole status report ------------------------------------------------------------------

def status_report(minutes: int = 15, timeout: float | None = None) -> dict[str, Any]:
    """Everything ``news-ingest status`` shows. A part whose server does not answer is
    replaced by ``{"error": ...}`` so the rest still shows."""
    report: dict[str, Any] = {}
    parts: list[tuple[str, Any]] = [
        ("queues", queue_depths),
        ("workers", lambda: workers_online(timeout)),
        ("jobs", jobs_by_status),
        ("failures_24h", failures_by_reason),
        ("throughput", lambda: throughput(minutes)),
    ]
    for name, fn in parts:
        try:
            report[name] = fn()
        except Exception as exc:  # noqa: BLE001 - show what can be shown
            report[name] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
    return report
