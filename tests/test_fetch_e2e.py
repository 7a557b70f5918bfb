"""Fetch safety end to end: `news-ingest fetch` as a subprocess, hostile URLs through the
real workers, robots.txt and Crawl-delay, and the per-host rate held by two fetch workers.

The session workers (tests/conftest.py) allow ``127.0.0.1/32`` (at a brisk rate) and the
name ``localhost``, which keeps the default rate of one request a second: the politeness
tests use ``localhost`` URLs on servers of their own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support import HTTPTestServer, Response, WorkerProcesses, wait_for_jobs
from tests.test_e2e import ARTICLE
from tests.test_fetch import _bomb
from worker import enqueue

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).with_name("news-ingest"))


class Recorder:
    """Routes that answer with the article and note when (and by whom) they were asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str, str]] = []  # (time, path, user agent)
        self._lock = threading.Lock()

    def page(self, title: str) -> object:
        body = ARTICLE.replace("Harbour bridge", title).encode()

        def route(handler: BaseHTTPRequestHandler) -> Response:
            with self._lock:
                self.requests.append((time.monotonic(), handler.path,
                                      handler.headers.get("User-Agent", "")))
            return Response(200, body)

        return route

    def robots(self, content: str) -> object:
        def route(handler: BaseHTTPRequestHandler) -> Response:
            with self._lock:
                self.requests.append((time.monotonic(), handler.path,
                                      handler.headers.get("User-Agent", "")))
            return Response(200, content.encode(), {"Content-Type": "text/plain"})

        return route

    def times(self, prefix: str = "/") -> list[float]:
        return sorted(t for t, path, _ in self.requests if path.startswith(prefix))


@pytest.fixture()
def server() -> Iterator[HTTPTestServer]:
    srv = HTTPTestServer().__enter__()
    yield srv
    threading.Thread(target=srv.__exit__, daemon=True).start()


def _job(db, job_id: str) -> dict:
    row = db.execute(text("SELECT * FROM ingest_jobs WHERE id = :i"),
                     {"i": job_id}).mappings().first()
    assert row is not None
    return dict(row)


def _cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No queue, no database, no Redis: unreachable URLs and an empty home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWS_INGEST_")}
    env.update(REDIS_URL="redis://127.0.0.1:1/0",
               DATABASE_URL="postgresql+psycopg2://nobody@127.0.0.1:1/none",
               NEWS_INGEST_HOME=str(tmp_path / "home"), **extra)
    return env


def _cli_fetch(url: str, env: dict[str, str]) -> tuple[int, dict]:
    proc = subprocess.run([CLI, "fetch", url], env=env, capture_output=True, text=True,
                          timeout=60)
    return proc.returncode, json.loads(proc.stdout)


# -- `news-ingest fetch` ----------------------------------------------------------------------

def test_cli_default_settings_refuse_the_test_server(server: HTTPTestServer,
                                                     tmp_path: Path) -> None:
    url = server.add("/article", Response(200, ARTICLE.encode()))
    code, out = _cli_fetch(url, _cli_env(tmp_path))
    assert code != 0
    assert out["reason"] == "blocked_address" and "loopback" in out["error"]
    assert server.hits == {}  # neither robots.txt nor the page was asked for
    code, out = _cli_fetch(f"http://[::1]:{server.port}/article", _cli_env(tmp_path))
    assert code != 0 and out["reason"] == "blocked_address"


def test_cli_allow_list_opens_it_and_robots_apply(server: HTTPTestServer,
                                                  tmp_path: Path) -> None:
    url = server.add("/article", Response(200, ARTICLE.encode()))
    server.add("/robots.txt", Response(200, b"User-agent: *\nDisallow: /private\n",
                                       {"Content-Type": "text/plain"}))
    env = _cli_env(tmp_path, NEWS_INGEST_FETCH_ALLOW="127.0.0.1/32")
    code, out = _cli_fetch(url, env)
    assert code == 0, out
    assert out["title"] == "Harbour bridge reopens after two-year repair"
    code, out = _cli_fetch(server.url("/private/article"), env)
    assert code != 0 and out["reason"] == "robots_disallowed"
    assert "/private/article" not in server.hits


# -- hostile URLs through the workers ---------------------------------------------------------

