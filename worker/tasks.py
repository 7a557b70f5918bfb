"""Celery tasks: thin wrappers that declare the delivery and retry policy.

``news_ingest.fetch`` takes one :class:`schemas.IngestRequest` (as JSON); ``news_ingest.parse``
takes the same request once the page waits in Redis. Transient errors
(:class:`worker.errors.TransientError`) are retried with exponential backoff and jitter;
permanent ones are recorded at once; a message delivered more than ``max_deliveries`` times
for the same attempt (it kills its worker) is recorded as ``poison_message``.

A fetch the host's rate limit does not allow yet (:class:`worker.ratelimit.Throttled`) is put
back as a fresh message with a countdown and its reserved slot: it holds no worker slot while
it waits, keeps its retry count, and counts neither as a retry nor as a redelivery (the
delivery counter is keyed on the throttle count too).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from kombu.exceptions import OperationalError as KombuOperationalError
from pydantic import ValidationError

from schemas import FETCH_TASK_NAME, IngestRequest
from worker import handoff, pipeline
from worker.celery_app import FETCH_QUEUE, PARSE_QUEUE, app
from worker.errors import PermanentError, TransientError
from worker.ratelimit import Throttled
from worker.settings import get_settings
from worker.urls import MAX_URL_LENGTH

__all__ = ["fetch_task", "longest_hold", "parse_task"]

log = logging.getLogger("news_ingest.tasks")
_settings = get_settings()
PARSE_TASK_NAME = "news_ingest.parse"
# When even the final failure cannot be recorded, the task is sent again after this long.
RECORD_FAILURE_RETRY_S = 60
# Parse-stage errors are transient only when a server is down: retry for a long while
# (backoff capped at 120 s, about 10 minutes in all on average, with jitter).
PARSE_MAX_RETRIES = 12
PARSE_BACKOFF_MAX_S = 120
FETCH_BACKOFF_MAX_S = 300
# A server's Retry-After is followed up to this long (longer ones: the usual backoff).
RETRY_AFTER_CAP_S = 600


class IngestTask(Task):  # type: ignore[misc]
    """Records the final failure of a task in ``ingest_jobs``."""

    abstract = True
    stage = ""

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        """Celery drops the message (``Reject(requeue=False)``) when it cannot publish the
        retry because the broker is down; requeue it instead, so it is not lost."""
        try:
            return super().retry(*args, **kwargs)
        except Reject as exc:
            if exc.requeue:
                raise
            raise Reject(exc.reason, requeue=True) from exc

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        try:
            request = IngestRequest.model_validate(args[0])
        except (ValidationError, IndexError, TypeError):
            log.error("unreadable message failed", extra={"task_id": task_id})
            return
        try:
            pipeline.record_failure(request, exc)
        except Exception:  # noqa: BLE001 - the message is acknowledged: do not lose the job
            # The outcome could not be recorded (the database is down): run the whole task
            # again later rather than leave the job unfinished for ever.
            log.exception("could not record failure; the task runs again later",
                          extra={"job_id": request.job_id})
            self.apply_async(args=args, kwargs=kwargs, countdown=RECORD_FAILURE_RETRY_S)


def _request(raw: Any) -> IngestRequest:
    """Validate a message; an invalid one that names its job is recorded as failed."""
    try:
        return IngestRequest.model_validate(raw)
    except ValidationError as exc:
        fields = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        url_only = fields == {"url"} and isinstance(raw, dict) and isinstance(raw["url"], str)
        reason = "invalid_url" if url_only else "invalid_message"
        bad = ", ".join(sorted(fields))
        error = PermanentError(reason, f"not a valid IngestRequest v1 ({bad})")
        salvaged = _salvage(raw)
        if salvaged is not None:
            pipeline.record_failure(salvaged, error)
        raise error from exc


def _salvage(raw: Any) -> IngestRequest | None:
    """The job id and URL of an invalid message, when it has them, to record its failure."""
    if not isinstance(raw, dict):
        return None
    try:
        job_id = str(uuid.UUID(str(raw.get("job_id"))))
    except ValueError:
        return None
    url = raw.get("url")
    return IngestRequest.model_construct(
        v=1, job_id=job_id, url=str(url)[:MAX_URL_LENGTH] if url is not None else "",
        source=str(raw["source"])[:200] if raw.get("source") else None,
        submitted_at=datetime.now(UTC), meta={})


def _too_many_deliveries(task: Task, request: IngestRequest, throttles: int = 0) -> bool:
    """Count deliveries of this attempt in Redis; True when it is poison."""
    key = f"news-ingest:deliveries:{task.name}:{request.job_id}:{task.request.retries}"
    if throttles:
        key += f":t{throttles}"
    try:
        pipe = handoff.redis_client().pipeline(transaction=False)  # one round trip
        pipe.incr(key)
        pipe.expire(key, _settings.visibility_timeout * (_settings.max_deliveries + 2))
        count, _ = pipe.execute()
    except Exception:  # noqa: BLE001 - counting is best effort
        return False
    return int(count) > _settings.max_deliveries


def _poisoned(task: Task, request: IngestRequest, throttles: int = 0) -> bool:
    """True (and the job recorded as failed) when this message keeps killing its worker."""
    if not _too_many_deliveries(task, request, throttles):
        return False
    pipeline.record_failure(request, PermanentError(
        "poison_message", f"delivered more than {_settings.max_deliveries} times"))
    return True


def resend_parse(request: IngestRequest) -> None:
    """Send a parse message again (the sweeper, for a job stuck in ``parsing``)."""
    _hand_over(request)


def _hand_over(request: IngestRequest) -> None:
    try:
        parse_task.apply_async(args=[request.model_dump(mode="json")], queue=PARSE_QUEUE)
    except KombuOperationalError as exc:
        raise TransientError("broker_unavailable", f"could not publish to parse: {exc}") \
            from exc


@app.task(
    name=FETCH_TASK_NAME,
    bind=True,
    base=IngestTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientError,),
    retry_backoff=2,
    retry_backoff_max=FETCH_BACKOFF_MAX_S,
    retry_jitter=True,
    max_retries=_settings.fetch_max_retries,
    soft_time_limit=_settings.fetch_total_timeout + _settings.parse_backlog_wait + 30,
    time_limit=_settings.fetch_total_timeout + _settings.parse_backlog_wait + 60,
)
def fetch_task(self: Task, raw_request: dict[str, Any], slot: float | None = None,
               throttles: int = 0, trail: list[str] | None = None) -> str:
    request = _request(raw_request)
    if _poisoned(self, request, throttles):
        return "poison_message"
    try:
        return pipeline.fetch_stage(request, _hand_over, slot=slot, trail=trail)
    except Throttled as exc:
        _put_back(self, raw_request, exc, throttles + 1)
        return "throttled"
    except TransientError as exc:
        if exc.retry_after is not None and self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=min(exc.retry_after, RETRY_AFTER_CAP_S),
                             kwargs={"slot": None, "throttles": throttles}) from exc
        raise


def _put_back(task: Task, raw_request: dict[str, Any], throttled: Throttled,
              throttles: int) -> None:
    """Re-enqueue a throttled fetch as a fresh message (same retry count) with a countdown;
    one throttled at a redirect hop resumes there (``trail``)."""
    kwargs: dict[str, Any] = {"slot": throttled.slot, "throttles": throttles}
    if throttled.trail:
        kwargs["trail"] = throttled.trail
    try:
        fetch_task.apply_async(
            args=[raw_request], kwargs=kwargs,
            countdown=max(0.0, throttled.delay), queue=FETCH_QUEUE,
            retries=task.request.retries)
    except KombuOperationalError as exc:
        raise TransientError("broker_unavailable", f"could not re-enqueue a throttled "
                             f"fetch: {exc}") from exc
    log.debug("throttled", extra={"host": throttled.host, "delay": throttled.delay})


@app.task(
    name=PARSE_TASK_NAME,
    bind=True,
    base=IngestTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientError,),
    retry_backoff=2,
    retry_backoff_max=PARSE_BACKOFF_MAX_S,
    retry_jitter=True,
    max_retries=PARSE_MAX_RETRIES,
    soft_time_limit=_settings.parse_soft_time_limit,
    time_limit=_settings.parse_time_limit,
)
def parse_task(self: Task, raw_request: dict[str, Any]) -> str:
    request = _request(raw_request)
    if _poisoned(self, request):
        return "poison_message"
    try:
        return pipeline.parse_stage(request)
    except SoftTimeLimitExceeded as exc:
        error = PermanentError("parse_timeout", f"parsing took over "
                               f"{_settings.parse_soft_time_limit:g}s")
        pipeline.record_failure(request, error)
        handoff.delete_page(request.job_id)
        log.warning("parse timed out", extra={"job_id": request.job_id, "exc": str(exc)})
        return error.reason


def longest_hold() -> float:
    """The longest a worker may keep a message unacknowledged: the longest countdown it holds
    a retried or throttled task for (Celery keeps those messages until they are due), then
    the longest hard time limit of a run. The visibility timeout must be above it, or Redis
    hands the message to a second worker meanwhile."""
    countdown = max(FETCH_BACKOFF_MAX_S, PARSE_BACKOFF_MAX_S, RETRY_AFTER_CAP_S,
                    _settings.rate_limit_max_wait)
    return float(countdown + max(fetch_task.time_limit, parse_task.time_limit))
