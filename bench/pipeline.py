"""Pipeline benchmark: the real stack end to end, against the parse ceiling of this host.

Usage::

    .venv/bin/python bench/pipeline.py [--urls 2000] [--latency-ms 300] [--parse-workers N]
                                       [--fetch-concurrency 100] [--corpus DIR]

What it does, in one run:

1. starts its own PostgreSQL and Redis (the embedded servers, under a temporary folder),
   migrated with Alembic;
2. serves real pages (``../shared/corpus/web-eval``; generated article pages when that is
   absent) from a threaded HTTP server on 127.0.0.1 that answers every request after
   ``--latency-ms``;
3. starts one fetch worker (threads, ``--fetch-concurrency``) and one parse worker (prefork,
   ``--parse-workers`` processes, default one per core) as real ``news-ingest worker``
   processes;
4. enqueues ``--urls`` distinct URLs through :func:`worker.enqueue` in batches and waits until
   every job is stored or failed, sampling the RSS of every worker process;
5. measures the parse ceiling: plain newspaper3k (``worker.parse.parse_html``) over the same
   pages in as many processes as there are parse workers, once before step 4 (workers idle)
   and once after it (workers stopped), and takes the mean; then the cost per page of our
   full parse + normalise next to raw newspaper3k's, in one process.

It prints end-to-end pages/s, the enqueue rate, p50/p95 time from enqueue to stored row, peak
RSS per worker process and its growth between the first and the last 1,000 pages, the parse
ceiling, and last ``ratio_to_parse_ceiling=<x>``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "web-eval"


# -- pages --------------------------------------------------------------------------------------

def load_pages(corpus: Path, limit: int) -> list[bytes]:
    """Raw page bytes: the corpus pages (cycled when fewer than needed) or generated ones."""
    pages_dir = corpus / "pages"
    if pages_dir.is_dir():
        files = sorted(pages_dir.glob("*.html.gz"))
        return [gzip.decompress(f.read_bytes()) for f in files[:limit]]
    return [generated_page(i).encode() for i in range(min(limit, 500))]


def generated_page(i: int) -> str:
    paragraphs = "".join(
        f"<p>Paragraph {k} of story {i}: the council met again on Tuesday to discuss the "
        f"budget for the new library, the harbour works and the tram line, and residents "
        f"asked questions about noise, parking and the timetable for item {k}.</p>"
        for k in range(25))
    nav = "".join(f'<a href="/section/{k}">Section {k}</a>' for k in range(40))
    return (f"<html lang='en'><head><title>Story {i}</title>"
            f"<meta property='article:published_time' content='2024-05-01T10:00:00Z'>"
            f"</head><body><nav>{nav}</nav><article><h1>Story {i}</h1>{paragraphs}</article>"
            f"<footer>Example Gazette</footer></body></html>")


class LatencyServer:
    """Serves page i at /p/<i> after a fixed latency; robots.txt is absent (404)."""

    def __init__(self, pages: list[bytes], latency: float) -> None:
        self.hits = 0
        self.in_flight = self.peak_in_flight = 0
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with lock:
                    server.hits += 1
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                try:
                    self._answer()
                finally:
                    with lock:
                        server.in_flight -= 1

            def _answer(self) -> None:
                time.sleep(latency)
                body, status = b"not found", 404
                if self.path.startswith("/p/"):
                    index = int(self.path.split("/")[2])
                    body, status = pages[index % len(pages)], 200
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 2048
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients closing kept-alive connections are not errors here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- the parse ceiling ----------------------------------------------------------------------------

def _decode(raw: bytes) -> str:
    from worker.charset import decode_html

    try:
        return decode_html(raw)[0]
    except Exception:  # noqa: BLE001 - a page the pipeline would fail on is skipped here too
        return ""


def _raw_newspaper(html: str) -> None:
    """newspaper3k as shipped: our faster DOM helpers are switched off for this call."""
    from worker import parse
    from worker.errors import IngestError

    parse.use_fast_dom_helpers(False)
    try:
        with contextlib.suppress(IngestError):
            parse.parse_html(html, "https://example.org/article")
    finally:
        parse.use_fast_dom_helpers(True)


def _ours(html: str) -> None:
    from worker.errors import IngestError
    from worker.normalise import extract_record

    with contextlib.suppress(IngestError):
        extract_record(html, url="https://example.org/article")


def _time_one(job: tuple[str, str]) -> float:
    kind, html = job
    fn = _raw_newspaper if kind == "raw" else _ours
    started = time.perf_counter()
    fn(html)
    return time.perf_counter() - started


def parse_ceiling(htmls: list[str], processes: int, kind: str = "raw") -> float:
    """Pages/s over ``htmls`` in ``processes`` processes: plain newspaper3k (``raw``) or our
    whole parse + normalise (``ours``). Pages are handed out one at a time, as a queue does
    (a fixed split would leave one process idle while the other finishes the large pages)."""
    # spawn, not fork: a forked child would inherit (and on exit close) this process's broker
    # connection, and hang on it.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        pool.map(_time_one, [(kind, html) for html in htmls[:2 * processes]], chunksize=1)
        started = time.perf_counter()
        pool.map(_time_one, [(kind, html) for html in htmls], chunksize=1)
        elapsed = time.perf_counter() - started
    return len(htmls) / elapsed


def per_page_ms(htmls: list[str]) -> tuple[float, float]:
    """Median ms/page of raw newspaper3k and of our parse + normalise, interleaved."""
    raw, ours = [], []
    for html in htmls:
        for fn, out in ((_raw_newspaper, raw), (_ours, ours)):
            started = time.perf_counter()
            fn(html)
            out.append((time.perf_counter() - started) * 1000)
    return statistics.median(raw), statistics.median(ours)


# -- the stack ----------------------------------------------------------------------------------

def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        todo.extend(int(c) for c in children)
    return out


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


class CpuMeter:
    """CPU seconds spent by each role of the stack during the run, from /proc samples: the
    fetch and parse worker trees, Redis, PostgreSQL (postmaster and backends) and this process
    (the HTTP server standing in for the web, the producer and the progress polling)."""

    def __init__(self, home: Path, procs: dict[str, subprocess.Popen[bytes]]) -> None:
        self.roots: dict[str, int] = {f"{q} worker": p.pid for q, p in procs.items()}
        for role, pidfile in (("redis", home / "redis" / "redis.pid"),
                              ("postgres", home / "postgres" / "data" / "postmaster.pid")):
            with contextlib.suppress(OSError, ValueError, IndexError):
                self.roots[role] = int(pidfile.read_text().split()[0])
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.own_start = sum(os.times()[:2])
        self.own = 0.0
        self.sample()

    def sample(self) -> None:
        for role, root in self.roots.items():
            for i, pid in enumerate(process_tree(root)):
                used = cpu_seconds(pid)
                if used is not None:
                    self.first.setdefault(pid, used)
                    # a worker tree: `news-ingest worker`, its Celery worker, the pool children
                    part = ("supervisor", "main", "pool")[min(i, 2)] if "worker" in role else ""
                    self.last[pid] = (f"{role} {part}".strip(), used)
        self.own = sum(os.times()[:2]) - self.own_start

    def by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, (role, used) in self.last.items():
            out[role] = out.get(role, 0.0) + used - self.first[pid]
        out["bench (HTTP server, producer)"] = self.own
        return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--parse-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fetch-concurrency", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--ceiling-pages", type=int, default=0,
                        help="pages used for the parse ceiling (default: every distinct page "
                        "served, so the ceiling and the run see the same pages)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stack folder")
    parser.add_argument("--parse-only", action="store_true",
                        help="measure the parse stage alone: fetch every page first, then "
                        "start the parse worker (as when fetch runs on another machine)")
    args = parser.parse_args()

    raw_pages = load_pages(args.corpus, args.urls)
    source = "web-eval corpus" if (args.corpus / "pages").is_dir() else "generated pages"
    print(f"pages: {len(raw_pages)} distinct ({source}), {args.urls} URLs, "
          f"latency {args.latency_ms:g} ms, parse workers {args.parse_workers}, "
          f"fetch concurrency {args.fetch_concurrency}", flush=True)

    home = Path(tempfile.mkdtemp(prefix="news-ingest-bench-"))
    home.chmod(0o755)
    from worker import services
    from worker.settings import Settings

    stack_settings = Settings(DATABASE_URL=None, REDIS_URL=None, home=home)
    args.home = str(home)
    st = services.start(stack_settings)
    assert st.database_url and st.redis_url
    env = {
        "DATABASE_URL": st.database_url, "REDIS_URL": st.redis_url,
        "NEWS_INGEST_FETCH_ALLOW": "127.0.0.1/32",
        "NEWS_INGEST_RATE_LIMITS": "127.0.0.1=100000",
        "NEWS_INGEST_FETCH_CONCURRENCY": str(args.fetch_concurrency),
        "NEWS_INGEST_PARSE_CONCURRENCY": str(args.parse_workers),
        "NEWS_INGEST_LOG_LEVEL": "WARNING",
    }
    # This process is a producer of that stack too.
    os.environ.update(env)
    from worker.settings import reset_settings

    reset_settings()
    from worker.cli import migrate

    migrate()
    server = LatencyServer(raw_pages, args.latency_ms / 1000)
    logs = open(home / "workers.log", "ab")  # noqa: SIM115

    def start(queue: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "worker.cli", "worker", "--queues", queue],
                                env={**os.environ, **env}, stdout=logs, stderr=logs, cwd=ROOT,
                                start_new_session=True)

    procs = {q: start(q) for q in (("fetch",) if args.parse_only else ("fetch", "parse"))}
    try:
        if args.parse_only:
            return run_parse_only(args, server, procs, start)
        return run(args, server, procs, raw_pages)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
        for proc in procs.values():
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        server.close()
        services.stop(stack_settings)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"stack kept in {home}")


def _wait_workers(broker_app: Any, count: int) -> bool:
    deadline = time.monotonic() + 60
    while len({n for r in (broker_app.control.ping(timeout=1.0) or []) for n in r}) < count:
        if time.monotonic() > deadline:
            return False
    return True


def _count(engine: Any, statuses: tuple[str, ...]) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM ingest_jobs WHERE status = ANY(:s)"),
                                {"s": list(statuses)}).scalar_one())


def run_parse_only(args: argparse.Namespace, server: LatencyServer,
                   procs: dict[str, subprocess.Popen[bytes]], start: Any) -> int:
    """Fetch everything with the parse worker stopped, then time the parse worker alone."""
    from sqlalchemy import text

    from worker.celery_app import app
    from worker.producer import enqueue
    from worker.store import get_engine

    if not _wait_workers(app, 1):
        print("workers did not start", file=sys.stderr)
        return 1
    urls = [f"http://127.0.0.1:{server.port}/p/{i}" for i in range(args.urls)]
    fetch_tree = process_tree(procs["fetch"].pid)
    cpu_before = sum(cpu_seconds(pid) or 0.0 for pid in fetch_tree)
    fetch_started = time.monotonic()
    for first in range(0, len(urls), 1000):
        enqueue(urls[first:first + 1000], source="bench")
    engine = get_engine()
    while _count(engine, ("parsing", "failed")) < args.urls:
        time.sleep(0.2)
    fetch_s = time.monotonic() - fetch_started
    fetch_cpu = sum(cpu_seconds(pid) or 0.0 for pid in fetch_tree) - cpu_before
    print(f"fetch stage alone:  {args.urls / fetch_s:.1f} pages/s with "
          f"{args.fetch_concurrency} threads, {fetch_cpu / args.urls * 1000:.1f} ms CPU per "
          f"page (fetch worker)", flush=True)
    os.killpg(procs["fetch"].pid, 15)
    procs["fetch"].wait(60)
    print(f"  fetched {args.urls} pages; starting the parse worker", flush=True)
    procs["parse"] = start("parse")
    if not _wait_workers(app, 1):
        print("parse worker did not start", file=sys.stderr)
        return 1
    started_at = time.time()
    while _count(engine, ("stored", "failed")) < args.urls:
        time.sleep(0.5)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'stored') AS stored, "
            "extract(epoch FROM max(finished_at)) AS last FROM ingest_jobs")).one()
    rate = args.urls / (float(row.last) - started_at)
    print(f"parse stage alone:  {rate:.1f} pages/s with {args.parse_workers} parse "
          f"process(es) ({row.stored} stored)")
    print(f"parse_stage_pages_per_s={rate:.2f}")
    return 0


def run(args: argparse.Namespace, server: LatencyServer, procs: dict[str, subprocess.Popen[bytes]],
        raw_pages: list[bytes]) -> int:
    from sqlalchemy import text

    from worker.celery_app import app
    from worker.producer import enqueue
    from worker.store import get_engine

    if not _wait_workers(app, 2):
        print("workers did not start", file=sys.stderr)
        return 1

    # The ceiling is timed before and after the run and averaged: this machine's speed drifts
    # by 10-20% over minutes, and a ceiling timed on one side only moved the ratio with it.
    htmls = [h for h in (_decode(p) for p in raw_pages[:args.ceiling_pages or None]) if h]
    print(f"  timing the parse ceiling before the run ({len(htmls)} pages)", flush=True)
    ceiling_before = parse_ceiling(htmls, args.parse_workers)
    urls = [f"http://127.0.0.1:{server.port}/p/{i}" for i in range(args.urls)]
    meter = CpuMeter(Path(args.home), procs)
    started = time.monotonic()
    job_ids: list[str] = []
    for start in range(0, len(urls), 1000):
        job_ids += enqueue(urls[start:start + 1000], source="bench")
    enqueue_s = time.monotonic() - started

    peak: dict[int, int] = {}
    roles: dict[int, str] = {}
    rss_at: dict[str, int] = {}
    engine = get_engine()
    done = 0
    last_progress = 0.0
    checkpoints = {"first": min(1000, args.urls // 2), "last": args.urls}
    while True:
        for queue, proc in procs.items():
            tree = process_tree(proc.pid)
            for i, pid in enumerate(tree):
                # `news-ingest worker` (the supervisor), its Celery worker, the pool children
                role = ("supervisor", "main")[i] if i < 2 else "child"
                roles.setdefault(pid, f"{queue}-{role}")
                peak[pid] = max(peak.get(pid, 0), rss_kib(pid))
        with engine.connect() as conn:
            done = conn.execute(text("SELECT count(*) FROM ingest_jobs WHERE status IN "
                                     "('stored', 'failed')")).scalar_one()
        meter.sample()
        parse_rss = sum(rss_kib(p) for p in process_tree(procs["parse"].pid))
        for name, mark in checkpoints.items():
            if name not in rss_at and done >= mark:
                rss_at[name] = parse_rss
        if time.monotonic() - last_progress > 5:
            print(f"  {done}/{args.urls} done after {time.monotonic() - started:.0f} s",
                  flush=True)
            last_progress = time.monotonic()
        if done >= args.urls:
            break
        if any(p.poll() is not None for p in procs.values()):
            print("a worker exited", file=sys.stderr)
            return 1
        time.sleep(0.5)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'stored') AS stored, "
            "count(*) FILTER (WHERE status = 'failed') AS failed, "
            "extract(epoch FROM max(finished_at) - min(submitted_at)) AS span "
            "FROM ingest_jobs")).one()
        latencies = [float(r[0]) for r in conn.execute(text(
            "SELECT extract(epoch FROM finished_at - submitted_at) FROM ingest_jobs "
            "WHERE status = 'stored'"))]
        reasons = conn.execute(text("SELECT reason, count(*) FROM ingest_jobs "
                                    "WHERE status = 'failed' GROUP BY 1 ORDER BY 2 DESC")).all()
    e2e = args.urls / float(row.span)
    meter.sample()
    cpu = meter.by_role()

    # Stop the stack's workers before measuring the ceiling, so it has the cores to itself.
    for proc in procs.values():
        os.killpg(proc.pid, 15)
    for proc in procs.values():
        proc.wait(60)
    ceiling_after = parse_ceiling(htmls, args.parse_workers)
    ceiling = (ceiling_before + ceiling_after) / 2
    our_ceiling = parse_ceiling(htmls, args.parse_workers, "ours")
    raw_ms, ours_ms = per_page_ms(htmls[: min(len(htmls), 200)])

    print()
    print(f"enqueue:            {args.urls / enqueue_s:,.0f} URLs/s ({enqueue_s:.2f} s for "
          f"{args.urls}, batches of 1000, jobs recorded in PostgreSQL)")
    print(f"outcome:            {row.stored} stored, {row.failed} failed "
          + ", ".join(f"{r}={n}" for r, n in reasons))
    print(f"end-to-end:         {e2e:.1f} pages/s ({row.span:.1f} s from first enqueue to "
          f"last outcome)")
    print(f"requests in flight: up to {server.peak_in_flight} at once at the page server "
          f"({server.hits} requests)")
    print(f"enqueue->stored:    p50 {percentile(latencies, 0.5):.1f} s, "
          f"p95 {percentile(latencies, 0.95):.1f} s")
    for pid in sorted(peak, key=lambda p: roles[p]):
        print(f"peak RSS {roles[pid]:13} pid {pid}: {peak[pid] / 1024:.0f} MiB")
    if "first" in rss_at and "last" in rss_at:
        growth = (rss_at["last"] - rss_at["first"]) / rss_at["first"] * 100
        print(f"parse worker RSS:   {rss_at['first'] / 1024:.0f} MiB after "
              f"{checkpoints['first']} pages, {rss_at['last'] / 1024:.0f} MiB at the end "
              f"({growth:+.1f}%)")
    total_cpu = sum(cpu.values())
    print(f"CPU during the run: {total_cpu:.0f} s of {os.cpu_count()} cores x "
          f"{row.span:.0f} s; per page: " + ", ".join(
              f"{role} {used / args.urls * 1000:.1f} ms"
              for role, used in sorted(cpu.items(), key=lambda kv: -kv[1])))
    print(f"parse ceiling:      {ceiling:.1f} pages/s (plain newspaper3k, "
          f"{args.parse_workers} processes, {len(htmls)} pages; mean of {ceiling_before:.1f} "
          f"before and {ceiling_after:.1f} after the run)")
    print(f"our parse ceiling:  {our_ceiling:.1f} pages/s (our parse + normalise, same "
          f"processes and pages; ratio to it {e2e / our_ceiling:.2f})")
    print(f"ms/page (1 proc):   raw newspaper3k {raw_ms:.1f}, our parse+normalise "
          f"{ours_ms:.1f} ({ours_ms / raw_ms:.2f}x)")
    print(f"ratio_to_parse_ceiling={e2e / ceiling:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
