"""The workers through PgBouncer in transaction mode (skipped when pgbouncer is absent;
`.ci/install-system` installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support import HTTPTestServer, WorkerProcesses, article_html

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(shutil.which("pgbouncer") is None and
                                 not os.path.exists("/usr/sbin/pgbouncer"),
                                 reason="pgbouncer is not installed")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def bouncer_url(database_url: str) -> Iterator[str]:
    target = make_url(database_url)
    home = Path(tempfile.mkdtemp(prefix="news-ingest-pgbouncer-"))
    port = _free_port()
    (home / "pgbouncer.ini").write_text(f"""[databases]
* = host={target.host} port={target.port} user={target.username or "postgres"}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 500
default_pool_size = 5
logfile = {home}/pgbouncer.log
pidfile = {home}/pgbouncer.pid
""")
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    command = [binary, str(home / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(home, "postgres", "postgres")
        home.chmod(0o755)
        command = ["runuser", "-u", "postgres", "--", *command]
    proc = subprocess.Popen(command, cwd="/", stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.monotonic() > deadline or proc.poll() is not None:
            log = (home / "pgbouncer.log").read_text() if (home / "pgbouncer.log").exists() else ""
            pytest.fail(f"pgbouncer did not start: {log[-2000:]}")
        time.sleep(0.1)
    yield target.set(port=port).render_as_string(hide_password=False)
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(home, ignore_errors=True)


def test_workers_store_through_pgbouncer_transaction_mode(
        bouncer_url: str, redis_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    with HTTPTestServer() as site:
        urls = [site.add_page(f"/pgb/{i}", article_html(500 + i)) for i in range(20)]
        workers = WorkerProcesses(tmp_path, env={
            "DATABASE_URL": bouncer_url, "REDIS_URL": redis_url,
            "NEWS_INGEST_FETCH_ALLOW": "127.0.0.1/32",
            "NEWS_INGEST_RATE_LIMITS": "127.0.0.1=10000",
            "NEWS_INGEST_FETCH_CONCURRENCY": "8", "NEWS_INGEST_PARSE_CONCURRENCY": "2",
        })
        with workers:
            enqueue = subprocess.run(
                [*workers.cli_command(), "enqueue", "--wait", "--timeout", "120", *urls],
                env={**workers.env}, capture_output=True, timeout=180)
            assert enqueue.returncode == 0, enqueue.stderr.decode()[-2000:]
    engine = create_engine(bouncer_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM articles WHERE url = ANY(:u)"),
                                  {"u": urls}).scalar_one()
    finally:
        engine.dispose()
    assert stored == 20
