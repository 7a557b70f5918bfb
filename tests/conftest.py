"""Test fixtures: real PostgreSQL, real Redis, real Celery worker processes.

The servers are the ones in ``DATABASE_URL`` / ``REDIS_URL`` when set (CI starts them), else
the embedded ones (``news-ingest services start``, under ``.news-ingest`` in this checkout).
Each test session gets its own freshly created database, migrated with Alembic (not
``create_all``), and its own Redis database number; both are cleaned up afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.support import (
    HTTPTestServer,
    WorkerProcesses,
    claim_redis_db,
    create_database,
    drop_database,
    flush_redis,
    release_redis_db,
)

_STATE: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    from worker import services
    from worker.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    if not (settings.database_url and settings.redis_url):
        services.start(settings)
    base_db = services.database_url(settings)
    base_redis = services.redis_url(settings)
    name = f"news_ingest_test_{uuid.uuid4().hex[:10]}"
    create_database(base_db, name)
    test_db = make_url(base_db).set(database=name).render_as_string(hide_password=False)
    redis_db = claim_redis_db(base_redis, name)
    test_redis = base_redis.rsplit("/", 1)[0] + f"/{redis_db}"
    _STATE.update(base_db=base_db, db_name=name, database_url=test_db, redis_url=test_redis,
                  base_redis=base_redis, redis_db=str(redis_db))
    # The whole test process (and every worker it starts) uses the test database.
    os.environ["DATABASE_URL"] = test_db
    os.environ["REDIS_URL"] = test_redis
    os.environ.setdefault("NEWS_INGEST_LOG_FORMAT", "json")
    reset_settings()
    flush_redis(test_redis)
    from worker.cli import migrate

    migrate()


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _STATE:
        return
    from worker import store

    store.dispose_engine()
    flush_redis(_STATE["redis_url"])
    release_redis_db(_STATE["base_redis"], int(_STATE["redis_db"]))
    drop_database(_STATE["base_db"], _STATE["db_name"])


@pytest.fixture(scope="session")
def database_url() -> str:
    return _STATE["database_url"]


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _STATE["redis_url"]


@pytest.fixture()
def db(database_url: str) -> Iterator[object]:
    """A SQLAlchemy connection to the test database for assertions."""
    from worker.store import get_engine

    with get_engine().connect() as conn:
        yield conn


@pytest.fixture(scope="session")
def http_server() -> Iterator[HTTPTestServer]:
    with HTTPTestServer() as server:
        yield server


@pytest.fixture(scope="session")
def workers(database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[WorkerProcesses]:
    """One `news-ingest worker --queues fetch` and one `--queues parse` process."""
    log_dir = tmp_path_factory.mktemp("workers")
    with WorkerProcesses(log_dir, env={
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NEWS_INGEST_FETCH_MAX_RETRIES": "1",
        "NEWS_INGEST_FETCH_CONCURRENCY": "8",
        "NEWS_INGEST_PARSE_CONCURRENCY": "2",
        "NEWS_INGEST_LOG_LEVEL": "WARNING",
        # The test servers listen on loopback, which the SSRF guard refuses by default;
        # `localhost` is what tests/test_fetch_e2e.py uses at the default per-host rate.
        "NEWS_INGEST_FETCH_ALLOW": "127.0.0.1/32,localhost",
        "NEWS_INGEST_RATE_LIMITS": "127.0.0.1=200",
    }) as procs:
        yield procs
