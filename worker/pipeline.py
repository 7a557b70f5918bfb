"""The two stages as plain functions; the Celery tasks in :mod:`worker.tasks` only call these.

``fetch_stage`` waits for the host's turn (:mod:`worker.ratelimit`), checks robots.txt
(:mod:`worker.robots`), GETs the page through the guarded fetcher, decodes it and hands it to
the parse queue; ``parse_stage`` turns it into an article record and stores it.
``fetch_and_extract`` runs the same robots check, guarded fetch, decode, parse and normalise
code without queue, database or Redis (``news-ingest fetch``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from schemas import ArticleRecord, IngestRequest
from worker import handoff, store
from worker.celery_app import PARSE_QUEUE
from worker.charset import decode_html
from worker.errors import IngestError, PermanentError, TransientError
from worker.fetch import FetchResult, fetch, prepare
from worker.normalise import extract_record
from worker.ratelimit import RateLimiter, Throttled, interval_for
from worker.robots import MemoryCache, RedisCache, Robots
from worker.settings import Settings, get_settings
from worker.urls import validate_url

__all__ = ["fetch_stage", "parse_stage", "fetch_and_extract", "fetch_page",
           "prepare_html"]

log = logging.getLogger("news_ingest.pipeline")


def prepare_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode a body and cap it at the parse size limit; returns ``(html, encoding)``."""
    html, encoding = decode_html(body, header_charset)
    cap = get_settings().parse_max_html_bytes
    if len(html) > cap:
        html = html[:cap]
    return html, encoding


def fetch_page(url: str, robots: Robots, trail: list[str] | None = None,
               settings: Settings | None = None) -> FetchResult:
    """The worker's fetch of one page: robots.txt, then the guarded GET; every redirect hop's
    robots.txt is checked too before it is requested."""
    robots.check(url)
    return fetch(url, settings, trail=trail, before_hop=robots.check)


def _hop_turns(robots: Robots) -> Callable[[str], None]:
    """What runs before each redirect hop of the fetch stage: the hop's robots.txt (fetched on
    its host's turn when not cached), then its host's turn, as for any request."""
    def before_hop(hop: str) -> None:
        robots.check(hop, before_fetch=lambda: _wait_turn(hop, robots, None))
        _wait_turn(hop, robots, None)

    return before_hop


def _chain(url: str, trail: list[str]) -> dict[str, Any]:
    return {"final_url": trail[-1], "redirects": list(trail)} if trail else {}


def _wait_turn(url: str, robots: Robots, slot: float | None) -> None:
    """Return when the host's rate allows one request now; else raise :class:`Throttled`."""
    host = urlsplit(url).hostname or ""
    settings = get_settings()
    interval = interval_for(host, settings, robots.crawl_delay(url))
    RateLimiter(handoff.redis_client(), settings).acquire(host, interval, slot=slot)


def _failed_before_fetch(request: IngestRequest, exc: IngestError) -> str:
    """Record a robots.txt verdict or failure as this attempt's outcome."""
    if not store.advance_job(request, "fetching", attempt=True):
        return "skipped"
    if exc.transient:
        raise exc
    store.fail_job(request, exc)
    log.warning("fetch refused", extra={"job_id": request.job_id, "url": request.url,
                                        "reason": exc.reason})
    return exc.reason


def fetch_stage(request: IngestRequest, hand_over: Callable[[IngestRequest], None], *,
                slot: float | None = None, trail: list[str] | None = None) -> str:
    """Fetch one URL and hand it to the parse stage. Returns what happened.

    Every request to a host waits for its turn (:mod:`worker.ratelimit`), the robots.txt
    fetch of a host not yet in the cache and every redirect hop included: when the rate does
    not allow a request now, :class:`worker.ratelimit.Throttled` is raised (with the redirect
    chain so far in ``trail``) and the URL is put back; ``slot`` is the reservation it brings
    back, and ``trail`` the chain it resumes at the hop that waited. A URL robots.txt
    disallows costs no turn. Before its turn, it waits while the parse backlog is over its
    limit (see :func:`worker.handoff.wait_for_room`).
    """
    chain = list(trail or [])  # fetch() adds each hop it follows
    try:
        return _fetch_stage(request, hand_over, slot, chain)
    except Throttled as exc:  # put back at the last URL of the chain, on that host's turn
        exc.trail = list(chain)
        raise


def _fetch_stage(request: IngestRequest, hand_over: Callable[[IngestRequest], None],
                 slot: float | None, chain: list[str]) -> str:
    resumed = bool(chain)  # a hop put back on its host's turn resumes the chain there
    robots = Robots(RedisCache(handoff.redis_client()))
    # Skip a finished job before it takes a turn; have the database connection and the HTTP
    # client ready, so that nothing slow stands between a granted turn and its request.
    if not store.advance_job(request, "fetching"):
        return "skipped"
    if robots.settings.parse_backlog_max > 0:  # back-pressure: room in the parse backlog
        handoff.wait_for_room(PARSE_QUEUE, robots.settings.parse_backlog_max,
                              robots.settings.parse_backlog_wait)
    prepare(robots.settings)
    try:
        url = validate_url(chain[-1] if resumed else request.url)
    except PermanentError as exc:
        return _failed_before_fetch(request, exc)
    if url:
        def robots_turn() -> None:  # the robots.txt request is a request too
            nonlocal slot
            _wait_turn(url, robots, slot)
            slot = None

        try:
            robots.check(url, before_fetch=robots_turn)  # fetches only when not cached
        except IngestError as exc:
            return _failed_before_fetch(request, exc)
        _wait_turn(url, robots, slot)
    if not store.advance_job(request, "fetching", attempt=not resumed):
        return "skipped"
    try:
        result = fetch(request.url, robots.settings, trail=chain, before_hop=_hop_turns(robots))
        html, encoding = prepare_html(result.body, result.charset)
    except PermanentError as exc:
        store.fail_job(request, exc, **_chain(request.url, chain))
        log.warning("fetch failed", extra={"job_id": request.job_id, "url": request.url,
                                           "reason": exc.reason})
        return exc.reason
    except TransientError:
        if chain:  # keep the chain for the record of the final failure
            store.advance_job(request, "fetching", **_chain(request.url, chain))
        raise
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


def fetch_and_extract(url: str, settings: Settings | None = None) -> ArticleRecord:
    """What the worker would do with ``url``, without queue, database or Redis.

    The same robots.txt check (cached in this process only) and guarded fetch as the worker;
    no rate limit (one URL).
    """
    settings = settings or get_settings()
    result = fetch_page(url, Robots(MemoryCache(), settings), settings=settings)
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
