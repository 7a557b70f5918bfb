"""PostgreSQL access: the only module that writes SQL.

Engines are created lazily per process (so prefork children never share a parent's
connections) with a small bounded pool. Every write is idempotent: articles are upserted on
their normalised URL, job rows are upserted on their id and only ever move forward
(queued → fetching → parsing → stored | failed).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, create_engine, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, OperationalError

from schemas import ArticleRecord, IngestRequest
from worker.errors import IngestError, TransientError
from worker.models import Article, IngestJob
from worker.queries import RetryFilter
from worker.services import database_url
from worker.settings import get_settings

__all__ = [
    "get_engine", "dispose_engine", "create_jobs", "advance_job", "fail_job", "store_article",
    "job_statuses", "recent_articles", "STATUS_RANK", "retry_jobs",
]

STATUS_RANK = {"queued": 0, "fetching": 1, "parsing": 2, "stored": 3, "failed": 3}
_ARTICLE_COLUMNS = [c.name for c in Article.__table__.columns
                    if c.name not in ("id", "first_seen_at", "updated_at")
                    and c.computed is None]  # issue 7: generated `search` is never written

_engine_lock = threading.Lock()
_engine: tuple[int, Engine] | None = None


def get_engine() -> Engine:
    global _engine
    pid = os.getpid()
    with _engine_lock:
        if _engine is None or _engine[0] != pid:
            settings = get_settings()
            engine = create_engine(
                database_url(settings),
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_pre_ping=True,
                pool_recycle=1800,
                connect_args={"connect_timeout": 5, "application_name": "news-ingest"},
            )
            _engine = (pid, engine)
        return _engine[1]


def dispose_engine() -> None:
    """Drop this process's pool (called after fork and at shutdown)."""
    global _engine
    with _engine_lock:
        if _engine is not None and _engine[0] == os.getpid():
            _engine[1].dispose()
        _engine = None


def _translate(exc: Exception) -> IngestError:
    return TransientError("database_unavailable", f"PostgreSQL: {str(exc).splitlines()[0]}")


def _rank_expr() -> Any:
    return case(
        {"queued": 0, "fetching": 1, "parsing": 2},
        value=IngestJob.status,
        else_=3,
    )


def create_jobs(requests: Sequence[IngestRequest]) -> None:
    """Record submitted URLs as ``queued`` (one round trip for the whole batch)."""
    if not requests:
        return
    rows = [{
        "id": uuid.UUID(r.job_id), "url": r.url, "source": r.source, "status": "queued",
        "meta": r.meta, "submitted_at": r.submitted_at,
    } for r in requests]
    try:
        with get_engine().begin() as conn:
            conn.execute(pg_insert(IngestJob).on_conflict_do_nothing(index_elements=["id"]), rows)
    except (OperationalError, DBAPIError) as exc:
        raise _translate(exc) from exc


def advance_job(request: IngestRequest, status: str, *, attempt: bool = False,
                **fields: Any) -> bool:
    """Move a job forward to ``status`` (creating its row if the producer did not).

    Returns False when the job is already at or past that stage in a terminal state, so a
    redelivered message can be skipped.
    """
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status, "updated_at": now, **fields}
    if status == "fetching":
        values.setdefault("started_at", now)
    if status in ("stored", "failed"):
        values["finished_at"] = now
    insert_values = {
        "id": uuid.UUID(request.job_id), "url": request.url, "source": request.source,
        "meta": request.meta, "submitted_at": request.submitted_at,
        "attempts": 1 if attempt else 0, **values,
    }
    update_values = dict(values)
    if attempt:
        update_values["attempts"] = IngestJob.attempts + 1
    if "started_at" in update_values:
        update_values["started_at"] = func.coalesce(IngestJob.started_at, now)
    rank = STATUS_RANK[status]
    base = pg_insert(IngestJob).values(**insert_values)
    stmt = base.on_conflict_do_update(
        index_elements=["id"],
        set_=update_values,
        where=(_rank_expr() < 3) & (_rank_expr() <= literal(rank)),
    ).returning(IngestJob.id)
    try:
        with get_engine().begin() as conn:
            return conn.execute(stmt).first() is not None
    except (OperationalError, DBAPIError) as exc:
        raise _translate(exc) from exc


def fail_job(request: IngestRequest, error: IngestError, **fields: Any) -> bool:
    values = {"http_status": error.http_status, **fields}
    if error.http_status is not None:
        values["http_status"] = error.http_status
    return advance_job(request, "failed", reason=error.reason, error=error.message[:2000],
                       **values)


