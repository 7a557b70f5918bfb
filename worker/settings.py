"""The one settings object. Nothing else in the project reads ``os.environ``.

Every value comes from the environment: ``DATABASE_URL`` and ``REDIS_URL`` keep their
conventional names, everything else is prefixed ``NEWS_INGEST_`` (for example
``NEWS_INGEST_FETCH_CONCURRENCY=100``). With ``DATABASE_URL``/``REDIS_URL`` unset the CLI uses
its embedded local servers (see :mod:`worker.services`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_USER_AGENT = "news-ingest/0.1 (+https://github.com/news-ingest/news-ingest)"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWS_INGEST_", extra="ignore")

    # -- where things live -------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "NEWS_INGEST_DATABASE_URL"),
        description="PostgreSQL URL (SQLAlchemy form). Unset: the embedded local server.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "NEWS_INGEST_REDIS_URL"),
        description="Redis URL used as Celery broker and shared cache. Unset: embedded server.",
    )
    home: Path = Field(
        default=Path(".news-ingest"),
        description="Folder for the embedded PostgreSQL and Redis data, logs and state.",
    )

    # -- fetch stage -------------------------------------------------------------------------
    fetch_concurrency: int = Field(default=50, description="Threads in a fetch worker.")
    fetch_connect_timeout: float = Field(default=5.0, description="Seconds to connect.")
    fetch_read_timeout: float = Field(default=10.0, description="Seconds between two reads.")
    fetch_total_timeout: float = Field(
        default=30.0, description="Deadline in seconds for the whole fetch (slow-drip servers)."
    )
    fetch_max_bytes: int = Field(
        default=5 * 1024 * 1024, description="Cap on the decoded body size in bytes."
    )
    fetch_max_redirects: int = Field(default=10, description="Longest redirect chain followed.")
    fetch_max_retries: int = Field(default=4, description="Retries of a transient fetch error.")
    user_agent: str = Field(default=DEFAULT_USER_AGENT, description="User-Agent header sent.")

    parse_backlog_max: int = Field(
        default=5000,
        description="Fetched pages that may wait for the parse stage (the parse queue's "
        "length). Above it a fetch first waits up to `NEWS_INGEST_PARSE_BACKLOG_WAIT` seconds "
        "for room (its thread blocked, so the worker takes no new message meanwhile): Redis "
        "memory stays bounded while parsing lags. 0: no limit.",
    )
    parse_backlog_wait: float = Field(
        default=20.0,
        description="Longest wait (s) of one fetch for room in the parse backlog; it fetches "
        "anyway after that (with parsing stopped, each fetch thread adds one page per wait).",
    )

    # -- parse stage -------------------------------------------------------------------------
    parse_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        description="Processes in a parse worker (default: one per core).",
    )
    parse_soft_time_limit: float = Field(default=45.0, description="Soft limit of a parse (s).")
    parse_time_limit: float = Field(default=60.0, description="Hard limit of a parse task (s).")
    parse_max_html_bytes: int = Field(
        default=2 * 1024 * 1024,
        description="HTML above this is cut before parsing (parse time grows superlinearly).",
    )

    # -- delivery ----------------------------------------------------------------------------
    visibility_timeout: int = Field(
        default=900,
        description="Seconds before an unacknowledged task is redelivered; must exceed the "
        "longest task including retry countdowns.",
    )
    redelivery_check_interval: int = Field(
        default=30,
        description="Seconds between a worker's sweeps for tasks whose visibility timeout "
        "passed (a crashed worker's tasks come back within timeout + this).",
    )
    sweep_interval: float = Field(
        default=60.0,
        description="Seconds between a fetch worker's sweeps for unfinished jobs whose message "
        "was lost (0 turns the sweeper off).",
    )
    sweep_after: float = Field(
        default=1800.0,
        description="An unfinished job whose row has not changed for this long has its message "
        "sent again, once its queue has moved past it (keep it above the visibility timeout).",
    )
    stall_after: float = Field(
        default=120.0,
        description="A worker whose queue has had messages waiting for this long while it had "
        "free slots and received none restarts itself (its consumer is stuck; 0 turns the "
        "watchdog off).",
    )
    max_deliveries: int = Field(
        default=5, description="A task delivered more often than this is failed as poison."
    )
    page_ttl: int = Field(
        default=24 * 3600, description="Seconds a fetched page waits in Redis for the parser."
    )

    # -- database pool -----------------------------------------------------------------------
    db_pool_size: int = Field(default=5, description="SQLAlchemy pool size per process.")
    db_max_overflow: int = Field(
        default=0, description="Extra connections per process, closed again as soon as they "
        "are returned (so each costs a new connection next time).")

    # -- logging -----------------------------------------------------------------------------
    log_level: str = Field(default="WARNING", description="Worker log level.")
    log_format: str = Field(default="json", description="`json` (one object a line) or `text`.")

    # -- fetch safety ------------------------------------------------------------------------
    fetch_allow: str = Field(
        default="",
        description="Comma-separated CIDRs and host names the SSRF guard lets through on any "
        "port (e.g. `10.2.0.0/16,intranet.example`; `.example.org` also covers subdomains).",
    )
    fetch_allowed_ports: str = Field(
        default="80,443,8080,8443",
        description="Comma-separated TCP ports a fetch may connect to (allow-list entries "
        "excepted).",
    )
    robots_enabled: bool = Field(
        default=True, description="Honour robots.txt (turn off only with the publisher's leave)."
    )
    robots_ttl: int = Field(
        default=24 * 3600, description="Seconds a fetched robots.txt is cached in Redis."
    )
    robots_error_ttl: int = Field(
        default=300,
        description="Seconds a robots.txt answering 5xx/429 is remembered as unavailable.",
    )
    rate_limit: float = Field(
        default=1.0, description="Default requests per second per host, across all workers."
    )
    rate_limits: str = Field(
        default="",
        description="Per-domain requests per second, e.g. `example.com=5,other.org=0.2` "
        "(a domain covers its subdomains; the most specific entry wins).",
    )
    rate_limit_max_wait: float = Field(
        default=300.0,
        description="Longest countdown (s) a throttled URL is put back with; keep it well "
        "below the visibility timeout.",
    )

    # -- operations --------------------------------------------------------------------------
    metrics_port: int = Field(
        default=0,
        description="Port of a worker's Prometheus endpoint (0: off). `news-ingest worker` "
        "running both queues serves fetch on this port and parse on the next one.",
    )
    metrics_addr: str = Field(
        default="0.0.0.0", description="Address the Prometheus endpoint listens on."
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Folder for prometheus_client's multiprocess files (one subfolder per "
        "port, emptied when the worker starts). Unset: `$NEWS_INGEST_HOME/metrics`.",
    )
    status_timeout: float = Field(
        default=1.0, description="Seconds `status` waits for workers to answer."
    )
    redis_sentinel_master: str = Field(
        default="mymaster",
        description="Master name when `REDIS_URL` is a `sentinel://` URL.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI after changing the environment)."""
    get_settings.cache_clear()


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for a child process: ours plus ``overrides`` (for worker subprocesses)."""
    return {**os.environ, **overrides}
