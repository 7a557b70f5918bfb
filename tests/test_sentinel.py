"""A `sentinel://` REDIS_URL: Celery's broker (kombu's sentinel transport with our transport
options) and the shared cache (redis-py) both find the master through a real Sentinel."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json
from worker import handoff
from worker.queries import queue_depths
client = handoff.redis_client()
client.set("news-ingest:sentinel-test", "ok", ex=60)
print(json.dumps({"cache": client.get("news-ingest:sentinel-test").decode(),
                  "queues": queue_depths()}))
"""


@pytest.fixture(scope="module")
def sentinel(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed")
    master = urlsplit(redis_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = tmp_path_factory.mktemp("sentinel") / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\n"
                    f"sentinel monitor testmaster {master.hostname} {master.port} 1\n")
    proc = subprocess.Popen([binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=port).sentinel_get_master_addr_by_name("testmaster"):
                    break
            except redis.RedisError:
                pass
            assert time.monotonic() < deadline, "sentinel did not start"
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_broker_and_cache_through_sentinel(sentinel: int, redis_url: str) -> None:
    db = urlsplit(redis_url).path.strip("/") or "0"
    env = {**os.environ,
           "REDIS_URL": f"sentinel://127.0.0.1:{sentinel}/{db}",
           "NEWS_INGEST_REDIS_SENTINEL_MASTER": "testmaster"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["cache"] == "ok"
    assert set(data["queues"]) == {"fetch", "parse"}
    # the same database as the plain URL: the key is there
    assert redis.Redis.from_url(redis_url).get("news-ingest:sentinel-test") == b"ok"
