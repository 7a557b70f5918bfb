"""`news-ingest status`: queues, workers, jobs, failures and throughput from the real servers."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from tests.support import WorkerProcesses
from worker.cli import main
from worker.queries import failures_by_reason, jobs_by_status, status_report, throughput

HOST = f"status-{uuid.uuid4().hex[:6]}.example"


@pytest.fixture(scope="module")
def seeded(database_url: str) -> dict[str, str]:
    from worker.store import get_engine

    reason = f"http_4{uuid.uuid4().hex[:4]}"  # a reason only this module uses
    with get_engine().begin() as conn:
        conn.execute(text("""
            INSERT INTO ingest_jobs (id, url, status, reason, submitted_at, finished_at)
            SELECT gen_random_uuid(), 'https://' || :host || '/f' || i, 'failed', :reason,
                   now() - interval '5 minutes', now() - interval '3 minutes'
            FROM generate_series(1, 4) AS i;
            INSERT INTO ingest_jobs (id, url, status, submitted_at, finished_at)
            SELECT gen_random_uuid(), 'https://' || :host || '/s' || i, 'stored',
                   now() - interval '5 minutes', date_trunc('minute', now()) - interval '2 min'
            FROM generate_series(1, 3) AS i;
            INSERT INTO ingest_jobs (id, url, status, submitted_at)
            VALUES (gen_random_uuid(), 'https://' || :host || '/old', 'queued',
                    now() - interval '3 hours');
        """), {"host": HOST, "reason": reason})
    return {"reason": reason}


def test_jobs_failures_and_throughput(seeded) -> None:
    jobs = jobs_by_status()
    assert jobs["failed"]["hour"] >= 4 and jobs["stored"]["hour"] >= 3
    assert jobs["queued"]["day"] >= jobs["queued"]["hour"] + 1  # the 3-hour-old one
    failures = {f["reason"]: f for f in failures_by_reason()}
    mine = failures[seeded["reason"]]
    assert mine["count"] == 4 and len(mine["examples"]) == 3
    assert all(HOST in url for url in mine["examples"])
    minutes = throughput(5)
    assert len(minutes) == 5
    assert minutes[-3]["stored"] >= 3  # two minutes before the current one


def test_status_shows_workers_with_their_concurrency(seeded, workers: WorkerProcesses,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    report = status_report(minutes=5, timeout=1.5)
    assert set(report["queues"]) == {"fetch", "parse"}
    assert set(report["queues"]["fetch"]) == {"ready", "unacked", "scheduled"}
    by_queue = {tuple(w["queues"]): w for w in report["workers"]}
    assert by_queue[("fetch",)]["pool"] == "threads"
    assert by_queue[("fetch",)]["concurrency"] == 8  # NEWS_INGEST_FETCH_CONCURRENCY in conftest
    assert by_queue[("parse",)]["pool"] == "prefork"
    assert by_queue[("parse",)]["concurrency"] == 2

    assert main(["status", "--json", "--minutes", "5", "--timeout", "1.5"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"queues", "workers", "jobs", "failures_24h", "throughput"}
    assert seeded["reason"] in {f["reason"] for f in data["failures_24h"]}

    assert main(["status", "--minutes", "5", "--timeout", "1.5"]) == 0
    out = capsys.readouterr().out
    assert "threads" in out and "prefork" in out and seeded["reason"] in out
    assert "stored per minute over the last 5 min" in out


def test_status_survives_a_dead_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    import worker.queries as q

    def boom(*_a: object, **_k: object) -> None:
        raise ConnectionError("broker down\nmore")

    monkeypatch.setattr(q, "queue_depths", boom)
    report = q.status_report(minutes=2, timeout=0.2)
    assert report["queues"] == {"error": "ConnectionError: broker down"}
    assert "failed" in report["jobs"]