def test_hostile_urls_end_with_their_reasons_and_the_worker_goes_on(
        server: HTTPTestServer, workers: WorkerProcesses, db) -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    server.add("/hop", Response(302, b"", {"Location": "/to-metadata"}))
    server.add("/to-metadata", Response(302, b"", {"Location": metadata}))
    server.add("/bomb", Response(200, _bomb(64 << 20), {"Content-Type": "text/html",
                                                        "Content-Encoding": "gzip"}))
    server.add("/report.pdf", Response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"}))
    server.add("/loop-a", Response(302, b"", {"Location": "/loop-b"}))
    server.add("/loop-b", Response(302, b"", {"Location": "/loop-a"}))
    recorder = Recorder()
    server.add("/good", recorder.page("Northern bridge"))
    cases = {
        server.url("/hop"): "blocked_address",
        f"http://[::1]:{server.port}/good": "blocked_address",
        server.url("/bomb"): "too_large",
        server.url("/report.pdf"): "unsupported_content_type",
        server.url("/loop-a"): "redirect_loop",
        server.url("/good"): None,
    }
    started = time.monotonic()
    ids = enqueue(list(cases))
    outcome = wait_for_jobs(ids, timeout=60)
    assert time.monotonic() - started < 30
    for job_id, (url, reason) in zip(ids, cases.items(), strict=True):
        if reason is None:
            assert outcome[job_id]["status"] == "stored", (url, outcome[job_id])
        else:
            assert outcome[job_id]["status"] == "failed", (url, outcome[job_id])
            assert outcome[job_id]["reason"] == reason, (url, outcome[job_id])
    hop = _job(db, ids[0])
    assert hop["redirects"] == [server.url("/to-metadata"), metadata]
    assert hop["final_url"] == metadata and hop["attempts"] == 1
    loop = _job(db, ids[4])
    assert loop["redirects"] == [server.url("/loop-b"), server.url("/loop-a")]
    assert all(p.poll() is None for p in workers.procs.values())


def test_429_retry_after_is_honoured(server: HTTPTestServer, workers: WorkerProcesses,
                                     db) -> None:
    asked: list[float] = []
    body = ARTICLE.replace("Harbour bridge", "Patient bridge").encode()

    def busy_once(handler: BaseHTTPRequestHandler) -> Response:
        asked.append(time.monotonic())
        if len(asked) == 1:
            return Response(429, b"slow down", {"Retry-After": "2",
                                                "Content-Type": "text/html"})
        return Response(200, body)

    url = server.add("/busy", busy_once)
    [job_id] = enqueue([url])
    assert wait_for_jobs([job_id], timeout=60)[job_id]["status"] == "stored"
    assert len(asked) == 2 and asked[1] - asked[0] >= 1.9
    assert _job(db, job_id)["attempts"] == 2


# -- politeness -------------------------------------------------------------------------------

def test_robots_disallow_and_crawl_delay_through_workers(
        server: HTTPTestServer, workers: WorkerProcesses, db) -> None:
    recorder = Recorder()
    server.add("/robots.txt", recorder.robots(
        "User-agent: *\nDisallow: /private\nCrawl-delay: 1.5\n"))
    for i in range(3):
        server.add(f"/news/{i}", recorder.page(f"Bridge number {i}"))
    base = f"http://localhost:{server.port}"
    urls = [f"{base}/private/memo", *(f"{base}/news/{i}" for i in range(3))]
    ids = enqueue(urls)
    outcome = wait_for_jobs(ids, timeout=60)
    assert outcome[ids[0]]["status"] == "failed"
    assert outcome[ids[0]]["reason"] == "robots_disallowed"
    assert [outcome[i]["status"] for i in ids[1:]] == ["stored"] * 3
    assert server.hits.get("/robots.txt") == 1  # once for every worker (cached in Redis)
    assert "/private/memo" not in server.hits
    pages = recorder.times("/news/")
    gaps = [b - a for a, b in zip(pages, pages[1:], strict=False)]
    assert min(gaps) >= 1.35, gaps  # Crawl-delay 1.5 s, not the default 1 s (server clock)
    assert all(_job(db, i)["attempts"] == 1 for i in ids)


def _wait_for_replies(count: int, timeout: float = 60) -> None:
    from worker.celery_app import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= count:
            return
    raise TimeoutError(f"fewer than {count} workers answer")


def test_two_fetch_workers_together_hold_the_per_host_rate(
        server: HTTPTestServer, workers: WorkerProcesses, db, tmp_path: Path,
        redis_url: str) -> None:
    recorder = Recorder()
    server.add("/robots.txt", recorder.robots("User-agent: *\nAllow: /\n"))
    for i in range(10):
        server.add(f"/rate/{i}", recorder.page(f"Rated bridge {i}"))
    # Two fetch workers of one thread each stand in for the session's fetch worker: each holds
    # one message at a time (prefetch 1) and a fetch takes its turn of about a second, so the
    # other one always finds messages waiting. With many threads, whichever worker's BLMOVE
    # came first could take all ten at once (seen in CI).
    workers.stop(queues=("fetch",))
    pair = [WorkerProcesses(tmp_path / name, env={
        **workers.env, "NEWS_INGEST_FETCH_CONCURRENCY": "1",
        "NEWS_INGEST_USER_AGENT": f"news-ingest/0.1 ({name} worker)", **extra},
        queues=("fetch",)) for name, extra in (
            ("first", {}), ("second", {"NEWS_INGEST_RATE_LIMIT_MAX_WAIT": "0.5"}))]
    try:
        for fetchers in pair:
            fetchers.log_dir.mkdir()
            fetchers.start("fetch")
        _wait_for_replies(len(workers.procs) + 1)  # the parse worker and the pair
        base = f"http://localhost:{server.port}"
        ids = enqueue([f"{base}/rate/{i}" for i in range(10)])
        outcome = wait_for_jobs(ids, timeout=60)
    finally:
        for fetchers in pair:
            fetchers.stop()
        workers.restore()
    assert all(outcome[i]["status"] == "stored" for i in ids), outcome
    times = recorder.times()  # robots.txt and pages: every request to the host
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # default: 1 request/s per host (turns are granted on the Redis clock; the server's clock
    # also sees the time between a granted turn and its request arriving)
    assert len(times) == 11 and min(gaps) >= 0.85, gaps
    assert (times[-1] - times[0]) / (len(times) - 1) >= 0.98
    agents = {agent for _, _, agent in recorder.requests}
    assert len(agents) == 2, recorder.requests  # both workers fetched
    # throttled re-queues count neither as attempts nor as (poison) redeliveries
    assert all(_job(db, i)["attempts"] == 1 for i in ids)
    import redis

    client = redis.Redis.from_url(redis_url)
    throttles = [len(client.keys(f"news-ingest:deliveries:news_ingest.fetch:{i}:*"))
                 for i in ids]
    assert max(throttles) > 1, throttles


def test_redirect_hops_take_their_hosts_turn(server: HTTPTestServer, workers: WorkerProcesses,
                                             db) -> None:
    """Five URLs on 127.0.0.1 (a brisk rate) redirect to ``localhost`` (one request a second):
    the hops are requests to localhost and keep its rate; a hop that must wait is put back and
    resumes at the hop, in the same attempt."""
    seen: list[tuple[float, str, str]] = []  # (time, host, path)
    lock = threading.Lock()
    body = ARTICLE.replace("Harbour bridge", "Redirected bridge").encode()

    def note(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            seen.append((time.monotonic(), handler.headers.get("Host", "").split(":")[0],
                         handler.path))

    def robots(handler: BaseHTTPRequestHandler) -> Response:
        note(handler)
        return Response(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})

    def landing(handler: BaseHTTPRequestHandler) -> Response:
        note(handler)
        return Response(200, body)

    server.add("/robots.txt", robots)
    for i in range(5):
        server.add(f"/moved/{i}", Response(301, b"", {
            "Location": f"http://localhost:{server.port}/landing/{i}"}))
        server.add(f"/landing/{i}", landing)
    ids = enqueue([server.url(f"/moved/{i}") for i in range(5)])
    outcome = wait_for_jobs(ids, timeout=60)
    assert all(outcome[i]["status"] == "stored" for i in ids), outcome
    hops = sorted(t for t, host, _ in seen if host == "localhost")
    assert len(hops) == 6, seen  # robots.txt and five pages, all to localhost
    gaps = [b - a for a, b in zip(hops, hops[1:], strict=False)]
    assert min(gaps) >= 0.85, gaps  # default: one request a second per host
    for i, job_id in enumerate(ids):
        job = _job(db, job_id)
        landing_url = f"http://localhost:{server.port}/landing/{i}"
        assert job["final_url"] == landing_url and job["redirects"] == [landing_url], job
        assert job["attempts"] == 1, job


def test_fetching_waits_for_room_in_the_parse_backlog(
        server: HTTPTestServer, workers: WorkerProcesses, db, tmp_path: Path) -> None:
    """With the parse stage stopped, a fetch worker fills the parse backlog up to its limit
    (plus what its threads had already let through) and then waits; started again, the parse
    stage gets every page."""
    from worker.celery_app import PARSE_QUEUE
    from worker.handoff import redis_client

    recorder = Recorder()
    for i in range(10):
        server.add(f"/backlog/{i}", recorder.page(f"Backlogged bridge {i}"))
    workers.stop(queues=("fetch", "parse"))
    fetchers = WorkerProcesses(tmp_path, env={
        **workers.env, "NEWS_INGEST_FETCH_CONCURRENCY": "2",
        "NEWS_INGEST_PARSE_BACKLOG_MAX": "3", "NEWS_INGEST_PARSE_BACKLOG_WAIT": "60"},
        queues=("fetch",))
    try:
        fetchers.start("fetch")
        _wait_for_replies(1)
        ids = enqueue([f"http://127.0.0.1:{server.port}/backlog/{i}" for i in range(10)])
        deadline = time.monotonic() + 20
        while len(recorder.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # ample time to fetch all ten at 200 requests/s without the limit
        backlog = redis_client().llen(PARSE_QUEUE)
        assert 3 <= backlog <= 5, backlog  # the limit, plus at most one page per thread
        assert len(recorder.requests) == backlog
        workers.start("parse")
        outcome = wait_for_jobs(ids, timeout=90)
    finally:
        fetchers.stop()
        workers.restore()
    assert all(outcome[i]["status"] == "stored" for i in ids), outcome
    assert len(recorder.requests) == 10
