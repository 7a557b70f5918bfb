"""Prometheus metrics from real worker processes (fetch: threads, parse: prefork children).

The workers here get their own Redis database (their own broker), so the session's workers
never take these messages and every count on the endpoints is ours.
"""

from __future__ import annotations

import socket
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection

from schemas import FETCH_TASK_NAME, IngestRequest
from tests.support import (
    HTTPTestServer,
    WorkerProcesses,
    claim_redis_db,
    flush_redis,
    release_redis_db,
    wait_for_jobs,
)
from tests.test_e2e import ARTICLE
from worker.celery_app import FETCH_QUEUE, app
from worker.metrics import classify

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        return str(resp.read().decode())


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` in an exposition (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        key, value = line.rsplit(" ", 1)
        metric, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and got == want:
            return float(value)
    return 0.0


def _claim_unused_db(base: str) -> int:
    """A Redis database number claimed for us that no client is connected to (workers left
    behind by an interrupted test session would otherwise steal our messages)."""
    client = redis.Redis.from_url(base)
    claimed = []
    try:
        for _ in range(15):
            number = claim_redis_db(base, f"metrics-{uuid.uuid4().hex[:6]}")
            claimed.append(number)
            if not any(int(c.get("db", -1)) == number for c in client.client_list()):
                claimed.remove(number)
                return number
    except RuntimeError:
        pass
    finally:
        for number in claimed:
            release_redis_db(base, number)
    pytest.skip("no Redis database free of other clients")


@pytest.fixture(scope="module")
def own_broker(redis_url: str) -> Iterator[str]:
    base = redis_url.rsplit("/", 1)[0] + "/0"
    number = _claim_unused_db(base)
    url = redis_url.rsplit("/", 1)[0] + f"/{number}"
    flush_redis(url)
    yield url
    flush_redis(url)
    release_redis_db(base, number)


@pytest.fixture(scope="module")
def metered(own_broker: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, int]]:
    ports = {"fetch": _free_port(), "parse": _free_port()}
    log_dir = tmp_path_factory.mktemp("metered")
    groups = []
    for queue, port in ports.items():
        procs = WorkerProcesses(log_dir, env={
            "DATABASE_URL": database_url, "REDIS_URL": own_broker,
            "NEWS_INGEST_METRICS_PORT": str(port), "NEWS_INGEST_METRICS_ADDR": "127.0.0.1",
            "NEWS_INGEST_METRICS_DIR": str(log_dir / "prom"),
            "NEWS_INGEST_PARSE_CONCURRENCY": "2", "NEWS_INGEST_FETCH_CONCURRENCY": "4",
            "NEWS_INGEST_FETCH_MAX_RETRIES": "0", "NEWS_INGEST_LOG_LEVEL": "INFO",
            "NEWS_INGEST_FETCH_ALLOW": "127.0.0.1/32", "NEWS_INGEST_RATE_LIMITS": "127.0.0.1=200",
        }, queues=(queue,))
        procs.start(queue)
        groups.append(procs)
    try:
        deadline = time.monotonic() + 60
        for queue, port in ports.items():
            while True:
                try:
                    _scrape(port)
                    break
                except OSError:
                    proc = groups[list(ports).index(queue)].procs[queue]
                    assert proc.poll() is None, f"{queue} worker exited"
                    assert time.monotonic() < deadline, f"no metrics endpoint for {queue}"
                    time.sleep(0.2)
        yield {**ports, "log_dir": log_dir}  # type: ignore[dict-item]
    finally:
        for procs in groups:
            procs.stop()


def _send(broker: str, urls: list[str]) -> list[str]:
    """Publish fetch tasks on our own broker (no ingest_jobs rows: the workers create them)."""
    ids = []
    app.conf.task_routes  # noqa: B018 - configure the app before send_task builds app.amqp
    with Connection(broker) as conn:
        for url in urls:
            request = IngestRequest(url=url, source="metrics-test")
            app.send_task(FETCH_TASK_NAME, args=[request.model_dump(mode="json")],
                          queue=FETCH_QUEUE, connection=conn)
            ids.append(request.job_id)
    return ids


def test_counters_histograms_and_queue_depth_from_real_workers(
        metered, own_broker: str, http_server: HTTPTestServer) -> None:
    good = http_server.add_page("/metrics/story", ARTICLE.replace("Harbour", "Metered"))
    missing = http_server.url("/metrics/missing")
    ids = _send(own_broker, [good, missing])
    outcome = wait_for_jobs(ids, timeout=60)
    assert outcome[ids[0]]["status"] == "stored", outcome
    assert outcome[ids[1]]["reason"] == "http_404"

    deadline = time.monotonic() + 10
    while True:  # postrun runs just after the row is written
        fetch, parse = _scrape(metered["fetch"]), _scrape(metered["parse"])
        if _value(parse, "news_ingest_pages_stored_total") >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert _value(fetch, "news_ingest_pages_fetched_total") == 1
    assert _value(fetch, "news_ingest_failures_total", stage="fetch", reason="http_404") == 1
    assert _value(fetch, "news_ingest_tasks_total", stage="fetch", outcome="ok") == 1
    assert _value(fetch, "news_ingest_fetch_duration_seconds_count", outcome="ok") == 1
    assert _value(fetch, "news_ingest_fetch_duration_seconds_count", outcome="failed") == 1
    assert _value(fetch, "news_ingest_fetch_duration_seconds_sum", outcome="ok") > 0
    # The parse task ran in a prefork child: summed through the multiprocess files.
    assert _value(parse, "news_ingest_pages_parsed_total") == 1
    assert _value(parse, "news_ingest_pages_stored_total") == 1
    assert _value(parse, "news_ingest_parse_duration_seconds_count", outcome="ok") == 1
    assert _value(parse, "news_ingest_parse_duration_seconds_bucket", outcome="ok",
                  le="+Inf") == 1
    # Queue depth is read from the broker at scrape time.
    assert _value(parse, "news_ingest_broker_up") == 1
    assert 'news_ingest_queue_depth{queue="fetch",state="ready"} 0.0' in parse
    assert 'news_ingest_queue_depth{queue="parse",state="unacked"}' in parse
    prom = Path(metered["log_dir"]) / "prom"
    assert (prom / str(metered["parse"])).is_dir() and any((prom / str(metered["parse"]))
                                                           .glob("*.db"))


def test_queue_depth_counts_held_messages(metered, own_broker: str) -> None:
    """Two fetches with a one-hour countdown: the fetch worker holds them unacknowledged."""
    _send_later(own_broker, 2)
    deadline = time.monotonic() + 15  # the endpoint caches the depths for 5 s
    while True:
        page = _scrape(metered["parse"])
        held = _value(page, "news_ingest_queue_depth", queue="fetch", state="unacked")
        if held >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert held == 2
    assert _value(page, "news_ingest_queue_depth", queue="fetch", state="ready") == 0


def _send_later(broker: str, n: int) -> None:
    app.conf.task_routes  # noqa: B018 - see _send
    with Connection(broker) as conn:
        for _ in range(n):
            request = IngestRequest(url="http://127.0.0.1:9/later", source="metrics-test")
            app.send_task(FETCH_TASK_NAME, args=[request.model_dump(mode="json")],
                          queue=FETCH_QUEUE, connection=conn, countdown=3600)


def test_classify_outcomes() -> None:
    from worker.errors import TransientError

    assert classify("fetch", "SUCCESS", "fetched") == ("ok", None)
    assert classify("parse", "SUCCESS", "stored") == ("ok", None)
    assert classify("fetch", "SUCCESS", "throttled") == ("throttled", None)
    assert classify("parse", "SUCCESS", "no_content") == ("failed", "no_content")
    assert classify("fetch", "FAILURE", TransientError("timeout", "slow")) == ("failed",
                                                                               "timeout")
    assert classify("fetch", "FAILURE", ValueError("x")) == ("failed", "internal_error")
    assert classify("fetch", "RETRY", None) == ("retry", None)