def store_article(request: IngestRequest, record: ArticleRecord,
                  **job_fields: Any) -> int | None:
    """Upsert the article and mark the job stored, in one transaction. Returns the article id
    (None when the job had already finished: a redelivery)."""
    now = datetime.now(UTC)
    row = record.model_dump(include=set(_ARTICLE_COLUMNS))
    base = pg_insert(Article).values(**row, first_seen_at=now, updated_at=now)
    stmt = base.on_conflict_do_update(
        index_elements=["url"],
        set_={**{c: base.excluded[c] for c in _ARTICLE_COLUMNS if c != "url"},
              "updated_at": now},
    ).returning(Article.id)
    job_update = (
        update(IngestJob)
        .where(IngestJob.id == uuid.UUID(request.job_id), _rank_expr() < 3)
        .values(status="stored", finished_at=now, updated_at=now, reason=None, error=None,
                **job_fields)
    )
    try:
        with get_engine().begin() as conn:
            article_id = conn.execute(stmt).scalar_one()
            done = conn.execute(job_update.values(article_id=article_id))
            if done.rowcount == 0:
                # The job row is missing (producer without a database) or already finished.
                exists = conn.execute(select(IngestJob.status).where(
                    IngestJob.id == uuid.UUID(request.job_id))).first()
                if exists is not None:
                    return None
                conn.execute(pg_insert(IngestJob).values(
                    id=uuid.UUID(request.job_id), url=request.url, source=request.source,
                    meta=request.meta, submitted_at=request.submitted_at, status="stored",
                    finished_at=now, updated_at=now, article_id=article_id, attempts=1,
                    **job_fields).on_conflict_do_nothing(index_elements=["id"]))
            return int(article_id)
    except (OperationalError, DBAPIError) as exc:
        raise _translate(exc) from exc


def job_statuses(job_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    ids = [uuid.UUID(j) for j in job_ids]
    out: dict[str, dict[str, Any]] = {}
    with get_engine().connect() as conn:
        for start in range(0, len(ids), 5000):
            rows = conn.execute(
                select(IngestJob.id, IngestJob.status, IngestJob.reason, IngestJob.error,
                       IngestJob.url, IngestJob.article_id)
                .where(IngestJob.id.in_(ids[start:start + 5000]))
            )
            for row in rows:
                out[str(row.id)] = dict(row._mapping)
    return out


def recent_articles(limit: int = 20, urls: Sequence[str] | None = None) -> list[dict[str, Any]]:
    query = select(Article).order_by(Article.updated_at.desc()).limit(limit)
    if urls is not None:
        query = query.where(Article.url.in_(list(urls)))
    with get_engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query.with_only_columns(
            *(c for c in Article.__table__.columns if c.computed is None)))]


# -- retry (issue 7: `news-ingest retry`) -----------------------------------------------------

def retry_jobs(flt: RetryFilter,
               publish: Callable[[list[IngestRequest]], None]) -> list[dict[str, str]]:
    """Re-enqueue the failed jobs ``flt`` selects, as fresh jobs; returns
    ``[{"retry_of", "job_id", "url"}]``.

    In one transaction: lock the selected rows (``SKIP LOCKED``: two concurrent retries never
    pick the same job), insert one new ``queued`` job per old one with ``meta.retry_of`` = the
    old id, add ``meta.retried_as`` / ``meta.retried_at`` to the old row (its status stays
    ``failed``: status only moves forward), then ``publish`` the new requests and commit. If
    publishing fails nothing is recorded; if the commit fails after publishing, the workers
    create the new rows themselves and the old jobs stay selectable.
    """
    where, params = flt.where()
    limit = f" LIMIT {int(flt.limit)}" if flt.limit else ""
    select_sql = text(f"SELECT id, url, source, meta FROM ingest_jobs WHERE {where} "
                      f"ORDER BY finished_at, id{limit} FOR UPDATE SKIP LOCKED")
    mark_sql = text("UPDATE ingest_jobs SET meta = meta || jsonb_build_object("
                    "'retried_as', CAST(:new AS text), 'retried_at', CAST(:at AS text)) "
                    "WHERE id = :old AND status = 'failed'")
    now = datetime.now(UTC)
    done: list[dict[str, str]] = []
    try:
        with get_engine().begin() as conn:
            rows = conn.execute(select_sql, params).all()
            requests: list[IngestRequest] = []
            for row in rows:
                meta = {k: v for k, v in (row.meta or {}).items()
                        if k not in ("retried_as", "retried_at")}
                request = IngestRequest(url=row.url, source=row.source,
                                        meta={**meta, "retry_of": str(row.id)})
                requests.append(request)
                done.append({"retry_of": str(row.id), "job_id": request.job_id,
                             "url": row.url})
            if not requests:
                return []
            conn.execute(pg_insert(IngestJob).on_conflict_do_nothing(index_elements=["id"]), [{
                "id": uuid.UUID(r.job_id), "url": r.url, "source": r.source,
                "status": "queued", "meta": r.meta, "submitted_at": r.submitted_at,
            } for r in requests])
            conn.execute(mark_sql, [{"old": d["retry_of"], "new": d["job_id"],
                                     "at": now.isoformat()} for d in done])
            publish(requests)
    except (OperationalError, DBAPIError) as exc:
        raise _translate(exc) from exc
    return done
