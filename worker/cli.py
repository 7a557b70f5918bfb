"""``news-ingest``: the command line.

Commands: enqueue, worker, migrate, extract, fetch, services, schema, status, retry, export,
demo.
Every command that needs PostgreSQL or Redis starts the embedded servers when
``DATABASE_URL`` / ``REDIS_URL`` are unset.
"""

from __future__ import annotations

import argparse
import gzip
import json
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from worker.errors import IngestError
from worker.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_FAILED, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2, 64


def _err(message: str) -> None:
    print(f"news-ingest: {message}", file=sys.stderr)


def _ensure_services() -> dict[str, str]:
    """Start the embedded servers if needed; returns the URLs to hand to child processes."""
    from worker import services

    st = services.start()
    return {"DATABASE_URL": st.database_url or "", "REDIS_URL": st.redis_url or ""}


# -- migrate ----------------------------------------------------------------------------------

def migrate(revision: str = "head", database_url: str | None = None) -> None:
    """``alembic upgrade`` on the configured database (or ``database_url``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        cfg.attributes["database_url"] = database_url
    command.upgrade(cfg, revision)


def cmd_migrate(args: argparse.Namespace) -> int:
    _ensure_services()
    migrate(args.revision)
    print(f"database migrated to {args.revision}")
    return EXIT_OK


# -- services ---------------------------------------------------------------------------------

def cmd_services(args: argparse.Namespace) -> int:
    from worker import services

    fn = {"start": services.start, "stop": services.stop, "status": services.status}[args.action]
    st = fn()
    info = st.as_dict()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:13} {value}")
    return EXIT_OK


# -- schema -----------------------------------------------------------------------------------

def cmd_schema(args: argparse.Namespace) -> int:
    from schemas import ArticleRecord, IngestRequest

    model = ArticleRecord if args.article else IngestRequest
    print(json.dumps(model.model_json_schema(), indent=2))
    return EXIT_OK


# -- enqueue ----------------------------------------------------------------------------------

def _read_urls(args: argparse.Namespace) -> Iterator[str]:
    sources: list[Any] = []
    if args.file:
        sources.append(open(args.file, encoding="utf-8"))  # noqa: SIM115
    for url in args.urls:
        if url == "-":
            sources.append(sys.stdin)
        else:
            yield url
    for handle in sources:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def cmd_enqueue(args: argparse.Namespace) -> int:
    from worker.producer import enqueue, split_valid

    valid, rejected = split_valid(_read_urls(args))
    for url, why in rejected:
        _err(f"rejected {url!r}: {why}")
    if not valid:
        _err("no valid URLs to enqueue")
        return EXIT_REJECTED if rejected else EXIT_USAGE
    _ensure_services()
    job_ids: list[str] = []
    for start in range(0, len(valid), 1000):
        job_ids += enqueue(valid[start:start + 1000], source=args.source)
    for job_id, url in zip(job_ids, valid, strict=True):
        print(f"{job_id}\t{url}")
    sys.stdout.flush()
    code = EXIT_REJECTED if rejected else EXIT_OK
    if args.wait:
        outcome = wait_for(job_ids, timeout=args.timeout)
        print_summary(outcome)
        if any(o.get("status") != "stored" for o in outcome.values()):
            code = EXIT_FAILED
    return code


def wait_for(job_ids: list[str], timeout: float | None = None,
             progress: bool = True) -> dict[str, dict[str, Any]]:
    """Poll ``ingest_jobs`` until every job is stored or failed (or the timeout passes)."""
    from tqdm import tqdm

    from worker import store

    pending = set(job_ids)
    outcome: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout if timeout else None
    with tqdm(total=len(job_ids), unit="url", disable=not progress, file=sys.stderr,
              dynamic_ncols=True) as bar:
        while pending:
            statuses = store.job_statuses(pending)
            done = {j: s for j, s in statuses.items() if s["status"] in ("stored", "failed")}
            outcome.update(done)
            pending -= done.keys()
            bar.update(len(done))
            if pending and deadline and time.monotonic() > deadline:
                for j in pending:
                    outcome[j] = statuses.get(j, {"status": "unknown"})
                break
            if pending:
                time.sleep(0.3)
    return outcome


def print_summary(outcome: dict[str, dict[str, Any]]) -> None:
    counts = Counter(o.get("status", "unknown") for o in outcome.values())
    reasons = Counter(o.get("reason") for o in outcome.values() if o.get("status") == "failed")
    print(f"summary: {len(outcome)} jobs: " + ", ".join(f"{k} {v}" for k, v in
                                                       sorted(counts.items())))
    for reason, n in reasons.most_common():
        example = next(o for o in outcome.values() if o.get("reason") == reason)
        print(f"  failed {reason}: {n} (e.g. {example.get('url')})")


# -- worker -----------------------------------------------------------------------------------

def worker_command(queue: str, concurrency: int | None, loglevel: str | None = None,
                   extra: list[str] | None = None) -> list[str]:
    """The celery command line for a worker of one queue (what `news-ingest worker` runs)."""
    settings = get_settings()
    if queue == "fetch":
        pool, conc = "threads", concurrency or settings.fetch_concurrency
    else:
        pool, conc = "prefork", concurrency or settings.parse_concurrency
    return [sys.executable, "-m", "celery", "-A", "worker", "worker", "-Q", queue,
            "-P", pool, "-c", str(conc), "-n", f"{queue}-%i@%h", "--without-gossip",
            "--without-mingle", "-l", (loglevel or settings.log_level).upper(), *(extra or [])]


def _child_env(env: dict[str, str] | None, index: int) -> dict[str, str]:
    from worker.settings import child_environment

    child_env = child_environment(**(env or {}))
    port = get_settings().metrics_port
    if port:
        # issue 7: one metrics endpoint per worker process: PORT, PORT + 1, ...
        child_env["NEWS_INGEST_METRICS_PORT"] = str(port + index)
    return child_env


def start_workers(queues: list[str], concurrency: int | None = None,
                  env: dict[str, str] | None = None, loglevel: str | None = None,
                  stdout: Any = None) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen(worker_command(queue, concurrency, loglevel),
                             env=_child_env(env, i), stdout=stdout, stderr=stdout)
            for i, queue in enumerate(queues)]


def stop_workers(procs: list[subprocess.Popen[bytes]], timeout: float = 30) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_worker(args: argparse.Namespace) -> int:
    from worker.celery_app import QUEUES

    queues = [q.strip() for q in (args.queues or ",".join(QUEUES)).split(",") if q.strip()]
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        _err(f"unknown queue(s) {', '.join(unknown)}; declared queues: {', '.join(QUEUES)}")
        return EXIT_USAGE
    env = _ensure_services()
    from worker.supervisor import Supervisor

    def starter(index: int, queue: str) -> Callable[[], subprocess.Popen[bytes]]:
        cmd = worker_command(queue, args.concurrency, args.loglevel)
        return lambda: subprocess.Popen(cmd, env=_child_env(env, index))

    # Each queue's worker is a child that is restarted when it ends unasked (a stuck consumer,
    # an unrecoverable error); signals are passed on (see worker/supervisor.py).
    return Supervisor([(queue, starter(i, queue)) for i, queue in enumerate(queues)]).run()


# -- extract / fetch --------------------------------------------------------------------------

def _read_page(path: str) -> bytes:
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def extract_one(path: str, url: str | None) -> dict[str, Any]:
    """Parse one saved page through the worker's parse + normalise code."""
    from worker.normalise import extract_record
    from worker.pipeline import prepare_html

    name = "stdin" if path == "-" else Path(path).name
    page_url = url or f"https://localhost.invalid/{name}"
    html, _ = prepare_html(_read_page(path))
    return extract_record(html, url=page_url).model_dump(mode="json")


