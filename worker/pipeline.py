"""The two stages as plain functions; the Celery tasks in :mod:`worker.tasks` only call these.

``fetch_stage`` GETs the page, decodes it and hands it to the parse queue; ``parse_stage``
turns it into an article record and stores it. ``fetch_and_extract`` runs the same fetch,
decode, parse and normalise code without queue, database or Redis (``news-ingest fetch``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from schemas import ArticleRecord, IngestRequest
from worker import handoff, store
from worker.charset import decode_html
from worker.errors import IngestError, PermanentError
from worker.fetch import fetch
from worker.normalise import extract_record
from worker.settings import get_settings

__all__ = ["fetch_stage", "parse_stage", "fetch_and_extract", "prepare_html"]

log = logging.getLogger("news_ingest.pipeline")


def prepare_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode a body and cap it at the parse size limit; returns ``(html, encoding)``."""
    html, encoding = decode_html(body, header_charset)
    cap = get_settings().parse_max_html_bytes
    if len(html) > cap:
        html = html[:cap]
    return html, encoding


def fetch_stage(request: IngestRequest, hand_over: Callable[[IngestRequest], None]) -> str:
    """Fetch one URL and hand it to the parse stage. Returns what happened."""
    if not store.advance_job(request, "fetching", attempt=True):
        return "skipped"
    try:
        result = fetch(request.url)
        html, encoding = prepare_html(result.body, result.charset)
    except PermanentError as exc:
        store.fail_job(request, exc)
        log.warning("fetch failed", extra={"job_id": request.job_id, "url": request.url,
                                           "reason": exc.reason})
        return exc.reason
    handoff.put_page(request.job_id, handoff.FetchedPage(
        html=html, url=result.url, final_url=result.final_url, http_status=result.status,
        fetched_at=result.fetched_at, encoding=encoding, redirects=result.redirects))
    hand_over(request)
    store.advance_job(request, "parsing", http_status=result.status,
                      final_url=result.final_url, redirects=result.redirects)
    return "fetched"


def parse_stage(request: IngestRequest) -> str:
    page = handoff.get_page(request.job_id)
    if page is None:
        status = store.job_statuses([request.job_id]).get(request.job_id)
        if status and status["status"] in ("stored", "failed"):
            return "skipped"
        store.fail_job(request, PermanentError(
            "page_expired", "the fetched page was no longer in Redis (raise "
            "NEWS_INGEST_PAGE_TTL or add parse workers)"))
        return "page_expired"
    try:
        record = extract_record(page.html, url=request.url, final_url=page.final_url,
                                fetched_at=page.fetched_at, http_status=page.http_status)
    except PermanentError as exc:
        store.fail_job(request, exc, http_status=page.http_status, final_url=page.final_url)
        handoff.delete_page(request.job_id)
        return exc.reason
    article_id = store.store_article(request, record, http_status=page.http_status,
                                     final_url=page.final_url)
    handoff.delete_page(request.job_id)
    log.info("stored", extra={"job_id": request.job_id, "url": request.url,
                              "article_id": article_id})
    return "stored"


def fetch_and_extract(url: str) -> ArticleRecord:
    """What the worker would do with ``url``, without queue or database."""
    result = fetch(url)
    html, _ = prepare_html(result.body, result.charset)
    return extract_record(html, url=url, final_url=result.final_url,
                          fetched_at=result.fetched_at or datetime.now(UTC),
                          http_status=result.status)


def record_failure(request: IngestRequest, exc: BaseException) -> None:
    """Record the final failure of a task (after retries or on an unexpected error)."""
    if isinstance(exc, IngestError):
        error = exc
    else:
        error = PermanentError("internal_error", f"{type(exc).__name__}: {exc}")
    store.fail_job(request, error)
