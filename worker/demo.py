"""``news-ingest demo``: the whole pipeline on bundled sample pages, offline.

Serves the pages in ``worker/samples`` on 127.0.0.1, starts the embedded PostgreSQL and Redis
(unless ``DATABASE_URL``/``REDIS_URL`` point elsewhere), migrates, starts one fetch and one
parse worker, enqueues every sample plus one missing page, waits for every job to end and
prints what landed in PostgreSQL.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent / "samples"

__all__ = ["SampleServer", "load_manifest", "run_demo", "SAMPLES"]


@dataclass
class Sample:
    file: str
    path: str
    encoding: str
    expect: dict[str, Any]

    @property
    def body(self) -> bytes:
        return (SAMPLES / self.file).read_bytes()


def load_manifest() -> list[Sample]:
    items = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    return [Sample(file=i["file"], path=i["path"], encoding=i.get("encoding", "utf-8"),
                   expect=i["expect"]) for i in items]


class SampleServer:
    """A small threaded HTTP server on 127.0.0.1 serving the sample pages."""

    def __init__(self, port: int = 0) -> None:
        pages = {s.path: s for s in load_manifest()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                sample = pages.get(self.path.split("?")[0])
                if sample is None:
                    body = b"<html><body><h1>Not found</h1></body></html>"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                else:
                    body = sample.body
                    self.send_response(200)
                    self.send_header("Content-Type", f"text/html; charset={sample.encoding}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.samples = list(pages.values())
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> SampleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _cut(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def run_demo(keep_services: bool = True, timeout: float = 180) -> int:
    from worker import cli, services, store
    from worker.producer import enqueue

    print("news-ingest demo: starting PostgreSQL and Redis (embedded unless configured) ...")
    env = cli._ensure_services()
    cli.migrate()
    st = services.status()
    print(f"  database: {st.database_url}\n  broker:   {st.redis_url}")
    home = st.home
    log_path = home / "demo-workers.log"
    with SampleServer() as server, open(log_path, "ab") as log:
        print(f"serving {len(server.samples)} sample pages on http://127.0.0.1:{server.port}/")
        # The sample server is on loopback: open it in the SSRF guard, at a brisk rate.
        env = {**env, "NEWS_INGEST_FETCH_ALLOW": "127.0.0.1/32",
               "NEWS_INGEST_RATE_LIMITS": "127.0.0.1=50"}
        procs = cli.start_workers(["fetch", "parse"], env=env, stdout=log)
        try:
            urls = [server.url(s.path) for s in server.samples]
            urls.append(server.url("/this-page-does-not-exist"))
            job_ids = enqueue(urls, source="demo")
            print(f"enqueued {len(job_ids)} URLs; workers log to {log_path}")
            outcome = cli.wait_for(job_ids, timeout=timeout)
        finally:
            cli.stop_workers(procs)
    stored_ids = {o["article_id"] for o in outcome.values() if o.get("article_id")}
    articles = [a for a in store.recent_articles(limit=1000) if a["id"] in stored_ids]
    rows = [[
        str(a["id"]), _cut(a["title"], 48), a["domain"],
        a["published_at"].strftime("%Y-%m-%d %H:%M") if a["published_at"] else "-",
        _cut(", ".join(a["authors"]) or "-", 26), a["language"] or "-", str(a["word_count"]),
    ] for a in sorted(articles, key=lambda a: a["id"])]
    print()
    print("articles in PostgreSQL:")
    print(_table(rows, ["id", "title", "domain", "published (UTC)", "authors", "lang", "words"]))
    print()
    cli.print_summary(outcome)
    if keep_services and not (st.external_database and st.external_redis):
        print("\nthe embedded servers keep running; stop them with `news-ingest services stop`")
    expected_failures = 1
    stored = sum(1 for o in outcome.values() if o.get("status") == "stored")
    ok = stored == len(server.samples) and len(outcome) - stored == expected_failures
    if not ok:
        print(f"demo: expected {len(server.samples)} stored and 1 failed", file=sys.stderr)
    return 0 if ok else 1