def _error_dict(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, IngestError):
        return {"error": exc.message, "reason": exc.reason}
    if isinstance(exc, OSError):
        return {"error": f"cannot read page: {exc.strerror or exc}", "reason": "unreadable"}
    if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error)):
        return {"error": f"broken gzip file: {exc}", "reason": "unreadable"}
    return {"error": f"{type(exc).__name__}: {exc}", "reason": "internal_error"}


def cmd_extract(args: argparse.Namespace) -> int:
    if args.batch:
        failed = 0
        with open(args.batch, encoding="utf-8") as manifest:
            for lineno, line in enumerate(manifest, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    out = extract_one(str(item["path"]), item.get("url"))
                except (ValueError, KeyError, TypeError) as exc:
                    out = {"line": lineno, "error": f"bad manifest line: {exc}",
                           "reason": "bad_manifest"}
                    failed += 1
                except Exception as exc:  # noqa: BLE001 - one bad page never stops a batch
                    out = {"url": item.get("url"), "path": item.get("path"), **_error_dict(exc)}
                    failed += 1
                print(json.dumps(out, ensure_ascii=False), flush=True)
        return EXIT_FAILED if failed else EXIT_OK
    if not args.file:
        _err("give a FILE (or - for stdin) or --batch MANIFEST.jsonl")
        return EXIT_USAGE
    try:
        out = extract_one(args.file, args.url)
    except Exception as exc:  # noqa: BLE001 - classified error, never a traceback
        print(json.dumps(_error_dict(exc), ensure_ascii=False))
        return EXIT_FAILED
    print(json.dumps(out, ensure_ascii=False, indent=None if args.compact else 2))
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from worker.pipeline import fetch_and_extract

    try:
        record = fetch_and_extract(args.url)
    except Exception as exc:  # noqa: BLE001
        print(json.dumps({"url": args.url, **_error_dict(exc)}, ensure_ascii=False))
        return EXIT_FAILED
    print(json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from worker.demo import run_demo

    return run_demo(keep_services=True)


# -- status / retry / export (issue 7) --------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(value: str) -> datetime:
    """``2h``/``30m``/``7d`` (that long ago) or an ISO 8601 date/time (UTC when no offset)."""
    value = value.strip()
    if value and value[-1] in _UNITS and value[:-1].replace(".", "", 1).isdigit():
        return datetime.now(UTC) - timedelta(seconds=float(value[:-1]) * _UNITS[value[-1]])
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a duration (30m, 2h, 7d) nor an ISO 8601 time") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def print_status(report: dict[str, Any]) -> None:
    def failed(part: Any) -> bool:
        if isinstance(part, dict) and set(part) == {"error"}:
            print(f"  unavailable: {part['error']}")
            return True
        return False

    print("queues                ready  unacked  (scheduled)")
    if not failed(report["queues"]):
        for name, q in report["queues"].items():
            print(f"  {name:16} {q['ready']:>8} {q['unacked']:>8}  ({q['scheduled']})")
    workers = report["workers"]
    print(f"workers               {len(workers) if isinstance(workers, list) else '?'} online")
    if not failed(workers):
        for w in workers:
            print(f"  {w['name']:30} {','.join(w['queues']):12} {w['pool']:9} "
                  f"concurrency {w['concurrency']}  active {w['active']}  "
                  f"processed {w['processed']}")
    print("jobs submitted        last hour  last day")
    if not failed(report["jobs"]):
        for status, n in report["jobs"].items():
            print(f"  {status:16} {n['hour']:>12} {n['day']:>9}")
    print("failures, last 24 h")
    if not failed(report["failures_24h"]):
        for f in report["failures_24h"]:
            print(f"  {f['reason']:24} {f['count']:>6}  e.g. {', '.join(f['examples'])}")
        if not report["failures_24h"]:
            print("  none")
    tp = report["throughput"]
    if not failed(tp):
        stored = [m["stored"] for m in tp]
        print(f"throughput, stored per minute over the last {len(tp)} min (oldest first): "
              f"{' '.join(map(str, stored))}  (total {sum(stored)}, "
              f"failed {sum(m['failed'] for m in tp)})")


def cmd_status(args: argparse.Namespace) -> int:
    from worker.queries import status_report

    _ensure_services()
    report = status_report(minutes=args.minutes, timeout=args.timeout)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_status(report)
    return EXIT_OK


def cmd_retry(args: argparse.Namespace) -> int:
    from worker.queries import RetryFilter, retry_candidates

    flt = RetryFilter(reasons=tuple(args.reason or ()), domain=args.domain, since=args.since,
                      until=args.until, limit=args.limit)
    if not (flt.reasons or flt.domain or flt.since or flt.until or args.all):
        _err("choose failed jobs with --reason, --domain, --since/--until (or --all)")
        return EXIT_USAGE
    _ensure_services()
    if args.dry_run:
        rows = retry_candidates(flt)
        for row in rows:
            print(f"{row['id']}\t{row['reason']}\t{row['url']}")
        print(f"would retry {len(rows)} failed job(s)", file=sys.stderr)
        return EXIT_OK
    from schemas import FETCH_TASK_NAME, IngestRequest
    from worker import store
    from worker.celery_app import FETCH_QUEUE, app

    def publish(requests: list[IngestRequest]) -> None:
        with app.producer_or_acquire() as producer:
            for request in requests:
                app.send_task(FETCH_TASK_NAME, args=[request.model_dump(mode="json")],
                              queue=FETCH_QUEUE, producer=producer)

    done = store.retry_jobs(flt, publish)
    for item in done:
        print(f"{item['job_id']}\t{item['url']}\tretry of {item['retry_of']}")
    print(f"re-enqueued {len(done)} failed job(s) as new jobs", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from worker import export
    from worker.queries import iter_articles

    if args.format == "parquet":
        if not args.output or args.output == "-":
            _err("--format parquet needs --output FILE")
            return EXIT_USAGE
        try:
            export.parquet_schema()
        except export.ExportError as exc:
            _err(str(exc))
            return EXIT_USAGE
    _ensure_services()
    rows = iter_articles(since=args.since, until=args.until, domain=args.domain)
    if args.format == "parquet":
        n = export.write_parquet(rows, args.output)
    else:
        write = export.write_jsonl if args.format == "jsonl" else export.write_csv
        if args.output and args.output != "-":
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                n = write(rows, out)
        else:
            n = write(rows, sys.stdout)
            sys.stdout.flush()
    print(f"exported {n} article(s)", file=sys.stderr)
    return EXIT_OK


# -- main -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="news-ingest", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("enqueue", help="put URLs on the fetch queue; prints job ids")
    p.add_argument("urls", nargs="*", help="URLs, or - to read one URL a line from stdin")
    p.add_argument("--file", "-f", help="read URLs from FILE, one a line")
    p.add_argument("--source", help="producer name stored with each job")
    p.add_argument("--wait", action="store_true", help="follow the jobs until each ends")
    p.add_argument("--timeout", type=float, default=None, help="give up waiting after N s")
    p.set_defaults(func=cmd_enqueue)

    p = sub.add_parser("worker", help="run Celery workers (both queues unless --queues)")
    p.add_argument("--queues", "-Q", help="comma-separated: fetch,parse (default both)")
    p.add_argument("--concurrency", "-c", type=int, help="pool size (default per queue)")
    p.add_argument("--loglevel", "-l", help="log level (default NEWS_INGEST_LOG_LEVEL)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="alembic upgrade head")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("extract", help="parse a saved page (plain or .gz) and print the record")
    p.add_argument("file", nargs="?", help="saved page, or - for stdin")
    p.add_argument("--url", help="the URL the page was fetched from")
    p.add_argument("--batch", help='JSONL manifest of {"url": ..., "path": ...} lines')
    p.add_argument("--compact", action="store_true", help="one-line JSON")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("fetch", help="fetch + parse one URL like the worker, no queue or DB")
    p.add_argument("url")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("services", help="the embedded local PostgreSQL and Redis")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_services)

    p = sub.add_parser("schema", help="print the JSON Schema of the queue message")
    p.add_argument("--article", action="store_true", help="the article record's schema instead")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("status", help="queues, workers, jobs, failures, throughput")
    p.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    p.add_argument("--minutes", type=int, default=15, help="throughput window (default 15)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds to wait for workers (default NEWS_INGEST_STATUS_TIMEOUT)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("retry", help="re-enqueue failed jobs as new jobs")
    p.add_argument("--reason", "-r", action="append", help="reason code (repeatable)")
    p.add_argument("--domain", "-d", help="host of the URL, subdomains included")
    p.add_argument("--since", type=parse_when, help="failed at/after: 2h, 7d or ISO time")
    p.add_argument("--until", type=parse_when, help="failed before: 30m or ISO time")
    p.add_argument("--limit", type=int, help="at most N jobs (oldest failures first)")
    p.add_argument("--all", action="store_true", help="every failed job not yet retried")
    p.add_argument("--dry-run", "-n", action="store_true", help="list the jobs, enqueue none")
    p.set_defaults(func=cmd_retry)

    p = sub.add_parser("export", help="articles updated in a time range to jsonl/csv/parquet")
    p.add_argument("--since", type=parse_when, required=True, help="2h, 7d or ISO time")
    p.add_argument("--until", type=parse_when, help="exclusive end (default: now)")
    p.add_argument("--domain", help="only this domain and its subdomains")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl")
    p.add_argument("--output", "-o", help="file (default stdout; parquet needs a file)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="serve sample pages, ingest them end to end, print the rows")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from worker.services import ServiceError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ServiceError as exc:
        _err(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
