"""Helpers shared by tests: a programmable local HTTP server, worker processes, databases."""

from __future__ import annotations

import contextlib
import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg2
import redis
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def _connect_admin(url: str) -> Any:
    u = make_url(url)
    conn = psycopg2.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                            dbname="postgres")
    conn.autocommit = True
    return conn


def create_database(base_url: str, name: str) -> None:
    conn = _connect_admin(base_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def drop_database(base_url: str, name: str) -> None:
    conn = _connect_admin(base_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


_CLAIM = "news-ingest:test-session:db{}"


def claim_redis_db(base_url: str, owner: str) -> int:
    """Claim a Redis database number no other running test session uses (1..15)."""
    client = redis.Redis.from_url(base_url)
    for number in range(1, 16):
        if client.set(_CLAIM.format(number), owner, nx=True, ex=4 * 3600):
            return number
    raise RuntimeError("no free Redis database for this test session")


def release_redis_db(base_url: str, number: int) -> None:
    redis.Redis.from_url(base_url).delete(_CLAIM.format(number))


def flush_redis(url: str) -> None:
    redis.Redis.from_url(url).flushdb()


# -- HTTP ---------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {
        "Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0


Route = Response | Callable[[BaseHTTPRequestHandler], Response | None]


class HTTPTestServer:
    """A threaded server on 127.0.0.1; tests register routes (path -> Response or callable).

    A callable may write the response itself (and return None) for hostile behaviour.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                path = self.path
                server.hits[path] = server.hits.get(path, 0) + 1
                route = server.routes.get(path) or server.routes.get(path.split("?")[0])
                if route is None:
                    resp: Response | None = Response(404, b"<html><body>missing</body></html>")
                elif callable(route):
                    resp = route(self)
                else:
                    resp = route
                if resp is None:
                    return
                if resp.delay:
                    time.sleep(resp.delay)
                self.send_response(resp.status)
                for key, value in resp.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 512
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def add_page(self, path: str, html: str | bytes, charset: str = "utf-8",
                 gzip_body: bool = False) -> str:
        body = html.encode(charset) if isinstance(html, str) else html
        headers = {"Content-Type": f"text/html; charset={charset}"}
        if gzip_body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return self.add(path, Response(200, body, headers))

    def __enter__(self) -> HTTPTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- workers ------------------------------------------------------------------------------------

class WorkerProcesses:
    """Real `news-ingest worker` processes, one per queue, started and stopped by tests."""

    def __init__(self, log_dir: Path, env: dict[str, str],
                 queues: tuple[str, ...] = ("fetch", "parse")) -> None:
        self.log_dir = log_dir
        self.env = {**os.environ, **env}
        self.queues = queues
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, queue: str) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{queue}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "worker", "--queues", queue],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True,
        )
        self.procs[queue] = proc
        return proc

    def cli_command(self) -> list[str]:
        return [sys.executable, "-m", "worker.cli"]

    def wait_ready(self, timeout: float = 60) -> None:
        from celery import Celery

        # Ping through the workers' own broker (it may not be this process's).
        control = Celery("news_ingest", broker=self.env["REDIS_URL"], set_as_current=False)
        deadline = time.monotonic() + timeout
        expected = len(self.procs)
        while time.monotonic() < deadline:
            replies = control.control.ping(timeout=1.0) or []
            names = {name for reply in replies for name in reply}
            if len(names) >= expected:
                return
            for queue, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{queue} worker exited: {self.log(queue)[-3000:]}")
        raise TimeoutError(f"workers not ready; logs: {[self.log(q)[-2000:] for q in self.procs]}")

    def log(self, queue: str) -> str:
        return (self.log_dir / f"{queue}.log").read_text(errors="replace")

    def stop(self, timeout: float = 30, queues: tuple[str, ...] | None = None) -> None:
        """Stop the workers of `queues` (default: all of them); `start` brings one back."""
        procs = [p for q, p in self.procs.items() if queues is None or q in queues]
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)  # the worker and its pool children
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()

    def restore(self) -> None:
        """Start again the workers a test stopped (``stop(queues=...)``) and wait for them."""
        for queue, proc in list(self.procs.items()):
            if proc.poll() is not None:
                self.start(queue)
        self.wait_ready()

    def __enter__(self) -> WorkerProcesses:
        for queue in self.queues:
            self.start(queue)
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_jobs(job_ids: list[str], timeout: float = 90) -> dict[str, dict[str, Any]]:
    """Poll ingest_jobs until every job is stored or failed; fail the test on timeout."""
    from worker.cli import wait_for

    outcome = wait_for(job_ids, timeout=timeout, progress=False)
    unfinished = {j: o for j, o in outcome.items() if o.get("status") not in ("stored", "failed")}
    assert not unfinished, f"jobs did not finish in {timeout}s: {unfinished}"
    return outcome


# -- an isolated stack for fault tests ----------------------------------------------------------

class IsolatedStack:
    """Its own embedded PostgreSQL + Redis (AOF on) under a temporary folder, migrated, so a
    test may stop and restart them without disturbing other tests."""

    def __init__(self, home: Path) -> None:
        from worker.settings import Settings

        home.chmod(0o755)
        self.settings = Settings(DATABASE_URL=None, REDIS_URL=None, home=home)
        self.home = home

    def start(self) -> IsolatedStack:
        from worker import services

        st = services.start(self.settings)
        assert st.database_url and st.redis_url
        self.database_url, self.redis_url = st.database_url, st.redis_url
        return self

    def stop(self, which: tuple[str, ...] = ("postgres", "redis")) -> None:
        from worker import services

        services.stop(self.settings, which)

    def env(self, **extra: str) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                "NEWS_INGEST_FETCH_ALLOW": "127.0.0.1/32",
                "NEWS_INGEST_RATE_LIMITS": "127.0.0.1=10000",
                "NEWS_INGEST_LOG_LEVEL": "WARNING", **extra}

    def cli(self, *args: str, stdin: bytes | None = None, timeout: float = 120,
            **extra_env: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "worker.cli", *args], input=stdin,
                              capture_output=True, timeout=timeout, cwd=ROOT,
                              env={**os.environ, **self.env(**extra_env)})

    def sql(self, query: str, **params: Any) -> list[Any]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(query), params).all())
        finally:
            engine.dispose()


_TOPICS = ["harbour", "railway", "library", "orchard", "festival", "reservoir", "museum",
           "bakery", "stadium", "vineyard", "observatory", "ferry"]


def article_html(i: int, words: int = 220) -> str:
    """A distinct, realistic-enough article page number ``i`` (for load and fault tests)."""
    topic = _TOPICS[i % len(_TOPICS)]
    sentences = [
        f"The {topic} project number {i} entered a new phase this week, officials said.",
        f"Residents near the {topic} have followed the plans closely since they were announced.",
        "Council members debated the budget for several hours before a narrow vote.",
        "Engineers expect the first stage to be finished before the end of the year.",
        f"Local businesses said the {topic} would bring more visitors to the town centre.",
        "Critics argued that the money could have been spent on schools and clinics instead.",
    ]
    paragraphs = []
    count = 0
    k = 0
    while count < words:
        para = " ".join(sentences[(k + j) % len(sentences)] for j in range(3)) + f" (ref {i}-{k})"
        paragraphs.append(f"<p>{para}</p>")
        count += len(para.split())
        k += 1
    return (f'<html lang="en"><head><meta charset="utf-8"><title>Update {i} on the {topic}'
            f'</title><meta property="article:published_time" content="2024-05-{1 + i % 28:02d}'
            f'T10:00:00Z"></head><body><nav><a href="/">Home</a><a href="/news">News</a></nav>'
            f'<article><h1>Update {i} on the {topic}</h1>{"".join(paragraphs)}</article>'
            f'<footer>Copyright Example Gazette</footer></body></html>')
